// The server's session list for this login (GET api/sessions) and each session's thumbnail
// (GET api/sessions/ID/thumbnail), both presenting the login token.
import { S } from '../strings.js';
import { authHeaders } from './login-token.js';

export interface SessionInfo {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  /** 'virtual' or 'console'; absent from an older server. */
  readonly type?: string;
  /** ISO 8601. */
  readonly creationTime?: string;
  readonly connections?: number;
}

export async function fetchSessions(): Promise<SessionInfo[]> {
  const res = await fetch(new URL('api/sessions', document.baseURI), {
    headers: { accept: 'application/json', ...authHeaders() },
    cache: 'no-store',
  });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  const body: unknown = await res.json();
  if (!Array.isArray(body)) throw new Error(S.unexpectedAnswer);
  return body
    .filter(
      (s): s is Record<string, unknown> => typeof s === 'object' && s !== null && typeof s.id === 'string',
    )
    .map((s) => ({
      id: s['id'] as string,
      name: typeof s['name'] === 'string' ? s['name'] : '',
      owner: typeof s['owner'] === 'string' ? s['owner'] : '',
      type: typeof s['type'] === 'string' ? s['type'] : undefined,
      creationTime: typeof s['creationTime'] === 'string' ? s['creationTime'] : undefined,
      connections: typeof s['connections'] === 'number' ? s['connections'] : undefined,
    }));
}

/** The thumbnail as a blob: URL (an <img> cannot send the token itself), or undefined when there is none. */
export async function fetchThumbnail(id: string): Promise<string | undefined> {
  try {
    const res = await fetch(new URL(`api/sessions/${encodeURIComponent(id)}/thumbnail`, document.baseURI), {
      headers: authHeaders(),
      cache: 'no-store',
    });
    if (!res.ok) return undefined;
    return URL.createObjectURL(await res.blob());
  } catch {
    return undefined;
  }
}

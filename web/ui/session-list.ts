// The page without a #SESSION_ID: lists the sessions the server offers (GET api/sessions) as links.
import { authHeaders } from '../connection/login-token.js';

interface SessionInfo {
  readonly id: string;
  readonly name?: string;
  readonly owner?: string;
}

export async function showSessionList(
  root: HTMLElement,
  onStatus: (message: string) => void,
): Promise<number> {
  const section = document.createElement('section');
  section.id = 'sessions';
  const heading = document.createElement('h1');
  heading.textContent = 'Sessions';
  section.appendChild(heading);
  root.appendChild(section);
  let sessions: SessionInfo[];
  try {
    const res = await fetch(new URL('api/sessions', document.baseURI), {
      headers: { accept: 'application/json', ...authHeaders() },
    });
    if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
    const body: unknown = await res.json();
    if (!Array.isArray(body)) throw new Error('the server sent an unexpected answer');
    sessions = body.filter(
      (s): s is SessionInfo =>
        typeof s === 'object' && s !== null && typeof (s as SessionInfo).id === 'string',
    );
  } catch (e) {
    onStatus(`Cannot list sessions: ${e instanceof Error ? e.message : String(e)}`);
    return 0;
  }
  if (sessions.length === 0) {
    const p = document.createElement('p');
    p.textContent =
      'There are no sessions you can connect to. An administrator creates one with `dcv create-session`.';
    section.appendChild(p);
  } else {
    const list = document.createElement('ul');
    for (const s of sessions) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `#${encodeURIComponent(s.id)}`;
      a.textContent = s.name && s.name !== s.id ? `${s.name} (${s.id})` : s.id;
      a.dataset['sessionId'] = s.id;
      li.appendChild(a);
      if (s.owner) {
        const owner = document.createElement('span');
        owner.className = 'owner';
        owner.textContent = ` — ${s.owner}`;
        li.appendChild(owner);
      }
      list.appendChild(li);
    }
    section.appendChild(list);
  }
  onStatus(`${sessions.length} session${sessions.length === 1 ? '' : 's'}`);
  return sessions.length;
}

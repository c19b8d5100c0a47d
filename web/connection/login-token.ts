// The login token of this browser tab: handed out by the server's api/login (for a password, or in exchange
// for a verifier's ?authToken=), kept in sessionStorage so reloads and reconnects need no new login, and
// sent in the ClientHello and to api/sessions. The password itself is never stored; the user name is, to show
// who is logged in.
import { S } from '../strings.js';

const KEY = 'opendcv.loginToken';
const USER_KEY = 'opendcv.loginUser';

/** Who logged in with a password in this tab, if anyone. */
export function loginUser(): string | undefined {
  try {
    return sessionStorage.getItem(USER_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Ends the login: the server revokes the token (POST api/logout), and this tab forgets it. */
export async function logOut(): Promise<void> {
  const headers = authHeaders();
  forgetLoginToken();
  try {
    sessionStorage.removeItem(USER_KEY);
  } catch {
    // nothing was kept
  }
  try {
    await fetch(new URL('api/logout', document.baseURI), { method: 'POST', headers, cache: 'no-store' });
  } catch {
    // the server is away; the token expires there by itself
  }
}

export function loginToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: the user logs in on each page load
  }
}

export function storeLoginToken(token: string): void {
  try {
    if (token === '') sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // nothing to keep it in
  }
}

export function forgetLoginToken(): void {
  storeLoginToken('');
}

/** Headers that present the token, for fetches of the server's api/. */
export function authHeaders(): Record<string, string> {
  const t = loginToken();
  return t === undefined ? {} : { authorization: `Bearer ${t}` };
}

/** `?authToken=` from the address (DCV's external-authentication link), removed from the address bar. */
export function takeUrlAuthToken(): string | undefined {
  const url = new URL(location.href);
  const token = url.searchParams.get('authToken');
  if (token === null) return undefined;
  url.searchParams.delete('authToken');
  history.replaceState(null, '', url.href);
  return token;
}

export type LoginResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** POSTs a login to api/login; on success the token is stored. */
export async function login(
  body: { username: string; password: string } | { authToken: string; sessionId: string },
): Promise<LoginResult> {
  try {
    const res = await fetch(new URL('api/login', document.baseURI), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
    const answer = (await res.json()) as { token?: unknown; error?: unknown };
    if (!res.ok || typeof answer.token !== 'string') {
      return {
        ok: false,
        error: typeof answer.error === 'string' ? answer.error : S.serverAnswered(res.status),
      };
    }
    storeLoginToken(answer.token);
    if ('username' in body) {
      try {
        sessionStorage.setItem(USER_KEY, body.username);
      } catch {
        // shown only while the page lives
      }
    }
    return { ok: true };
  } catch (e) {
    return {
      ok: false,
      error: S.unreachable(e instanceof Error ? e.message : String(e)),
    };
  }
}

/** What the server wants before it lists sessions: nothing, a password login, or a link with a token. */
export async function loginNeeded(): Promise<'none' | 'password' | 'token'> {
  try {
    const res = await fetch(new URL('api/sessions', document.baseURI), {
      headers: authHeaders(),
      cache: 'no-store',
    });
    if (res.status !== 401) return 'none';
    const body = (await res.json()) as { login?: unknown };
    return body.login === 'token' ? 'token' : 'password';
  } catch {
    return 'none'; // the page that follows reports the failure
  }
}

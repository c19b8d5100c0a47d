// Opens one connection of the `x11` package to a display with the cookie from a given xauth file, and
// turns its callback API into promises. The caller owns the returned client (close it with closeXClient).
import x11 from 'x11';
import type { Callback, X11Client, X11Display } from 'x11';
import { DcvError } from '../errors.js';
import { mappedSegmentProvider } from './shared-segment.js';
import { readDisplayCookie } from './xauth.js';

const CONNECT_TIMEOUT_MS = 10_000;

/** Parses ":N" / ":N.S" into N. */
export function displayNumber(display: string): number {
  const m = /^:(\d+)(?:\.\d+)?$/.exec(display);
  if (!m)
    throw new DcvError('DISPLAY_CONNECT_FAILED', `"${display}" is not a local X display name like ":1".`);
  return Number(m[1]);
}

export interface XClientOptions {
  /**
   * Make the connection able to pass a descriptor (MIT-SHM AttachFd), for capture through a shared segment.
   * Off by default: a plain socket for everything else.
   */
  readonly shm?: boolean;
}

export async function openXClient(
  display: string,
  authFile?: string,
  options: XClientOptions = {},
): Promise<{ client: X11Client; display: X11Display }> {
  const num = displayNumber(display);
  let auth: { name: string; data: string } = { name: '', data: '' };
  if (authFile) {
    let cookie;
    try {
      cookie = readDisplayCookie(authFile, num);
    } catch (e) {
      throw new DcvError(
        'DISPLAY_CONNECT_FAILED',
        `Cannot read the X authority file ${authFile}: ${(e as Error).message}.`,
      );
    }
    if (!cookie)
      throw new DcvError(
        'DISPLAY_CONNECT_FAILED',
        `${authFile} holds no MIT-MAGIC-COOKIE-1 for display ${display}.`,
      );
    auth = { name: cookie.name, data: cookie.data.toString('latin1') };
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const shm = options.shm === true ? (mappedSegmentProvider() ?? true) : false;
    const client = x11.createClient({ display: `:${num}`, auth, shm }, (err, disp) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        safeTerminate(client);
        reject(
          new DcvError('DISPLAY_CONNECT_FAILED', `Cannot connect to X display ${display}: ${err.message}.`),
        );
      } else resolve({ client, display: disp });
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      safeTerminate(client);
      reject(
        new DcvError(
          'DISPLAY_CONNECT_FAILED',
          `X display ${display} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s.`,
        ),
      );
    }, CONNECT_TIMEOUT_MS);
    client.on('error', (err: Error) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        safeTerminate(client);
        reject(
          new DcvError('DISPLAY_CONNECT_FAILED', `Cannot connect to X display ${display}: ${err.message}.`),
        );
      }
    });
  });
}

export function closeXClient(client: X11Client): void {
  safeTerminate(client);
}

function safeTerminate(client: X11Client): void {
  try {
    client.terminate();
  } catch {
    /* already closed */
  }
}

/** Promisifies a request that takes a trailing callback. */
export function call<T>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

/** A round trip: every request sent before it has been processed by the server when this resolves. */
export function sync(client: X11Client): Promise<void> {
  return call<unknown>((cb) =>
    client.GetInputFocus(cb as Callback<{ focus: number; revertTo: number }>),
  ).then(() => undefined);
}

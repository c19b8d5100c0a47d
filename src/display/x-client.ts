// Opens one connection of the `x11` package to a display with the cookie from a given xauth file, and
// turns its callback API into promises. The caller owns the returned client (close it with closeXClient).
// The X server may be a session owner's fake: the socket must be a socket, and its setup reply is checked
// whole (x-setup-reply.ts) before `x11` sees a byte of it. With `shm` the socket can also pass a descriptor
// (MIT-SHM AttachFd, for capture into a shared segment: shared-segment.ts).
import { lstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import x11 from 'x11';
import type { Callback, X11Client, X11Display } from 'x11';
import { DcvError } from '../errors.js';
import { mappedSegmentProvider } from './shared-segment.js';
import { readDisplayCookie } from './xauth.js';
import { checkSetupReply } from './x-setup-reply.js';

const require = createRequire(import.meta.url);
/** x11's fd-capable unix socket (Node's internal pipe binding); null when this runtime cannot pass fds. */
const fdpass = require('x11/lib/fdpass.js') as { connect(path: string, o: object): FdSocket | null };
interface FdSocket extends Socket {
  _fdCapable?: boolean;
  sendFds?(req: Buffer, fds: number[], cb?: (e: Error | null) => void): void;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** How long a half-closed connection may linger before it is cut (a fake server need not close its end). */
const CLOSE_GRACE_MS = 1000;

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
    let stream: Duplex;
    try {
      stream = checkedXStream(num, options.shm === true);
    } catch (e) {
      reject(
        new DcvError(
          'DISPLAY_CONNECT_FAILED',
          `Cannot connect to X display ${display}: ${(e as Error).message}.`,
        ),
      );
      return;
    }
    const client = x11.createClient({ display: `:${num}`, auth, shm, stream }, (err, disp) => {
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

/**
 * A connection to display `num`'s local socket that passes the server's bytes on only once its whole setup
 * reply has arrived and checks out; a hostile reply destroys the stream with the reason (the caller's error).
 */
function checkedXStream(num: number, passFds: boolean): Duplex {
  const path = `/tmp/.X11-unix/X${num}`;
  if (!lstatSync(path).isSocket()) throw new Error(`${path} is not a socket`);
  const fdSocket = passFds ? fdpass.connect(path, {}) : null;
  const socket: FdSocket = fdSocket ?? createConnection(path);
  let pending: Buffer | null = Buffer.alloc(0);
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      // Handed on at once (the socket keeps the order): a descriptor sent with sendFds below must not overtake
      // bytes still waiting in this Duplex.
      socket.write(chunk);
      done();
    },
    final(done) {
      socket.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      done();
    },
    destroy(err, done) {
      socket.destroy();
      done(err);
    },
  });
  socket.on('data', (data: Buffer) => {
    if (pending === null) {
      duplex.push(data);
      return;
    }
    pending = Buffer.concat([pending, data]);
    const verdict = checkSetupReply(pending);
    if (verdict.kind === 'incomplete') return;
    if (verdict.kind === 'refused') {
      duplex.destroy(new Error(`the X server's setup reply is not valid: ${verdict.reason}`));
      return;
    }
    const all = pending;
    pending = null;
    duplex.push(all);
  });
  if (fdSocket)
    fdSocket.once('connect', () => {
      // What x11's MIT-SHM AttachFd looks for on its stream (lib/fdpass.js attaches sendFds on connect).
      const d = duplex as Duplex & FdSocket;
      d._fdCapable = fdSocket._fdCapable === true;
      d.sendFds = (req, fds, cb) => fdSocket.sendFds!(req, fds, cb);
    });
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  socket.on('error', (e) => duplex.destroy(e));
  return duplex;
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

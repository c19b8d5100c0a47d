// The socket transport under the control channel: a Unix socket anyone may connect to, where the
// caller's identity comes from the kernel (SO_PEERCRED) and the user database, never from the request;
// and its client, callServer(), the one way `dcv`, the upgrade and `dcvserver start` ask the server.
import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import { DcvError } from '../../errors.js';
import { peerCredentials } from '../../host/peer-credentials.js';
import { findUserByUid } from '../../host/user-account.js';
import type { Caller } from '../../session/session-table.js';
import {
  ControlClientChannel,
  ControlServerChannel,
  LineTooLongError,
  tooLongReply,
  type ControlHandlers,
  type ParamsArgument,
} from '../../control/channel.js';
import type { ControlMethod, ControlResult } from '../../control/contract.js';

/**
 * Connections one local user may hold open at once; root's are not counted (the administrator's tools,
 * and the upgrade, must always get through). Each may buffer up to MAX_REQUEST_BYTES.
 */
export const MAX_CONNECTIONS_PER_USER = 16;

export class ControlSocketServer {
  private readonly sockets = new Set<net.Socket>();
  private readonly perUid = new Map<number, number>();

  private constructor(
    private readonly server: net.Server,
    private readonly path: string,
  ) {}

  static async listen(
    path: string,
    handlers: ControlHandlers<Caller>,
    onInternalError: (e: unknown) => void,
  ): Promise<ControlSocketServer> {
    rmSync(path, { force: true });
    const server = net.createServer();
    const self = new ControlSocketServer(server, path);
    server.on('connection', (socket) => void self.accept(socket, handlers, onInternalError));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    // Everyone may talk to the server; what they may do is decided per caller.
    chmodSync(path, 0o666);
    return self;
  }

  private async accept(
    socket: net.Socket,
    handlers: ControlHandlers<Caller>,
    onInternalError: (e: unknown) => void,
  ): Promise<void> {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pause();
    let uid: number;
    try {
      uid = peerCredentials(socket).uid;
    } catch (e) {
      onInternalError(e);
      socket.destroy();
      return;
    }
    if (uid !== 0) {
      const open = this.perUid.get(uid) ?? 0;
      if (open >= MAX_CONNECTIONS_PER_USER) {
        socket.end(
          `${JSON.stringify({ id: -1, error: { code: 'CONTROL_PROTOCOL', message: `Too many connections to dcvserver from uid ${uid} (at most ${MAX_CONNECTIONS_PER_USER} at once); close some and try again.` } })}\n`,
        );
        return;
      }
      this.perUid.set(uid, open + 1);
      socket.once('close', () => {
        const left = (this.perUid.get(uid) ?? 1) - 1;
        if (left > 0) this.perUid.set(uid, left);
        else this.perUid.delete(uid);
      });
    }
    let caller: Caller;
    try {
      const account = await findUserByUid(uid);
      caller = { uid, name: account?.name ?? String(uid) };
    } catch (e) {
      onInternalError(e);
      socket.destroy();
      return;
    }
    if (socket.destroyed) return;
    const channel = new ControlServerChannel(
      (line) => {
        if (!socket.destroyed) socket.write(line);
      },
      handlers,
      caller,
      onInternalError,
    );
    socket.on('data', (chunk: Buffer) => {
      try {
        channel.receive(chunk);
      } catch (e) {
        if (!(e instanceof LineTooLongError)) onInternalError(e);
        // An oversized request ends this one connection, nothing else: say why, read nothing more.
        socket.pause();
        socket.removeAllListeners('data');
        socket.end(tooLongReply());
        setTimeout(() => socket.destroy(), 1000).unref();
      }
    });
    socket.resume();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}

/** Connects to dcvserver's control socket; a missing or dead socket is SERVER_NOT_RUNNING. */
export async function connectControlSocket(
  path: string,
): Promise<{ channel: ControlClientChannel; close(): void }> {
  const socket = net.createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', () =>
      reject(
        new DcvError(
          'SERVER_NOT_RUNNING',
          `dcvserver is not running (no answer on ${path}); start it with 'dcvserver start'.`,
        ),
      ),
    );
  });
  const channel = new ControlClientChannel((line) => socket.write(line));
  socket.on('data', (chunk: Buffer) => channel.receive(chunk));
  socket.on('error', () => undefined);
  socket.on('close', () =>
    channel.fail(new DcvError('SERVER_NOT_RUNNING', 'dcvserver closed the connection.')),
  );
  return { channel, close: () => socket.end() };
}

/** One request to the dcvserver listening on `socketPath`, on a connection of its own. */
export async function callServer<M extends ControlMethod>(
  socketPath: string,
  method: M,
  ...params: ParamsArgument<M>
): Promise<ControlResult<M>> {
  const connection = await connectControlSocket(socketPath);
  try {
    return await connection.channel.call(method, ...params);
  } finally {
    connection.close();
  }
}

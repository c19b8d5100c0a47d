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
  type ControlHandlers,
  type ParamsArgument,
} from '../../control/channel.js';
import type { ControlMethod, ControlResult } from '../../control/contract.js';

export class ControlSocketServer {
  private readonly sockets = new Set<net.Socket>();

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
    let caller: Caller;
    try {
      const cred = peerCredentials(socket);
      const account = await findUserByUid(cred.uid);
      caller = { uid: cred.uid, name: account?.name ?? String(cred.uid) };
    } catch (e) {
      onInternalError(e);
      socket.destroy();
      return;
    }
    const channel = new ControlServerChannel(
      (line) => {
        if (!socket.destroyed) socket.write(line);
      },
      handlers,
      caller,
      onInternalError,
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      try {
        channel.receive(chunk);
      } catch {
        socket.destroy(); // an oversized message ends this one connection, nothing else
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
export async function connectControlSocket(path: string): Promise<{ channel: ControlClientChannel; close(): void }> {
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
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => channel.receive(chunk));
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

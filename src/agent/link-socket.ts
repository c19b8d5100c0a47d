// The Unix-socket transport under the agent link: the agent's connect, and the frames of one socket fed
// to a LinkPeer. A malformed frame ends the link (the supervisor restarts the agent).
import net from 'node:net';
import { LinkPeer } from './link-peer.js';

/** Wires `socket` to a new peer; the peer closes when the socket does, the socket when the peer errs. */
export function linkOverSocket(
  side: 'server' | 'agent',
  socket: net.Socket,
  onProtocolError: (e: Error) => void,
): LinkPeer {
  const peer = new LinkPeer(side, (bytes) => {
    if (!socket.destroyed) socket.write(bytes);
  });
  socket.on('data', (chunk: Buffer) => {
    try {
      peer.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      onProtocolError(e as Error);
      socket.destroy();
    }
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => peer.close());
  return peer;
}

export function connectLink(path: string): Promise<{ peer: LinkPeer; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(path);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        peer: linkOverSocket('agent', socket, (e) => process.stderr.write(`dcvagent: ${e.message}\n`)),
        socket,
      });
    });
  });
}

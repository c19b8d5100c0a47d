// Who is on the other end of a Unix socket, as the kernel says (SO_PEERCRED through our small native
// addon, native/peer-credentials.c). The control socket decides every permission from this, never from the request.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

interface NativeAddon {
  peerCredentials(fd: number): PeerCredentials;
}

const require = createRequire(import.meta.url);
let addon: NativeAddon | null = null;

function native(): NativeAddon {
  // dist/src/host/ → package root/build/Release
  addon ??= require('../../../build/Release/opendcv_native.node') as NativeAddon;
  return addon;
}

export function peerCredentials(socket: Socket): PeerCredentials {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor');
  return native().peerCredentials(fd);
}

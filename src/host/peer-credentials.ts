// Who is on the other end of a Unix socket, as the kernel says (SO_PEERCRED through our small native
// addon, native/peer-credentials.c). The control socket decides every permission from this, never from the request.
import type { Socket } from 'node:net';
import { nativeAddon } from './native-addon.js';

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

interface NativeAddon {
  peerCredentials(fd: number): PeerCredentials;
}

export function peerCredentials(socket: Socket): PeerCredentials {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socket has no file descriptor');
  return nativeAddon<NativeAddon>('opendcv_native').peerCredentials(fd);
}

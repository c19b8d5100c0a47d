// The MIT-SHM segment provider capture hands the `x11` package: memory mapped by our native addon (memfd),
// passed to the X server with AttachFd, so ShmGetImage's pixels are read where the server wrote them.
import { closeSync } from 'node:fs';
import { nativeAddon } from '../host/native-addon.js';

interface ShmAddon {
  mapSharedMemory(size: number): { fd: number; buffer: Buffer };
}

/** The provider contract of x11's lib/shm-provider.js ('fd' flavour, zero copy). */
export interface SegmentProvider {
  readonly flavor: 'fd';
  readonly zeroCopy: true;
  create(size: number): { size: number; fd: number | null; buffer: Buffer };
  commit(): void;
  sync(): void;
  destroy(seg: { fd: number | null }): void;
}

/** A zero-copy provider, or undefined when the addon was not built (x11's own provider then copies). */
export function mappedSegmentProvider(): SegmentProvider | undefined {
  let addon: ShmAddon;
  try {
    addon = nativeAddon<ShmAddon>('opendcv_shm');
  } catch {
    return undefined;
  }
  return {
    flavor: 'fd',
    zeroCopy: true,
    create: (size) => ({ size, ...addon.mapSharedMemory(size) }),
    // The Buffer is the mapping itself: nothing to copy in either direction.
    commit: () => undefined,
    sync: () => undefined,
    // The mapping is unmapped when its Buffer is collected; the server keeps its own descriptor.
    destroy: (seg) => {
      if (seg.fd !== null) closeSync(seg.fd);
      seg.fd = null;
    },
  };
}

// Checks an X server's connection setup reply before the `x11` package parses it. The server is the
// session owner's program, so its reply is hostile input: `x11` loops forever on a resource-id mask of 0
// and waits forever on counts its data never reaches, so dcvserver hands it only replies that parse whole.
// Pure: bytes in, a verdict out (little-endian, the byte order the client hello of `x11` declares here).

/** Bytes of the reply in hand: still incomplete, complete and usable, or refused with a reason. */
export type SetupReplyVerdict =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'ok'; readonly length: number }
  | { readonly kind: 'refused'; readonly reason: string };

const FAILED = 0;
const SUCCESS = 1;

/** Judges the first bytes a server sent; `length` of an ok verdict is where the setup reply ends. */
export function checkSetupReply(buf: Uint8Array): SetupReplyVerdict {
  if (buf.length < 8) return { kind: 'incomplete' };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const status = buf[0]!;
  const total = 8 + view.getUint16(6, true) * 4;
  if (status === FAILED) {
    // "Failed": 1 reason length byte, then the reason; `x11` turns it into an error.
    const reasonEnd = 8 + buf[1]!;
    if (reasonEnd > total) return refused('a refusal whose reason is longer than the reply');
    return buf.length < total ? { kind: 'incomplete' } : { kind: 'ok', length: total };
  }
  if (status !== SUCCESS) return refused(`setup status ${status} (further authentication is not supported)`);
  if (total < 40) return refused('a setup reply shorter than its fixed part');
  if (buf.length < total) return { kind: 'incomplete' };
  const u8 = (o: number): number => view.getUint8(o);
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);
  if (u32(16) === 0) return refused('a resource id mask of 0');
  const vendorLength = u16(24);
  const screens = u8(28);
  const formats = u8(29);
  if (screens === 0) return refused('no screens');
  let off = 40 + pad4(vendorLength) + formats * 8;
  if (off > total) return refused('vendor and formats longer than the reply');
  const depthsSeen = new Set<number>();
  for (let f = 0; f < formats; f++) {
    const depth = u8(40 + pad4(vendorLength) + f * 8);
    if (depthsSeen.has(depth)) return refused(`pixmap format for depth ${depth} given twice`);
    depthsSeen.add(depth);
  }
  for (let s = 0; s < screens; s++) {
    if (off + 40 > total) return refused(`screen ${s} runs past the reply`);
    const depths = u8(off + 39);
    off += 40;
    for (let d = 0; d < depths; d++) {
      if (off + 8 > total) return refused(`a depth of screen ${s} runs past the reply`);
      const visuals = u16(off + 2);
      off += 8;
      if (off + visuals * 24 > total) return refused(`the visuals of screen ${s} run past the reply`);
      const ids = new Set<number>();
      for (let v = 0; v < visuals; v++) {
        const id = u32(off + v * 24);
        if (ids.has(id)) return refused(`visual ${id} given twice`);
        ids.add(id);
      }
      off += visuals * 24;
    }
  }
  if (off !== total) return refused(`${total - off} bytes after the last screen`);
  return { kind: 'ok', length: total };
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function refused(reason: string): SetupReplyVerdict {
  return { kind: 'refused', reason };
}

// Scanning H.264 Annex-B byte streams: finding NAL units by their start codes, cutting a stream into access
// units, and reading the profile/level a decoder needs from the SPS. Shared by the browser client (codec
// string, key frame check), the encoder pipeline (framing ffmpeg's output) and tests.

export const NalType = {
  Slice: 1,
  SliceIdr: 5,
  Sei: 6,
  Sps: 7,
  Pps: 8,
  AccessUnitDelimiter: 9,
} as const;

export interface NalUnit {
  /** nal_unit_type (low 5 bits of the header byte). */
  readonly type: number;
  /** Offset of the start code (00 00 01 or 00 00 00 01). */
  readonly start: number;
  /** Offset of the NAL header byte. */
  readonly payloadStart: number;
  /** Offset one past the last byte (the next start code, or the end of the buffer). */
  readonly end: number;
}

/** All NAL units in an Annex-B buffer, in order. Bytes before the first start code are ignored. */
export function findNalUnits(buf: Uint8Array): NalUnit[] {
  const starts: { start: number; payload: number }[] = [];
  for (let i = 0; i + 2 < buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
      const start = i > 0 && buf[i - 1] === 0 ? i - 1 : i;
      starts.push({ start, payload: i + 3 });
      i += 2;
    }
  }
  const units: NalUnit[] = [];
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k]!;
    const end = k + 1 < starts.length ? starts[k + 1]!.start : buf.length;
    if (s.payload >= end) continue;
    units.push({ type: buf[s.payload]! & 0x1f, start: s.start, payloadStart: s.payload, end });
  }
  return units;
}

/** Whether the access unit holds an IDR slice, i.e. decoding may start here. */
export function isKeyframe(accessUnit: Uint8Array): boolean {
  return findNalUnits(accessUnit).some((n) => n.type === NalType.SliceIdr);
}

/**
 * Splits an Annex-B stream into access units. A new unit begins at an AUD, or at SPS/PPS/SEI or a slice
 * whose first_mb_in_slice is 0 once the current unit already has a slice (H.264 §7.4.1.2.3, simplified
 * for encoders that emit one picture per frame, as libx264 with -bf 0 does). Returns the complete units and
 * the bytes of the unfinished last one, to be prefixed to the next chunk of a live stream.
 */
export function splitAccessUnits(buf: Uint8Array): { units: Uint8Array[]; rest: Uint8Array } {
  const nals = findNalUnits(buf);
  const units: Uint8Array[] = [];
  let unitStart = -1;
  let hasSlice = false;
  for (const n of nals) {
    const isSlice = n.type === NalType.Slice || n.type === NalType.SliceIdr;
    // first_mb_in_slice is ue(v) and starts the slice header; its value is 0 exactly when the first bit is 1.
    const firstMbZero = isSlice && n.payloadStart + 1 < n.end && (buf[n.payloadStart + 1]! & 0x80) !== 0;
    const begins =
      n.type === NalType.AccessUnitDelimiter ||
      (hasSlice &&
        (n.type === NalType.Sps || n.type === NalType.Pps || n.type === NalType.Sei || firstMbZero));
    if (unitStart < 0) unitStart = n.start;
    else if (begins) {
      units.push(buf.subarray(unitStart, n.start));
      unitStart = n.start;
      hasSlice = false;
    }
    if (isSlice) hasSlice = true;
  }
  return { units, rest: unitStart < 0 ? buf.subarray(buf.length) : buf.subarray(unitStart) };
}

/**
 * The WebCodecs/RFC 6381 codec string (`avc1.PPCCLL`) from the first SPS in the buffer, or undefined when
 * it has none. profile_idc, the constraint flags and level_idc are the three bytes after the NAL header.
 */
export function avcCodecString(accessUnit: Uint8Array): string | undefined {
  const sps = findNalUnits(accessUnit).find((n) => n.type === NalType.Sps);
  if (sps === undefined || sps.payloadStart + 4 > sps.end) return undefined;
  const b = (i: number): string =>
    accessUnit[sps.payloadStart + i]!.toString(16).padStart(2, '0').toUpperCase();
  return `avc1.${b(1)}${b(2)}${b(3)}`;
}

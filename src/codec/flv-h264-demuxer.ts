// Splits ffmpeg's FLV output into H.264 access units. FLV frames each encoded picture as one tag with a
// keyframe flag, so a frame is known complete the moment its tag is (raw Annex-B output has no end marker:
// the end of an access unit shows only when the next one begins, one frame late). Emits Annex-B.

/** One encoded picture in Annex-B byte-stream form; keyframes carry their SPS/PPS in front. */
export interface AccessUnit {
  data: Uint8Array;
  keyframe: boolean;
  /** WebCodecs codec string from the SPS, e.g. "avc1.42c028". */
  codec: string;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);
const FLV_HEADER = 9 + 4; // header + PreviousTagSize0
const TAG_HEADER = 11;
const TAG_VIDEO = 9;
const AVC_CODEC_ID = 7;

export class FlvH264Demuxer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headerSeen = false;
  private lengthSize = 4;
  private parameterSets: Buffer = Buffer.alloc(0);
  private codecString = 'avc1.42e01e';

  constructor(private readonly onAccessUnit: (au: AccessUnit) => void) {}

  get codec(): string {
    return this.codecString;
  }

  /** Feeds bytes as they come from ffmpeg's stdout; calls onAccessUnit for every complete video tag. */
  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (!this.headerSeen) {
        if (this.pendingBytes < FLV_HEADER) return;
        const head = this.take(FLV_HEADER);
        if (head.toString('latin1', 0, 3) !== 'FLV') throw new Error('ffmpeg output is not FLV');
        this.headerSeen = true;
        continue;
      }
      if (this.pendingBytes < TAG_HEADER) return;
      const size = this.peek(TAG_HEADER).readUIntBE(1, 3);
      if (this.pendingBytes < TAG_HEADER + size + 4) return;
      const tag = this.take(TAG_HEADER + size + 4);
      if (tag[0] === TAG_VIDEO) this.onVideoTag(tag.subarray(TAG_HEADER, TAG_HEADER + size));
    }
  }

  private onVideoTag(body: Buffer): void {
    if (body.length < 5 || (body[0]! & 0x0f) !== AVC_CODEC_ID) return;
    const keyframe = body[0]! >> 4 === 1;
    const packetType = body[1];
    const payload = body.subarray(5);
    if (packetType === 0) this.onDecoderConfig(payload);
    else if (packetType === 1) {
      const parts: Buffer[] = keyframe && this.parameterSets.length ? [this.parameterSets] : [];
      for (let off = 0; off + this.lengthSize <= payload.length;) {
        const len = payload.readUIntBE(off, this.lengthSize);
        off += this.lengthSize;
        parts.push(START_CODE, payload.subarray(off, off + len));
        off += len;
      }
      this.onAccessUnit({ data: new Uint8Array(Buffer.concat(parts)), keyframe, codec: this.codecString });
    }
  }

  /** AVCDecoderConfigurationRecord: remembers SPS/PPS as Annex-B, to put in front of each keyframe. */
  private onDecoderConfig(rec: Buffer): void {
    if (rec.length < 7) return;
    this.lengthSize = (rec[4]! & 3) + 1;
    const sets: Buffer[] = [];
    let off = 5;
    const numSps = rec[off++]! & 0x1f;
    for (let i = 0; i < numSps && off + 2 <= rec.length; i++) {
      const len = rec.readUInt16BE(off);
      const sps = rec.subarray(off + 2, off + 2 + len);
      if (i === 0 && sps.length >= 4) {
        this.codecString = `avc1.${[sps[1]!, sps[2]!, sps[3]!].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
      }
      sets.push(START_CODE, sps);
      off += 2 + len;
    }
    const numPps = rec[off++] ?? 0;
    for (let i = 0; i < numPps && off + 2 <= rec.length; i++) {
      const len = rec.readUInt16BE(off);
      sets.push(START_CODE, rec.subarray(off + 2, off + 2 + len));
      off += 2 + len;
    }
    this.parameterSets = Buffer.concat(sets);
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const head = this.peek(n);
    const first = this.pending[0]!;
    if (first.length === n) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.pendingBytes -= n;
    return head;
  }
}

// The dcvserver ↔ session-agent link, free of any transport (as the control channel): length-prefixed
// frames carrying typed requests, replies, events and byte streams with credit-based flow control.
// docs/agent.md describes the frames and how a new service (the sound server) plugs in.

/** One frame: u32 LE length of what follows, u8 kind, u32 LE channel, payload. */
export const FRAME_HEADER_BYTES = 9;
/** Largest frame payload: a whole clipboard (20 MiB, DCV's hard maximum) plus its JSON header. */
export const MAX_FRAME_PAYLOAD = 21 * 1024 * 1024;
/** Bytes a stream's sender may have unacknowledged (Credit frames open the window again). */
export const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;

export const FrameKind = {
  /** JSON {method, params} and an optional body; channel = the sender's request id. */
  Request: 1,
  /** JSON {ok, result} or {ok:false, code, message}, optional body; channel = the request id. */
  Reply: 2,
  /** JSON {name, params} and an optional body; channel 0: fire and forget. */
  Event: 3,
  /** Raw bytes of the stream opened by request `channel`. */
  Data: 4,
  /** JSON {} or {code, message}: the sender's side of stream `channel` is finished (or aborted). */
  End: 5,
  /** f64 LE: bytes of stream `channel` the receiver has consumed since the last Credit. */
  Credit: 6,
} as const;
export type FrameKindCode = (typeof FrameKind)[keyof typeof FrameKind];

export interface Frame {
  readonly kind: FrameKindCode;
  readonly channel: number;
  readonly payload: Uint8Array;
}

export class LinkProtocolError extends Error {}

/** A failure the other side reported for a request or a stream: a stable code and a message for people. */
export class LinkRemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function encodeFrame(kind: FrameKindCode, channel: number, payload: Uint8Array): Uint8Array {
  if (payload.byteLength > MAX_FRAME_PAYLOAD)
    throw new RangeError(`link frame of ${payload.byteLength} bytes`);
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, 5 + payload.byteLength, true);
  view.setUint8(4, kind);
  view.setUint32(5, channel >>> 0, true);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Splits received bytes, in any chunking, into frames; throws LinkProtocolError on a malformed frame. */
export class FrameSplitter {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
      if (length < 5 || length > 5 + MAX_FRAME_PAYLOAD)
        throw new LinkProtocolError(`bad link frame length ${length}`);
      if (this.buffered < 4 + length) return;
      const whole = this.take(4 + length);
      const view = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
      const kind = view.getUint8(4);
      if (kind < FrameKind.Request || kind > FrameKind.Credit)
        throw new LinkProtocolError(`unknown link frame kind ${kind}`);
      this.onFrame({
        kind: kind as FrameKindCode,
        channel: view.getUint32(5, true),
        payload: whole.subarray(FRAME_HEADER_BYTES),
      });
    }
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.byteLength >= n) return first.subarray(0, n);
    return this.concat(n, false);
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.byteLength === n) {
      this.chunks.shift();
      this.buffered -= n;
      return first;
    }
    if (first.byteLength > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    return this.concat(n, true);
  }

  private concat(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    let i = 0;
    while (at < n) {
      const c = this.chunks[i]!;
      const use = Math.min(c.byteLength, n - at);
      out.set(c.subarray(0, use), at);
      at += use;
      if (use < c.byteLength && consume) this.chunks[i] = c.subarray(use);
      else i++;
    }
    if (consume) {
      this.chunks.splice(0, i); // once, not a shift per piece: a frame may arrive in thousands of pieces
      this.buffered -= n;
    }
    return out;
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** A JSON header and an optional body: u32 LE JSON length, JSON, body. */
export function encodeEnvelope(header: unknown, body?: Uint8Array): Uint8Array {
  const json = textEncoder.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.byteLength + (body?.byteLength ?? 0));
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  if (body !== undefined) out.set(body, 4 + json.byteLength);
  return out;
}

export function decodeEnvelope(payload: Uint8Array): { header: Record<string, unknown>; body: Uint8Array } {
  if (payload.byteLength < 4) throw new LinkProtocolError('link envelope shorter than its length field');
  const n = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
  if (4 + n > payload.byteLength) throw new LinkProtocolError('link envelope JSON runs past the frame');
  let header: unknown;
  try {
    header = JSON.parse(textDecoder.decode(payload.subarray(4, 4 + n)));
  } catch {
    throw new LinkProtocolError('link envelope JSON does not parse');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new LinkProtocolError('link envelope JSON is not an object');
  return { header: header as Record<string, unknown>, body: payload.subarray(4 + n) };
}

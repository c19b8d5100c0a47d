// Builds one outgoing message into an exactly sized buffer. Encoding is for our own values, so an out-of-range
// field is a programming error and throws RangeError rather than producing bytes the peer would refuse.

const utf8 = new TextEncoder();

export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private scratch = new Uint8Array(64);
  private scratchLen = 0;
  private readonly view: DataView;

  constructor(type: number) {
    this.view = new DataView(this.scratch.buffer);
    this.u8(type, 'type');
  }

  private room(n: number): number {
    if (this.scratchLen + n > this.scratch.byteLength) this.flush();
    const at = this.scratchLen;
    this.scratchLen += n;
    this.size += n;
    return at;
  }

  private flush(): void {
    if (this.scratchLen > 0) this.parts.push(this.scratch.slice(0, this.scratchLen));
    this.scratchLen = 0;
  }

  u8(v: number, what: string): this {
    checkInt(v, 0, 0xff, what);
    this.view.setUint8(this.room(1), v);
    return this;
  }

  u16(v: number, what: string): this {
    checkInt(v, 0, 0xffff, what);
    this.view.setUint16(this.room(2), v, true);
    return this;
  }

  i16(v: number, what: string): this {
    checkInt(v, -0x8000, 0x7fff, what);
    this.view.setInt16(this.room(2), v, true);
    return this;
  }

  u32(v: number, what: string): this {
    checkInt(v, 0, 0xffffffff, what);
    this.view.setUint32(this.room(4), v, true);
    return this;
  }

  f64(v: number, what: string): this {
    if (!Number.isFinite(v)) throw new RangeError(`${what} must be a finite number, got ${v}`);
    this.view.setFloat64(this.room(8), v, true);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.flush();
    this.parts.push(b);
    this.size += b.byteLength;
    return this;
  }

  str8(s: string, what: string, max: number): this {
    const b = encodeText(s, what, Math.min(max, 0xff));
    return this.u8(b.byteLength, what).bytes(b);
  }

  str16(s: string, what: string, max: number): this {
    const b = encodeText(s, what, Math.min(max, 0xffff));
    return this.u16(b.byteLength, what).bytes(b);
  }

  finish(): Uint8Array {
    this.flush();
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

export function encodeText(s: string, what: string, max: number): Uint8Array {
  const b = utf8.encode(s);
  if (b.byteLength > max)
    throw new RangeError(`${what} is ${b.byteLength} bytes of UTF-8, more than the ${max} allowed`);
  return b;
}

/** Cuts UTF-8 text to at most max bytes without splitting a character (for human-readable reasons). */
export function truncateUtf8(s: string, max: number): Uint8Array {
  const b = utf8.encode(s);
  if (b.byteLength <= max) return b;
  let end = max;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.slice(0, end);
}

function checkInt(v: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${what} must be an integer in ${min}..${max}, got ${v}`);
}

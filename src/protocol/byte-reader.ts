// A bounds-checked little-endian cursor over one received message. Every read checks the remaining length
// first, so a hostile length can never read past the buffer; a short buffer raises DecodeFailure, which
// decode.ts turns into a typed result.
import type { ProtocolError } from './protocol-error.js';

/** Internal to the decoder: thrown by ByteReader and field checks, caught by decodeMessage. */
export class DecodeFailure {
  constructor(readonly error: ProtocolError) {}
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly messageType: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new DecodeFailure({
        kind: 'truncated',
        message: `message type 0x${hex(this.messageType)} ends early: ${what} needs ${n} byte(s) at offset ${this.pos}, ${this.remaining} left`,
        messageType: this.messageType,
        offset: this.pos,
      });
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  i16(what: string): number {
    this.need(2, what);
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A view (not a copy) of the next n bytes. */
  bytesView(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  rest(): Uint8Array {
    return this.bytesView(this.remaining, 'payload');
  }

  /** A string with a u8 length prefix. */
  str8(what: string, max: number): string {
    return this.text(this.u8(`${what} length`), what, max);
  }

  /** A string with a u16 length prefix. */
  str16(what: string, max: number): string {
    return this.text(this.u16(`${what} length`), what, max);
  }

  /** UTF-8 text of exactly n bytes (n already read or implied). */
  text(n: number, what: string, max: number): string {
    if (n > max) this.fail('invalid-field', `${what} is ${n} bytes, more than the ${max} allowed`);
    const raw = this.bytesView(n, what);
    try {
      return utf8.decode(raw);
    } catch {
      this.fail('invalid-utf8', `${what} is not valid UTF-8`);
    }
  }

  /** Messages with a fixed layout must end exactly where their last field does. */
  end(): void {
    if (this.remaining !== 0) {
      this.fail(
        'trailing-bytes',
        `message type 0x${hex(this.messageType)} has ${this.remaining} unexpected trailing byte(s)`,
      );
    }
  }

  fail(kind: ProtocolError['kind'], message: string): never {
    throw new DecodeFailure({ kind, message, messageType: this.messageType, offset: this.pos });
  }
}

export function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

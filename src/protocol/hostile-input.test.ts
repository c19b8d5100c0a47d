// Decoding hostile bytes: truncation at every position, oversize, unknown types, wrong direction, lying
// lengths and random garbage. The decoder must answer each with a typed error and never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage } from './encode.js';
import { decodeClientMessage, decodeMessage, decodeServerMessage } from './decode.js';
import { MessageType, typeSpecs, type MessageTypeCode } from './message-type.js';
import { closeCodeFor, errorCodeFor } from './protocol-error.js';
import { CloseCode } from './close-code.js';
import { hexToBytes, samples } from './test-samples.js';

// Types whose last field is "the rest of the message": some of their prefixes are themselves valid messages.
const restPayload = new Set<number>([
  MessageType.VideoFrame,
  MessageType.LosslessRect,
  MessageType.ClipboardText,
  MessageType.ClipboardImage,
  MessageType.Close,
]);

test('truncation at every byte position is a typed error, never a throw', () => {
  for (const m of samples) {
    const full = encodeMessage(m);
    for (let n = 0; n < full.byteLength; n++) {
      const cut = full.slice(0, n);
      let r;
      assert.doesNotThrow(() => (r = decodeMessage(cut)), `${m.type} cut at ${n}`);
      const res = decodeMessage(cut);
      if (n === 0) {
        assert.ok(!res.ok && res.error.kind === 'empty');
        continue;
      }
      if (restPayload.has(full[0]!) && res.ok) continue;
      assert.ok(!res.ok, `${m.type} cut at ${n}/${full.byteLength} must not decode`);
      assert.ok(
        ['truncated', 'invalid-utf8', 'invalid-field'].includes(res.error.kind),
        `${m.type} at ${n}: ${res.error.kind}`,
      );
      void r;
    }
  }
});

test('truncating a fixed-layout message reports where it stopped', () => {
  const r = decodeClientMessage(hexToBytes('02 6100'));
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'truncated');
  assert.equal(r.error.messageType, 0x02);
  assert.equal(r.error.offset, 1);
  assert.match(r.error.message, /keysym/);
});

test('a message longer than its type allows is refused before parsing', () => {
  const video = new Uint8Array(typeSpecs[MessageType.VideoFrame].maxBytes + 1);
  video[0] = MessageType.VideoFrame;
  const r = decodeServerMessage(video);
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'too-large');
  assert.equal(closeCodeFor(r.error), CloseCode.MessageTooLarge);
  assert.equal(errorCodeFor(r.error), 'PROTOCOL_MESSAGE_TOO_LARGE');

  const key = hexToBytes('02 61000000 01 00');
  const k = decodeClientMessage(key);
  assert.ok(!k.ok && k.error.kind === 'too-large');

  const clip = new Uint8Array(1 + 20 * 1024 * 1024 + 1).fill(0x61);
  clip[0] = MessageType.ClipboardText;
  const c = decodeClientMessage(clip);
  assert.ok(!c.ok && c.error.kind === 'too-large');
});

test('each type refuses one byte over its limit', () => {
  for (const [code, spec] of Object.entries(typeSpecs)) {
    const b = new Uint8Array(spec.maxBytes + 1);
    b[0] = Number(code);
    const r = decodeMessage(b);
    assert.ok(!r.ok && r.error.kind === 'too-large', `type ${code}`);
  }
});

test('unknown types are refused', () => {
  for (const t of [0x00, 0x07, 0x3f, 0x40, 0x47, 0x8f, 0xff]) {
    const r = decodeMessage(new Uint8Array([t, 1, 2, 3]));
    assert.ok(!r.ok);
    assert.equal(r.error.kind, 'unknown-type');
    assert.equal(r.error.messageType, t);
    assert.equal(closeCodeFor(r.error), CloseCode.ProtocolError);
    assert.equal(errorCodeFor(r.error), 'PROTOCOL_MALFORMED');
  }
});

test('a message from the wrong side is refused', () => {
  const video = encodeMessage(samples.find((m) => m.type === 'video-frame')!);
  const r = decodeClientMessage(video);
  assert.ok(!r.ok && r.error.kind === 'wrong-direction');
  const key = encodeMessage({ type: 'key', keysym: 0x61, down: true });
  const k = decodeServerMessage(key);
  assert.ok(!k.ok && k.error.kind === 'wrong-direction');
});

test('lying lengths and bad fields are refused without reading past the buffer', () => {
  const cases: [string, string, string][] = [
    // ClientHello whose version string claims 16 bytes but has 3; then one claiming 255 (over the 32 allowed).
    ['01 0100 0000 0000 10 323032', 'truncated', 'version length past the end'],
    ['01 0100 0000 0000 ff 323032', 'invalid-field', 'version length over its limit'],
    // 200 codecs.
    ['01 0100 0000 0000 04 32303236 c8', 'invalid-field', 'too many codecs'],
    // Codec name with an upper-case letter.
    ['01 0100 0000 0000 04 32303236 01 04 48323634 00 0000 00 0000', 'invalid-field', 'bad codec name'],
    // Auth token longer than its 4096-byte limit (0xffff).
    ['01 0100 0000 0000 04 32303236 00 00 ffff', 'invalid-field', 'auth token over its limit'],
    // Session id over 128 bytes (0x81 = 129).
    ['01 0100 0000 0000 04 32303236 00 81', 'invalid-field', 'session id over its limit'],
    // Version string that is not UTF-8.
    ['01 0100 0000 0000 02 c328', 'invalid-utf8', 'bad UTF-8'],
    // Cursor 256x256 with no pixels.
    ['44 01000000 0000 0000 0001 0001', 'truncated', 'cursor pixels missing'],
    // Cursor 257 wide.
    ['44 01000000 0000 0000 0101 0100', 'invalid-field', 'cursor too wide'],
    // Cursor hotspot outside the image.
    ['44 01000000 0500 0000 0100 0100 ffffffff', 'invalid-field', 'hotspot outside'],
    // Cursor with extra pixels.
    ['44 01000000 0000 0000 0100 0100 ffffffff 00', 'trailing-bytes', 'cursor extra bytes'],
    // Cursor 0 x 5.
    ['44 01000000 0000 0000 0000 0500', 'invalid-field', 'half-hidden cursor'],
    // Key with down = 2.
    ['02 61000000 02', 'invalid-field', 'down not boolean'],
    // Keysym 0 (NoSymbol).
    ['02 00000000 01', 'invalid-field', 'NoSymbol'],
    // Keysym beyond 29 bits.
    ['02 00000020 01', 'invalid-field', 'keysym too wide'],
    // Pointer with an unknown button bit.
    ['03 0000 0000 80', 'invalid-field', 'unknown button'],
    // Video frame without data.
    ['42 00 01000000 0000000000000000 0100 0100', 'truncated', 'no video data'],
    // Video frame with unknown flags.
    ['42 02 01000000 0000000000000000 0100 0100 00', 'invalid-field', 'unknown video flags'],
    // Video frame 0 wide.
    ['42 00 01000000 0000000000000000 0000 0100 00', 'invalid-field', 'zero width'],
    // Video timestamp NaN.
    ['42 00 01000000 000000000000f87f 0100 0100 00', 'invalid-field', 'NaN timestamp'],
    // Negative timestamp in FrameShown.
    ['05 01000000 000000000000f0bf', 'invalid-field', 'negative timestamp'],
    // Lossless rect that is not a PNG.
    ['43 0000 0000 0100 0100 474946383961 0000', 'invalid-field', 'GIF instead of PNG'],
    ['43 0000 0000 0100 0100 8950', 'truncated', 'PNG signature cut'],
    // Screen size 0.
    ['46 0000 0100', 'invalid-field', 'zero screen width'],
    // Clipboard that is not UTF-8.
    ['80 ff fe', 'invalid-utf8', 'clipboard not UTF-8'],
    ['84 89504e47', 'truncated', 'clipboard image shorter than a PNG signature'],
    ['84 ffd8ffe000104a464946', 'invalid-field', 'clipboard image that is not a PNG (a JPEG)'],
    // Close reason that is not UTF-8.
    ['83 e803 c0', 'invalid-utf8', 'reason not UTF-8'],
    // Request keyframe with a payload.
    ['06 00', 'too-large', 'request keyframe with a payload'],
  ];
  for (const [hex, kind, why] of cases) {
    const r = decodeMessage(hexToBytes(hex));
    assert.ok(!r.ok, `${why} must not decode`);
    assert.equal(r.error.kind, kind, why);
    assert.ok(r.error.message.length > 0);
  }
});

test('byte payloads are views into the input, within its bounds', () => {
  const backing = new Uint8Array(64).fill(0xee);
  const msg = encodeMessage(samples.find((m) => m.type === 'video-frame')!);
  backing.set(msg, 10);
  const view = backing.subarray(10, 10 + msg.byteLength);
  const r = decodeServerMessage(view);
  assert.ok(r.ok && r.message.type === 'video-frame');
  assert.equal(r.message.data.buffer, backing.buffer);
  assert.equal(r.message.data.byteOffset + r.message.data.byteLength, 10 + msg.byteLength);
});

test('random garbage and mutated messages never throw', () => {
  // A fixed-seed generator keeps this reproducible.
  let seed = 0x2017;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const codes = Object.keys(typeSpecs).map(Number) as MessageTypeCode[];
  for (let i = 0; i < 20000; i++) {
    const len = rand(64);
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = rand(256);
    if (len > 0 && rand(2) === 0) b[0] = codes[rand(codes.length)]!;
    assert.doesNotThrow(() => decodeMessage(b));
    assert.doesNotThrow(() => decodeClientMessage(b));
    assert.doesNotThrow(() => decodeServerMessage(b));
  }
  for (const m of samples) {
    const base = encodeMessage(m);
    for (let i = 0; i < 500; i++) {
      const b = base.slice();
      const flips = 1 + rand(3);
      for (let f = 0; f < flips && b.length > 1; f++) b[1 + rand(b.length - 1)] = rand(256);
      const r = decodeMessage(b);
      if (r.ok) assert.equal(encodeMessage(r.message)[0], b[0]);
    }
  }
});

// Every message survives encode → decode, both directions, and literal hex decodes to the documented values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage } from './encode.js';
import { decodeClientMessage, decodeMessage, decodeServerMessage } from './decode.js';
import {
  typeSpecs,
  MessageType,
  MAX_CLIENT_MESSAGE_BYTES,
  MAX_SERVER_MESSAGE_BYTES,
} from './message-type.js';
import type { Message } from './messages.js';
import { bytesToHex, hexToBytes, samples } from './test-samples.js';

function plain(m: Message): unknown {
  // Compare byte payloads by content, not by the view's identity.
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? bytesToHex(v) : v)));
}

for (const m of samples) {
  test(`${m.type} round-trips through encode and decode`, () => {
    const bytes = encodeMessage(m);
    const spec = typeSpecs[bytes[0] as keyof typeof typeSpecs];
    assert.ok(spec, 'type byte is known');
    assert.ok(bytes.byteLength <= spec.maxBytes, 'encoded message is within its limit');
    const r = decodeMessage(bytes);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(plain(r.message), plain(m));
    // And through the direction-checked decoder of the side that receives it.
    const receiver =
      spec.sender === 'client' ? decodeClientMessage : spec.sender === 'server' ? decodeServerMessage : null;
    if (receiver) {
      const rr = receiver(bytes);
      assert.ok(rr.ok);
    } else {
      assert.ok(decodeClientMessage(bytes).ok);
      assert.ok(decodeServerMessage(bytes).ok);
    }
  });
}

test('every message type has a sample', () => {
  const seen = new Set(samples.map((m) => encodeMessage(m)[0]));
  for (const code of Object.values(MessageType)) assert.ok(seen.has(code), `0x${code.toString(16)}`);
});

test('decodes a key press from literal hex', () => {
  assert.deepEqual(decodeClientMessage(hexToBytes('02 61000000 01')), {
    ok: true,
    message: { type: 'key', keysym: 0x61, down: true },
  });
  assert.deepEqual(decodeClientMessage(hexToBytes('02 0dff0000 00')), {
    ok: true,
    message: { type: 'key', keysym: 0xff0d, down: false },
  });
});

test('decodes pointer, wheel, frame-shown, request-keyframe from literal hex', () => {
  assert.deepEqual(decodeClientMessage(hexToBytes('03 6400 c800 05')), {
    ok: true,
    message: { type: 'pointer', x: 100, y: 200, buttons: 5 },
  });
  assert.deepEqual(decodeClientMessage(hexToBytes('04 0000 88ff')), {
    ok: true,
    message: { type: 'wheel', dx: 0, dy: -120 },
  });
  assert.deepEqual(decodeClientMessage(hexToBytes('05 07000000 0000000080842e41')), {
    ok: true,
    message: { type: 'frame-shown', sequence: 7, timestampUs: 1_000_000 },
  });
  assert.deepEqual(decodeClientMessage(hexToBytes('06')), {
    ok: true,
    message: { type: 'request-keyframe' },
  });
});

test('decodes shared messages from literal hex', () => {
  assert.deepEqual(decodeServerMessage(hexToBytes('80 68c3a9')), {
    ok: true,
    message: { type: 'clipboard-text', text: 'hé' },
  });
  assert.deepEqual(decodeClientMessage(hexToBytes('84 89504e470d0a1a0a 00')), {
    ok: true,
    message: { type: 'clipboard-image', png: hexToBytes('89504e470d0a1a0a 00') },
  });
  assert.deepEqual(decodeServerMessage(hexToBytes('81 01000000 0000000000000000')), {
    ok: true,
    message: { type: 'ping', nonce: 1, timestampUs: 0 },
  });
  assert.deepEqual(decodeClientMessage(hexToBytes('82 02000000 000000000000f03f')), {
    ok: true,
    message: { type: 'pong', nonce: 2, timestampUs: 1 },
  });
  assert.deepEqual(decodeClientMessage(hexToBytes('83 e803 627965')), {
    ok: true,
    message: { type: 'close', code: 1000, reason: 'bye' },
  });
});

test('decodes server messages from literal hex', () => {
  assert.deepEqual(decodeServerMessage(hexToBytes('46 8007 3804')), {
    ok: true,
    message: { type: 'screen-size', width: 1920, height: 1080 },
  });
  assert.deepEqual(decodeServerMessage(hexToBytes('45 0a00 1400')), {
    ok: true,
    message: { type: 'cursor-position', x: 10, y: 20 },
  });
  const v = decodeServerMessage(hexToBytes('42 01 2a000000 0000000080842e41 8002 e001 0000 00000001 6588'));
  assert.ok(v.ok && v.message.type === 'video-frame');
  assert.equal(v.message.keyframe, true);
  assert.equal(v.message.sequence, 42);
  assert.equal(v.message.timestampUs, 1_000_000);
  assert.equal(v.message.width, 640);
  assert.equal(v.message.height, 480);
  assert.deepEqual(v.message.rects, []);
  assert.equal(bytesToHex(v.message.data), '000000016588');
  const d = decodeServerMessage(
    hexToBytes('42 00 07000000 0000000000000000 8002 e001 0100 0a00 1400 1e00 2800 000001 41'),
  );
  assert.ok(d.ok && d.message.type === 'video-frame');
  assert.deepEqual(d.message.rects, [{ x: 10, y: 20, width: 30, height: 40 }]);
  assert.equal(bytesToHex(d.message.data), '00000141');
  // A changed area outside the frame is refused.
  const out = decodeServerMessage(
    hexToBytes('42 00 07000000 0000000000000000 8002 e001 0100 0a00 1400 8002 2800 000001 41'),
  );
  assert.ok(!out.ok && out.error.kind === 'invalid-field');
  const h = decodeServerMessage(
    hexToBytes('41 0100 07000000 8007 3804 1f000000 08 323032362e302e30 04 6465736b 04 68323634'),
  );
  assert.deepEqual(h, {
    ok: true,
    message: {
      type: 'server-hello',
      protocolVersion: 1,
      serverVersion: '2026.0.0',
      sessionId: 'desk',
      connectionId: 7,
      screenWidth: 1920,
      screenHeight: 1080,
      codec: 'h264',
      features: 0x1f,
    },
  });
});

test('decodes a ClientHello from literal hex; empty optional fields are absent', () => {
  const r = decodeClientMessage(
    hexToBytes('01 0100 8002 e001 08 323032362e302e30 02 04 68323634 03 706e67 04 6465736b 0000 00 0000'),
  );
  assert.deepEqual(r, {
    ok: true,
    message: {
      type: 'client-hello',
      protocolVersion: 1,
      clientVersion: '2026.0.0',
      codecs: ['h264', 'png'],
      viewportWidth: 640,
      viewportHeight: 480,
      sessionId: 'desk',
    },
  });
});

test('ClientHello tolerates appended extension bytes so an old server can still read and refuse a new client', () => {
  const r = decodeClientMessage(hexToBytes('01 0200 0000 0000 04 32303330 00 00 0000 00 0000 deadbeef'));
  assert.ok(r.ok && r.message.type === 'client-hello');
  assert.equal(r.message.protocolVersion, 2);
  assert.equal(r.message.clientVersion, '2030');
});

test('the encoder writes the documented bytes', () => {
  assert.equal(bytesToHex(encodeMessage({ type: 'key', keysym: 0xffe1, down: true })), '02e1ff000001');
  assert.equal(bytesToHex(encodeMessage({ type: 'pointer', x: 1, y: 2, buttons: 4 })), '030100020004');
  assert.equal(bytesToHex(encodeMessage({ type: 'close', code: 4003, reason: 'old' })), '83a30f6f6c64');
});

test('a long close reason is cut at a character boundary, not refused', () => {
  const bytes = encodeMessage({ type: 'close', code: 1000, reason: 'é'.repeat(2000) });
  const r = decodeMessage(bytes);
  assert.ok(r.ok && r.message.type === 'close');
  assert.equal(r.message.reason, 'é'.repeat(512));
});

test('the encoder refuses values the decoder would refuse', () => {
  assert.throws(() => encodeMessage({ type: 'key', keysym: 0, down: true }), RangeError);
  assert.throws(() => encodeMessage({ type: 'pointer', x: -1, y: 0, buttons: 0 }), RangeError);
  assert.throws(() => encodeMessage({ type: 'pointer', x: 0, y: 0, buttons: 0x20 }), RangeError);
  assert.throws(() => encodeMessage({ type: 'wheel', dx: 40000, dy: 0 }), RangeError);
  assert.throws(() => encodeMessage({ type: 'screen-size', width: 0, height: 1 }), RangeError);
  assert.throws(() => encodeMessage({ type: 'ping', nonce: 1, timestampUs: NaN }), RangeError);
  assert.throws(
    () => encodeMessage({ type: 'lossless-rect', x: 0, y: 0, width: 1, height: 1, png: new Uint8Array(10) }),
    RangeError,
  );
  assert.throws(
    () =>
      encodeMessage({
        type: 'cursor-shape',
        cursorId: 1,
        hotspotX: 0,
        hotspotY: 0,
        width: 2,
        height: 2,
        rgba: new Uint8Array(4),
      }),
    RangeError,
  );
  assert.throws(
    () => encodeMessage({ type: 'clipboard-text', text: 'x'.repeat(20 * 1024 * 1024 + 1) }),
    RangeError,
  );
});

test('frame-size limits for each side cover their largest message', () => {
  assert.equal(MAX_CLIENT_MESSAGE_BYTES, 1 + 20 * 1024 * 1024);
  assert.equal(MAX_SERVER_MESSAGE_BYTES, 1 + 20 * 1024 * 1024, 'a whole clipboard (DCV allows 20 MiB)');
});

test('ConnectionList and DisconnectViewer from literal hex; unknown flags and short entries are refused', () => {
  // flags 1 (may disconnect), 1 entry: id 7, owner, "al", "1.2.3.4:5"
  assert.deepEqual(decodeServerMessage(hexToBytes('70 01 0100 07000000 01 02616c 09312e322e332e343a35')), {
    ok: true,
    message: {
      type: 'connection-list',
      canDisconnect: true,
      connections: [{ connectionId: 7, username: 'al', address: '1.2.3.4:5', owner: true }],
    },
  });
  assert.deepEqual(decodeClientMessage(hexToBytes('30 2a000000')), {
    ok: true,
    message: { type: 'disconnect-viewer', connectionId: 42 },
  });
  for (const bad of [
    '70 02 0000',
    '70 00 0100 07000000 02 00 00',
    '70 00 0100 07000000 00 05616c',
    '70 00 0000 ff',
    '30 2a00',
  ]) {
    const r = decodeServerMessage(hexToBytes(bad));
    const c = decodeClientMessage(hexToBytes(bad));
    assert.equal(r.ok || c.ok, false, bad);
  }
  assert.equal(
    decodeClientMessage(hexToBytes('70 00 0000')).ok,
    false,
    'a client may not send ConnectionList',
  );
  assert.equal(
    decodeServerMessage(hexToBytes('30 01000000')).ok,
    false,
    'a server may not send DisconnectViewer',
  );
});

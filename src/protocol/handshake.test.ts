// The handshake rules: the seed's 2017 client-version rule, the wire-protocol version, codec choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateClientHello } from './handshake.js';
import { CloseCode, isRetryableClose } from './close-code.js';
import { encodeMessage } from './encode.js';
import { decodeClientMessage } from './decode.js';
import type { ClientHello } from './messages.js';

const offer = { serverVersion: '2026.0.0', codecs: ['h264', 'png'] };
const hello = (over: Partial<ClientHello>): ClientHello => ({
  type: 'client-hello',
  protocolVersion: 1,
  clientVersion: '2026.0.0',
  codecs: ['h264'],
  viewportWidth: 800,
  viewportHeight: 600,
  sessionId: 's',
  ...over,
});

test('a 2016 client is refused with a reason naming both versions', () => {
  for (const v of ['2016.0.0', '2016.2.1', '2016']) {
    const r = evaluateClientHello(hello({ clientVersion: v }), offer);
    assert.ok(!r.ok);
    assert.equal(r.closeCode, CloseCode.VersionRefused);
    assert.equal(r.errorCode, 'CLIENT_TOO_OLD');
    assert.ok(r.reason.includes(v), r.reason);
    assert.ok(r.reason.includes('2026.0.0'), r.reason);
    assert.equal(isRetryableClose(r.closeCode), false);
  }
});

test('the refusal survives the wire: decoded from bytes, the reason still names both versions', () => {
  const bytes = encodeMessage(hello({ clientVersion: '2016.1.0' }));
  const d = decodeClientMessage(bytes);
  assert.ok(d.ok && d.message.type === 'client-hello');
  const r = evaluateClientHello(d.message, offer);
  assert.ok(!r.ok);
  const close = encodeMessage({ type: 'close', code: r.closeCode, reason: r.reason });
  assert.equal(close[0], 0x83);
});

test('2017.0 and later clients are accepted', () => {
  for (const v of ['2017.0.0', '2017.0', '2017', '2023.1.16388', '2026.0.0', '2030.5.1']) {
    const r = evaluateClientHello(hello({ clientVersion: v }), offer);
    assert.deepEqual(r, { ok: true, codec: 'h264' }, v);
  }
});

test('a client version that is not a calendar version is refused, naming the server version', () => {
  for (const v of ['', 'abc', '17.0', '2017.x', 'v2026.0.0']) {
    const r = evaluateClientHello(hello({ clientVersion: v }), offer);
    assert.ok(!r.ok, v);
    assert.equal(r.closeCode, CloseCode.VersionRefused);
    assert.ok(r.reason.includes('2026.0.0'));
  }
});

test('another wire-protocol version is refused with both versions named', () => {
  const r = evaluateClientHello(hello({ protocolVersion: 2, clientVersion: '2030.0.0' }), offer);
  assert.ok(!r.ok);
  assert.equal(r.errorCode, 'PROTOCOL_VERSION_UNSUPPORTED');
  assert.match(r.reason, /2030\.0\.0/);
  assert.match(r.reason, /2026\.0\.0/);
});

test('the codec is the server-preferred one the client decodes; none in common is refused', () => {
  assert.deepEqual(evaluateClientHello(hello({ codecs: ['png', 'h264'] }), offer), {
    ok: true,
    codec: 'h264',
  });
  assert.deepEqual(evaluateClientHello(hello({ codecs: ['png'] }), offer), { ok: true, codec: 'png' });
  const r = evaluateClientHello(hello({ codecs: ['vp9'] }), offer);
  assert.ok(!r.ok);
  assert.equal(r.closeCode, CloseCode.NoCommonCodec);
  assert.equal(r.errorCode, 'NO_COMMON_CODEC');
});

test('transient closes are retried, refusals are not', () => {
  assert.equal(isRetryableClose(CloseCode.GoingAway), true);
  assert.equal(isRetryableClose(CloseCode.ServerError), true);
  assert.equal(isRetryableClose(1006), true);
  assert.equal(isRetryableClose(CloseCode.SessionNotFound), false);
  assert.equal(isRetryableClose(CloseCode.ClosedByAdministrator), false);
});

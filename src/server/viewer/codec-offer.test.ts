// The server's side of codec negotiation: what it offers decides what a viewer gets, so a viewer that
// decodes only PNG is refused with a reason instead of being sent H.264 it cannot show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode, evaluateClientHello, PROTOCOL_VERSION, type ClientHello } from '../../protocol/index.js';
import { SERVER_VERSION } from '../../version/current.js';
import { SERVER_CODECS } from './viewer-connection.js';

const hello = (codecs: string[]): ClientHello => ({
  type: 'client-hello',
  protocolVersion: PROTOCOL_VERSION,
  clientVersion: SERVER_VERSION,
  codecs,
  viewportWidth: 800,
  viewportHeight: 600,
  sessionId: 's',
});
const offer = { serverVersion: SERVER_VERSION, codecs: SERVER_CODECS };

test('a viewer that offers only png is refused with NoCommonCodec and told what the server sends', () => {
  const r = evaluateClientHello(hello(['png']), offer);
  assert.ok(!r.ok);
  assert.equal(r.closeCode, CloseCode.NoCommonCodec);
  assert.match(r.reason, /decodes png; server \S+ sends h264/);
});

test('a viewer that offers h264 (in any place of its list) gets h264', () => {
  for (const codecs of [['h264'], ['h264', 'png'], ['png', 'h264']]) {
    const r = evaluateClientHello(hello(codecs), offer);
    assert.deepEqual(r, { ok: true, codec: 'h264' }, codecs.join(','));
  }
});

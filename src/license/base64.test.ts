import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64, decodeBase64Url, encodeBase64 } from './base64.js';

test('round-trips every length against Node’s own encoder', () => {
  for (let n = 0; n < 70; n++) {
    const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
    const text = encodeBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(decodeBase64(text), bytes);
    assert.deepEqual(decodeBase64Url(Buffer.from(bytes).toString('base64url')), bytes);
  }
});

test('refuses anything but exact padded base64', () => {
  for (const bad of ['abc', 'ab=c', 'a*cd', 'abc==', 'QQ', 'QR==', ' QQ==']) assert.equal(decodeBase64(bad), null, bad);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHostPort, parseListenEndpoint } from './listen-endpoint.js';

test('web-listen-endpoints entries: address, address:port, bracketed IPv6 with or without port, bare IPv6', () => {
  assert.deepEqual(parseListenEndpoint('127.0.0.1', 8443), { host: '127.0.0.1', port: 8443 });
  assert.deepEqual(parseListenEndpoint('0.0.0.0:9000', 8443), { host: '0.0.0.0', port: 9000 });
  assert.deepEqual(parseListenEndpoint('[::1]', 8443), { host: '::1', port: 8443 });
  assert.deepEqual(parseListenEndpoint('[::1]:9000', 8443), { host: '::1', port: 9000 });
  assert.deepEqual(parseListenEndpoint('fe80::1', 8443), { host: 'fe80::1', port: 8443 });
});

test('formatHostPort is the inverse: IPv6 in brackets', () => {
  assert.equal(formatHostPort('::1', 8443), '[::1]:8443');
  assert.equal(formatHostPort('127.0.0.1', 8443), '127.0.0.1:8443');
});

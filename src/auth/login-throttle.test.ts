import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle, hostOf } from './login-throttle.js';

test('an address is locked after threshold failures, for a time that doubles, then unlocks', () => {
  const t = new LoginThrottle({ threshold: 3, firstLockMs: 10_000, maxLockMs: 40_000 });
  t.failed('10.0.0.1', 'alice', 0);
  t.failed('10.0.0.1', 'alice', 1);
  assert.deepEqual(t.check('10.0.0.1', 'alice', 2), { ok: true });
  t.failed('10.0.0.1', 'bob', 2);
  assert.deepEqual(t.check('10.0.0.1', 'carol', 3), { ok: false, retryAfterMs: 9_999 });
  assert.deepEqual(t.check('10.0.0.2', 'carol', 3), { ok: true }, 'another address is not affected');
  assert.deepEqual(t.check('10.0.0.1', null, 10_002), { ok: true });
  t.failed('10.0.0.1', 'x', 10_002);
  assert.deepEqual(t.check('10.0.0.1', null, 10_003), { ok: false, retryAfterMs: 19_999 });
  for (let i = 0; i < 10; i++) t.failed('10.0.0.1', 'x', 40_000 + i);
  assert.deepEqual(t.check('10.0.0.1', null, 40_010), { ok: false, retryAfterMs: 39_999 }, 'capped at maxLockMs');
});

test('a user is locked after failures from many addresses, whether or not the account exists', () => {
  const t = new LoginThrottle({ threshold: 2, userFactor: 3 });
  for (let i = 0; i < 5; i++) t.failed(`10.0.1.${i}`, 'nosuchuser', i);
  assert.equal(t.check('10.0.2.1', 'nosuchuser', 10).ok, true);
  t.failed('10.0.1.9', 'nosuchuser', 11);
  assert.equal(t.check('10.0.2.1', 'nosuchuser', 12).ok, false);
  assert.equal(t.check('10.0.2.1', 'alice', 12).ok, true);
});

test('success clears the address and the user; old failures are forgotten; threshold 0 never locks', () => {
  const t = new LoginThrottle({ threshold: 2, forgetMs: 1000 });
  t.failed('a', 'u', 0);
  t.succeeded('a', 'u');
  t.failed('a', 'u', 1);
  assert.equal(t.check('a', 'u', 2).ok, true);
  t.failed('a', 'u', 5000);
  assert.equal(t.check('a', 'u', 5001).ok, true, 'the failure at 1 was forgotten');
  const never = new LoginThrottle({ threshold: 0 });
  for (let i = 0; i < 100; i++) never.failed('a', 'u', i);
  assert.equal(never.check('a', 'u', 100).ok, true);
});

test('hostOf strips the port of v4 and v6 addresses', () => {
  assert.equal(hostOf('192.0.2.1:51234'), '192.0.2.1');
  assert.equal(hostOf('::1:51234'), '::1');
  assert.equal(hostOf('[2001:db8::1]:443'), '2001:db8::1');
  assert.equal(hostOf('localhost'), 'localhost');
});

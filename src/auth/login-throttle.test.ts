import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle, MAX_IN_FLIGHT, hostOf } from './login-throttle.js';

/** One attempt that fails: begun, checked, settled as failed. Returns whether it was let through. */
function fail(t: LoginThrottle, address: string, user: string | null, now: number): boolean {
  const v = t.attempt(address, user, now);
  if (v.ok) t.settle(address, user, null);
  return v.ok;
}

test('an address is locked after threshold failures, for a time that doubles, then unlocks', () => {
  const t = new LoginThrottle({ threshold: 3, firstLockMs: 10_000, maxLockMs: 40_000 });
  assert.ok(fail(t, '10.0.0.1', 'alice', 0));
  assert.ok(fail(t, '10.0.0.1', 'alice', 1));
  assert.ok(fail(t, '10.0.0.1', 'bob', 2), 'the third attempt still runs; it locks the address');
  assert.deepEqual(t.attempt('10.0.0.1', 'carol', 3), { ok: false, retryAfterMs: 9_999 });
  assert.ok(fail(t, '10.0.0.2', 'carol', 3), 'another address is not affected');
  assert.ok(fail(t, '10.0.0.1', 'x', 10_002), 'unlocked; this failure locks it again, twice as long');
  assert.deepEqual(t.attempt('10.0.0.1', null, 10_003), { ok: false, retryAfterMs: 19_999 });
  assert.ok(fail(t, '10.0.0.1', 'x', 30_002));
  assert.ok(fail(t, '10.0.0.1', 'x', 70_002));
  assert.deepEqual(
    t.attempt('10.0.0.1', null, 70_003),
    { ok: false, retryAfterMs: 39_999 },
    'capped at maxLockMs',
  );
});

test('attempts are counted before they are checked: forty at once, three get through', () => {
  const t = new LoginThrottle({ threshold: 3 });
  const verdicts = [...Array(40).keys()].map(() => t.attempt('10.0.0.9', 'alice', 0));
  assert.equal(verdicts.filter((v) => v.ok).length, 3);
  for (let i = 0; i < 3; i++) t.settle('10.0.0.9', 'alice', null);
  assert.equal(t.attempt('10.0.0.9', 'alice', 1).ok, false);
});

test('at most MAX_IN_FLIGHT attempts of one address or one user run at once, even without a threshold', () => {
  const t = new LoginThrottle({ threshold: 0 });
  const running = [...Array(10).keys()].map(() => t.attempt('10.0.0.1', 'alice', 0));
  assert.equal(running.filter((v) => v.ok).length, MAX_IN_FLIGHT);
  assert.equal(t.attempt('10.0.0.2', 'alice', 0).ok, false, 'the user is as busy from another address');
  assert.equal(t.attempt('10.0.0.2', 'bob', 0).ok, true);
  t.settle('10.0.0.1', 'alice', null);
  assert.equal(t.attempt('10.0.0.3', 'alice', 0).ok, true, 'a slot is free again');
});

test("a user's lock holds against addresses that failed, never against one that has not", () => {
  const t = new LoginThrottle({ threshold: 2, userFactor: 3 });
  for (let i = 0; i < 6; i++) assert.ok(fail(t, `10.0.1.${i}`, 'nosuchuser', i));
  assert.equal(t.attempt('10.0.1.0', 'nosuchuser', 10).ok, false, 'an address that failed for the user');
  const fresh = t.attempt('10.0.2.1', 'nosuchuser', 10);
  assert.equal(fresh.ok, true, 'an address without failures still gets its try');
  t.settle('10.0.2.1', 'nosuchuser', null);
  assert.equal(t.attempt('10.0.2.1', 'nosuchuser', 11).ok, false, 'after failing it is refused too');
  assert.equal(t.attempt('10.0.1.0', 'alice', 12).ok, true, 'other users are not affected');
});

test('success clears the address and the user; old failures are forgotten; threshold 0 never locks', () => {
  const t = new LoginThrottle({ threshold: 2, forgetMs: 1000 });
  assert.ok(fail(t, 'a', 'u', 0));
  assert.ok(t.attempt('a', 'u', 0).ok);
  t.settle('a', 'u', 'u');
  assert.ok(fail(t, 'a', 'u', 1), 'one failure since the success');
  assert.ok(fail(t, 'a', 'u', 5000), 'the failure at 1 was forgotten: this one is the first again');
  assert.ok(fail(t, 'a', 'u', 5001), 'the second runs, and locks');
  assert.equal(t.attempt('a', 'u', 5002).ok, false);
  const never = new LoginThrottle({ threshold: 0 });
  for (let i = 0; i < 100; i++) assert.ok(fail(never, 'a', 'u', i));
});

test('hostOf strips the port of v4 and v6 addresses', () => {
  assert.equal(hostOf('192.0.2.1:51234'), '192.0.2.1');
  assert.equal(hostOf('::1:51234'), '::1');
  assert.equal(hostOf('[2001:db8::1]:443'), '2001:db8::1');
  assert.equal(hostOf('localhost'), 'localhost');
});

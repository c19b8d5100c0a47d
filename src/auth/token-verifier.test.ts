import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginTickets } from './login-tickets.js';
import { parseVerifierAnswer } from './token-verifier.js';

test("the verifier's XML: yes with a user name, no with a message, anything else is not an answer", () => {
  assert.deepEqual(parseVerifierAnswer('<auth result="yes"><username>alice</username></auth>'), { ok: true, username: 'alice' });
  assert.deepEqual(
    parseVerifierAnswer("<?xml version='1.0'?>\n<auth result='yes'>\n  <username> bob.smith </username>\n</auth>\n"),
    { ok: true, username: 'bob.smith' },
  );
  assert.deepEqual(parseVerifierAnswer('<auth result="no"><message>Expired &amp; gone</message></auth>'), {
    ok: false,
    message: 'Expired & gone',
  });
  assert.deepEqual(parseVerifierAnswer('<auth result="no"></auth>'), { ok: false, message: '' });
  assert.equal(parseVerifierAnswer('<auth result="yes"></auth>'), null, 'yes without a user');
  assert.equal(parseVerifierAnswer('<auth result="yes"><username>../../etc</username></auth>'), null);
  assert.equal(parseVerifierAnswer('<auth result="yes"><username>a b</username></auth>'), null);
  assert.equal(parseVerifierAnswer('<auth result="maybe"><username>a</username></auth>'), null);
  assert.equal(parseVerifierAnswer('OK alice'), null);
  assert.equal(parseVerifierAnswer(''), null);
});

test('login tickets: redeemable until idle or too old, revocable, and only ours are recognised', () => {
  const t = new LoginTickets({ idleMs: 1000, lifetimeMs: 5000 });
  const a = t.issue('alice', 0);
  assert.ok(LoginTickets.isTicket(a));
  assert.equal(LoginTickets.isTicket('some-verifier-token'), false);
  assert.equal(t.redeem(a, 900), 'alice');
  assert.equal(t.redeem(a, 1800), 'alice', 'use keeps it alive');
  assert.equal(t.redeem(a, 2900), null, 'idle too long');
  const b = t.issue('bob', 0);
  for (let now = 900; now < 5000; now += 900) assert.equal(t.redeem(b, now), 'bob');
  assert.equal(t.redeem(b, 5001), null, 'past its lifetime');
  const c = t.issue('carol', 0);
  t.revoke(c);
  assert.equal(t.redeem(c, 1), null);
  assert.equal(t.redeem(`${c.slice(0, -1)}A`, 1), null);
});

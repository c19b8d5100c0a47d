import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describePamFallback, pamFallbackOnThisHost } from './pam.js';

// The warning at start says what PAM really does on the host without /etc/pam.d/dcv (issue 13 item 12).
test("the PAM fallback warning says what /etc/pam.d/other does: Debian's checks passwords, pam_deny refuses", () => {
  const debian = '#\n# /etc/pam.d/other\n@include common-auth\n@include common-account\n';
  assert.match(describePamFallback('dcv', debian), /which on this host checks system passwords \(@include common-auth\)/);
  assert.match(
    describePamFallback('dcv', 'auth required pam_warn.so\nauth required pam_deny.so\n'),
    /which refuses every login \(pam_deny\)/,
  );
  assert.match(describePamFallback('dcv', null), /nor does \/etc\/pam\.d\/other: PAM refuses every login/);
  assert.match(describePamFallback('dcv', '# nothing\n'), /has no auth rule, so every login is refused/);
});

test('on this host the message follows the real /etc/pam.d/other', () => {
  let other: string | null = null;
  try {
    other = readFileSync('/etc/pam.d/other', 'utf8');
  } catch {
    other = null;
  }
  assert.equal(pamFallbackOnThisHost('odcv-no-such-service'), describePamFallback('odcv-no-such-service', other));
  assert.match(pamFallbackOnThisHost('odcv-no-such-service'), /^\/etc\/pam\.d\/odcv-no-such-service does not exist/);
});

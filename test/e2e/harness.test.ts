// The test harness leaves the host as it found it: accounts and system files a test process creates are
// removed when it exits (issue 13: `npm test` used to leave accounts with homes and /etc/pam.d/dcv behind).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HARNESS = fileURLToPath(new URL('./harness.js', import.meta.url));

function accountExists(name: string): boolean {
  try {
    execFileSync('getent', ['passwd', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('a test process removes the accounts and system files it created when it exits, and nothing else', () => {
  const dir = mkdtempSync('/tmp/odcv-fid-harness-');
  try {
    const created = join(dir, 'pam-service');
    const kept = join(dir, 'was-there');
    writeFileSync(kept, 'before\n');
    const script = join(dir, 'child.mjs');
    writeFileSync(
      script,
      `import { ensureUser, ensureSystemFile } from ${JSON.stringify(HARNESS)};\n` +
        `const u = ensureUser('odcv-fid-tmp1');\n` +
        `ensureSystemFile(${JSON.stringify(created)}, 'x\\n');\n` +
        `ensureSystemFile(${JSON.stringify(kept)}, 'overwritten?\\n');\n` +
        `process.stdout.write(u.home);\n`,
    );
    const home = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(home, '/home/odcv-fid-tmp1');
    assert.equal(accountExists('odcv-fid-tmp1'), false, 'the account is gone');
    assert.equal(existsSync(home), false, 'its home too');
    assert.equal(existsSync(created), false, 'the file it wrote is gone');
    assert.equal(existsSync(kept), true, 'a file that was there stays');
  } finally {
    if (accountExists('odcv-fid-tmp1')) execFileSync('userdel', ['--remove', 'odcv-fid-tmp1'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
});

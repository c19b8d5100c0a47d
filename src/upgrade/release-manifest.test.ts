import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, verifyReleaseTree } from './release-manifest.js';

function release(): string {
  const dir = mkdtempSync('/tmp/opendcv-manifest-test-');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin/dcv'), 'dcv');
  const sha = createHash('sha256').update('dcv').digest('hex');
  const manifest = {
    format: 1,
    name: 'opendcv',
    version: '2027.0.0',
    created: '',
    files: [{ path: 'bin/dcv', sha256: sha, size: 3, mode: '755' }],
  };
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return dir;
}

test('a release tree verifies only when it matches its manifest exactly', () => {
  const dir = release();
  try {
    assert.equal(verifyReleaseTree(dir, 'r').version, '2027.0.0');
    writeFileSync(join(dir, 'extra.js'), '');
    assert.throws(() => verifyReleaseTree(dir, 'r'), {
      code: 'UPGRADE_TARGET_INVALID',
      message: /extra\.js is not in the manifest/,
    });
    rmSync(join(dir, 'extra.js'));
    writeFileSync(join(dir, 'bin/dcv'), 'DCV');
    assert.throws(() => verifyReleaseTree(dir, 'r'), { message: /bin\/dcv does not match its sha256/ });
    rmSync(join(dir, 'bin/dcv'));
    symlinkSync('/bin/sh', join(dir, 'bin/dcv'));
    assert.throws(() => verifyReleaseTree(dir, 'r'), { message: /bin\/dcv is not a regular file/ });
    rmSync(join(dir, MANIFEST_FILE));
    assert.throws(() => verifyReleaseTree(dir, 'r'), { message: /not an opendcv release/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

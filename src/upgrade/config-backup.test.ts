import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { hostPaths } from '../host-paths.js';
import { BACKUP_MANIFEST, createBackup, restoreBackup, verifiedBackup } from './config-backup.js';
import { compareWithBackup } from './config-compare.js';

function host(): { root: string; paths: ReturnType<typeof hostPaths> } {
  const root = mkdtempSync('/tmp/opendcv-backup-test-');
  const paths = hostPaths(root);
  mkdirSync(paths.etcDir, { recursive: true });
  writeFileSync(
    paths.configFile,
    "# kept as is\n[license]\nlicense-file='/srv/licenses/site.lic'\n\n[log]\nlevel='info'\n",
  );
  writeFileSync(paths.tlsKey, 'KEY', { mode: 0o600 });
  chmodSync(paths.tlsKey, 0o600);
  mkdirSync(join(root, 'srv/licenses'), { recursive: true });
  writeFileSync(join(root, 'srv/licenses/site.lic'), 'LICENSE');
  return { root, paths };
}

test('a backup holds /etc/dcv and the files dcv.conf names, and restores them byte for byte with their modes', () => {
  const { root, paths } = host();
  try {
    const dir = join(paths.backupsDir, 'b1');
    const m = createBackup(paths, dir, 'b1', 'test');
    assert.deepEqual(
      m.files.map((f) => f.path).sort(),
      [paths.configFile, paths.tlsKey, join(root, 'srv/licenses/site.lic')].sort(),
    );
    assert.ok(m.absent.includes(paths.defaultPermissionsFile));
    assert.equal(
      readFileSync(join(dir, 'files/etc/dcv/dcv.conf'), 'utf8'),
      readFileSync(paths.configFile, 'utf8'),
    );
    assert.ok(verifiedBackup(dir));
    assert.equal(compareWithBackup(dir, m).identical, true);

    const original = readFileSync(paths.configFile);
    writeFileSync(paths.configFile, "[log]\nlevel='debug'\n");
    chmodSync(paths.tlsKey, 0o644);
    writeFileSync(paths.defaultPermissionsFile, '[permissions]\n');
    const cmp = compareWithBackup(dir, m);
    assert.equal(cmp.identical, false);
    assert.ok(
      cmp.differences.some((d) => d.includes('[log] level') && d.includes("'debug'")),
      cmp.differences.join('\n'),
    );
    assert.ok(cmp.differences.some((d) => d.startsWith(`${paths.defaultPermissionsFile}: created`)));

    const r = restoreBackup(dir);
    assert.deepEqual(readFileSync(paths.configFile), original);
    assert.equal(statSync(paths.tlsKey).mode & 0o777, 0o600);
    assert.ok(!existsSync(paths.defaultPermissionsFile));
    assert.deepEqual(r.removed, [paths.defaultPermissionsFile]);
    assert.equal(compareWithBackup(dir, m).identical, true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a backup without its manifest, or with a changed copy, is not complete and is never restored from', () => {
  const { root, paths } = host();
  try {
    const dir = join(paths.backupsDir, 'b2');
    createBackup(paths, dir, 'b2', 'test');
    writeFileSync(join(dir, 'files/etc/dcv/dcv.conf'), 'tampered');
    assert.equal(verifiedBackup(dir), null);
    assert.throws(() => restoreBackup(dir), { code: 'UPGRADE_ROLLBACK_FAILED' });
    rmSync(join(dir, BACKUP_MANIFEST));
    assert.equal(verifiedBackup(dir), null);
    assert.notEqual(readFileSync(paths.configFile, 'utf8'), 'tampered');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

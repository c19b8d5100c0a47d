import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPaths } from '../host-paths.js';
import { BACKUPS_KEPT, pruneAfterUpgrade } from './prune.js';

test('after an upgrade: the running and the previous release stay, and the newest backups', () => {
  const root = mkdtempSync(join(tmpdir(), 'dcv-prune-'));
  try {
    const paths = hostPaths(root);
    for (const v of ['2025.2.0', '2026.0.0', '2026.1.0', '2027.0.0', '.staging-2027.0.0']) {
      mkdirSync(join(paths.releasesDir, v, 'dist'), { recursive: true });
      writeFileSync(join(paths.releasesDir, v, 'dist', 'main.js'), '');
    }
    const backups = Array.from({ length: 8 }, (_, i) => `20261120T00000${i}Z`);
    for (const b of backups) {
      mkdirSync(join(paths.backupsDir, b), { recursive: true });
      writeFileSync(join(paths.backupsDir, b, 'manifest.json'), '{}');
    }
    // An old backup the journal still names (say, a resumed upgrade's) is kept however old it is.
    const pruned = pruneAfterUpgrade(paths, ['2027.0.0', '2026.1.0'], [backups[0]!]);
    assert.deepEqual(pruned.releases, ['2025.2.0', '2026.0.0']);
    assert.deepEqual(readdirSync(paths.releasesDir).sort(), ['.staging-2027.0.0', '2026.1.0', '2027.0.0']);
    assert.deepEqual(pruned.backups, backups.slice(1, backups.length - BACKUPS_KEPT));
    assert.deepEqual(readdirSync(paths.backupsDir).sort(), [backups[0]!, ...backups.slice(-BACKUPS_KEPT)]);
    // Nothing more to do the second time.
    assert.deepEqual(pruneAfterUpgrade(paths, ['2027.0.0', '2026.1.0'], [backups[0]!]), {
      releases: [],
      backups: [],
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hostPaths, resolveHostPath } from './host-paths.js';

test('a relative dcv.conf path is taken from /etc/dcv, resolved as node:path would', () => {
  for (const root of [undefined, '/tmp/r']) {
    const paths = hostPaths(root);
    for (const p of ['license.lic', './a/b.lic', '../x.lic', 'a//b/', 'a/./../c']) {
      assert.equal(resolveHostPath(paths, p), join(paths.etcDir, p), p);
    }
  }
});

test('an absolute path moves under DCV_ROOT unless it already points inside it', () => {
  const paths = hostPaths('/tmp/r');
  assert.equal(resolveHostPath(paths, '/etc/dcv/license.lic'), '/tmp/r/etc/dcv/license.lic');
  assert.equal(resolveHostPath(paths, '/tmp/r/etc/x.lic'), '/tmp/r/etc/x.lic');
  assert.equal(resolveHostPath(hostPaths(undefined), '/etc/dcv/license.lic'), '/etc/dcv/license.lic');
});

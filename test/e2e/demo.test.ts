// scripts/demo.sh as a new user runs it: the passwordless demo desktop listens on 127.0.0.1 only, the output
// says how to reach it through an SSH tunnel and what the risk is, and nothing is reinstalled or rebuilt when
// nothing changed (issue 13 item 10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dcv, dcvserver, makeDcvRoot, removeDcvRoot, REPO } from './harness.js';

function demo(root: string, port: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [join(REPO, 'scripts/demo.sh')],
      { cwd: REPO, env: { PATH: process.env['PATH'], DCV_ROOT: root, DEMO_PORT: String(port), LANG: 'C.UTF-8' } },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

test('the demo listens on 127.0.0.1, says how to tunnel to it and why, and rebuilds nothing unchanged', async (t) => {
  // Without install-deps' stamps demo.sh would run npm ci and the build under the running tests.
  if (!existsSync(join(REPO, 'node_modules/.opendcv-lock.sha256')) || !existsSync(join(REPO, 'dist/.opendcv-build-stamp')))
    return t.skip('scripts/install-deps.sh has not run in this checkout');
  const root = makeDcvRoot('');
  // makeDcvRoot wrote a dcv.conf; the demo writes its own only where there is none.
  removeDcvRoot(join(root, 'etc/dcv'));
  const port = 20000 + Math.floor(Math.random() * 40000);
  try {
    const r = await demo(root, port);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /npm packages: up to date/);
    assert.match(r.stdout, /build: up to date/);
    assert.match(r.stdout, new RegExp(`Endpoints: +Endpoint: 127\\.0\\.0\\.1:${port} \\(protocols:https,wss\\) \\n`));
    assert.ok(r.stdout.includes(`ssh -L ${port}:127.0.0.1:${port} `), r.stdout);
    assert.match(r.stdout, /Risk: authentication is 'none', so anyone who reaches the port gets \S+'s desktop/);
    const endpoints = await dcv(root, ['list-endpoints', '-j']);
    const listed = (JSON.parse(endpoints.stdout) as { endpoints: { address?: string; host?: string }[] }).endpoints;
    assert.ok(listed.length >= 1);
    assert.match(endpoints.stdout, /127\.0\.0\.1/);
    assert.doesNotMatch(endpoints.stdout, /0\.0\.0\.0|"::"/);
  } finally {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  }
});

// Runs every compiled test file (dist/**/*.test.js) with Node's own test runner.
// Unit tests are fast and run in parallel; e2e tests (dist/test/e2e) start real X servers, browsers and
// dcvserver instances, so they run one file at a time to keep a 2-core machine responsive.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const all = find('dist').filter((f) => filter.length === 0 || filter.some((s) => f.includes(s))).sort();
const e2e = all.filter((f) => f.startsWith('dist/test/'));
const unit = all.filter((f) => !f.startsWith('dist/test/'));
const files = [...unit, ...e2e];
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}
const args = ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);

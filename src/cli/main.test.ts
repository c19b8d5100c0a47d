import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPaths } from '../host-paths.js';
import type { CliIo } from './command.js';
import { main } from './main.js';

function io(): CliIo & { text: () => string } {
  let out = '';
  return {
    out: (t) => void (out += t),
    err: () => {},
    env: {},
    paths: hostPaths('/nonexistent-dcv-root'),
    cwd: '/',
    text: () => out,
  };
}

test('a family name alone or with --help lists its subcommands (dcv license, dcv upgrade --help, dcv config)', async () => {
  for (const [argv, code, family] of [
    [['license'], 2, 'license'],
    [['upgrade', '--help'], 0, 'upgrade'],
    [['config', '-h'], 0, 'config'],
  ] as const) {
    const o = io();
    assert.equal(await main([...argv], o), code, argv.join(' '));
    assert.match(o.text(), new RegExp(`^Usage: dcv ${family} SUBCOMMAND \\[OPTIONS\\]\\n`));
    assert.match(o.text(), new RegExp(`\\n  ${family} \\S+ +\\S`), 'each subcommand with its summary');
    assert.doesNotMatch(o.text(), /list-sessions/, 'only the family');
  }
});

test('create-session --help explains each option', async () => {
  const o = io();
  assert.equal(await main(['create-session', '--help'], o), 0);
  for (const opt of ['--type', '--owner', '--name', '--init', '--max-concurrent-clients', '--storage-root', '--permissions-file', '--gl'])
    assert.match(o.text(), new RegExp(`\\n  ${opt}[ ,].* \\S`), opt);
});

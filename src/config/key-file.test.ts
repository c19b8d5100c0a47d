import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeyFile } from './key-file.js';

test('groups, keys and line numbers; whitespace around = and # comments', () => {
  const kf = parseKeyFile(
    '# top comment\n\n[connectivity]\nweb-port=8444\n  # indented comment\nidle-timeout = 120\n',
  );
  assert.deepEqual(kf.errors, []);
  const g = kf.groups.get('connectivity')!;
  assert.equal(g.line, 3);
  assert.deepEqual(g.entries.get('web-port'), { key: 'web-port', value: '8444', line: 4 });
  assert.deepEqual(g.entries.get('idle-timeout'), { key: 'idle-timeout', value: '120', line: 6 });
});

test('section names may contain /', () => {
  const kf = parseKeyFile("[session-management/automatic-console-session]\nowner = 'alice'\n");
  assert.equal(
    kf.groups.get('session-management/automatic-console-session')?.entries.get('owner')?.value,
    "'alice'",
  );
});

test('a repeated group merges into the first; a repeated key keeps the last value and its line', () => {
  const kf = parseKeyFile(
    '[display]\ntarget-fps=25\n[log]\nlevel=info\n[display]\ntarget-fps=30\nmax-num-heads=2\n',
  );
  assert.deepEqual([...kf.groups.keys()], ['display', 'log']);
  const d = kf.groups.get('display')!;
  assert.deepEqual([...d.entries.keys()], ['target-fps', 'max-num-heads']);
  assert.deepEqual(d.entries.get('target-fps'), { key: 'target-fps', value: '30', line: 6 });
  assert.equal(kf.warnings.length, 1);
  assert.equal(kf.warnings[0]!.line, 6);
  assert.match(kf.warnings[0]!.message, /line 2/);
});

test('bad lines are errors with their line; the rest of the file is still read', () => {
  const kf = parseKeyFile('[security]\nauthentication none\n[broken\n=x\nlevel=1\n[log]\nlevel=debug\n');
  assert.deepEqual(
    kf.errors.map((e) => e.line),
    [2, 3, 4],
  );
  assert.match(kf.errors[0]!.message, /neither a \[group\] header/);
  assert.match(kf.errors[1]!.message, /malformed group header/);
  assert.match(kf.errors[2]!.message, /key name is missing/);
  // level=1 after the broken header is dropped (it belongs to no known group); [log] is read.
  assert.equal(kf.groups.get('log')?.entries.get('level')?.value, 'debug');
  assert.equal(kf.groups.get('security')?.entries.size, 0);
});

test('a key before any group is an error', () => {
  const kf = parseKeyFile('web-port=8443\n[connectivity]\n');
  assert.equal(kf.errors.length, 1);
  assert.equal(kf.errors[0]!.line, 1);
  assert.equal(kf.errors[0]!.key, 'web-port');
  assert.match(kf.errors[0]!.message, /before any \[group\]/);
});

test('CRLF line ends and a UTF-8 byte-order mark are accepted', () => {
  const kf = parseKeyFile('\uFEFF[log]\r\nlevel = "debug"\r\n');
  assert.deepEqual(kf.errors, []);
  assert.equal(kf.groups.get('log')?.entries.get('level')?.value, '"debug"');
});

test('an empty value is kept as empty text', () => {
  const kf = parseKeyFile('[license]\nlicense-file=\n');
  assert.equal(kf.groups.get('license')?.entries.get('license-file')?.value, '');
});

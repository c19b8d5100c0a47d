import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DcvError } from '../errors.js';
import { compareVersions, formatVersion, isVersion, parseVersion } from './version.js';
import { SERVER_VERSION } from './current.js';

test('parses the full, two-part and year-only forms', () => {
  assert.deepEqual({ ...parseVersion('2026.0.0') }, { year: 2026, minor: 0, patch: 0, text: '2026.0.0' });
  assert.deepEqual({ ...parseVersion(' 2016.2 ') }, { year: 2016, minor: 2, patch: 0, text: '2016.2' });
  assert.deepEqual({ ...parseVersion('2017') }, { year: 2017, minor: 0, patch: 0, text: '2017' });
  assert.equal(formatVersion(parseVersion('2017')), '2017.0.0');
  assert.equal(formatVersion(parseVersion('2023.1.16388')), '2023.1.16388');
});

test('junk is a VERSION_INVALID error that quotes the input', () => {
  for (const bad of ['', 'latest', '26.0.0', '20260.0.0', '2026.', '2026.0.0.1', '2026.-1', 'v2026', '2026.0.x', '2026 .0']) {
    assert.throws(
      () => parseVersion(bad),
      (e: unknown) => e instanceof DcvError && e.code === 'VERSION_INVALID' && e.message.includes(`'${bad.trim()}'`),
      bad,
    );
    assert.equal(isVersion(bad), false);
  }
  assert.throws(() => parseVersion('2026\u0000\n'), (e: unknown) => e instanceof DcvError && !/[\0\n]/.test(e.message));
});

test('compares by year, then minor, then patch; short forms equal their .0 expansions', () => {
  const cmp = (a: string, b: string): number => Math.sign(compareVersions(parseVersion(a), parseVersion(b)));
  assert.equal(cmp('2016.2', '2017.0'), -1);
  assert.equal(cmp('2017', '2017.0.0'), 0);
  assert.equal(cmp('2026.0.1', '2026.0.0'), 1);
  assert.equal(cmp('2026.1.0', '2026.0.9'), 1);
  assert.equal(cmp('2026.0.10', '2026.0.9'), 1);
  assert.equal(cmp('2025.9.9', '2026.0.0'), -1);
});

test('SERVER_VERSION is a full calendar version', () => {
  assert.equal(formatVersion(parseVersion(SERVER_VERSION)), SERVER_VERSION);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DcvError, errorCatalogue } from './errors.js';

// docs/errors.md is what administrators read; it must list exactly the catalogue, with the same exit statuses.
test('docs/errors.md lists every catalogue code with its exit status, and nothing else', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const m of doc.matchAll(/^\| ([A-Z][A-Z0-9_]+) \| (\d+) \|/gm)) rows.set(m[1]!, Number(m[2]));
  const catalogue = new Map(Object.entries(errorCatalogue).map(([code, spec]) => [code, spec.exitStatus]));
  assert.deepEqual([...rows.keys()].sort(), [...catalogue.keys()].sort());
  for (const [code, status] of catalogue) assert.equal(rows.get(code), status, code);
});

test('DcvError carries its code and the exit status from the catalogue', () => {
  const e = new DcvError('SESSION_NOT_FOUND', "Session 'x' not found.");
  assert.equal(e.code, 'SESSION_NOT_FOUND');
  assert.equal(e.exitStatus, errorCatalogue.SESSION_NOT_FOUND.exitStatus);
  assert.ok(e instanceof Error);
});

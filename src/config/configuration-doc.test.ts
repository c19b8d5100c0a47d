import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dcvSchema, encodeGVariant, type AnyKeySpec } from './index.js';

// docs/configuration.md is what administrators read: its key tables must list every key with its real default.
test('docs/configuration.md lists every key of the schema with its default and whether opendcv acts on it', () => {
  const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const missing: string[] = [];
  for (const [section, keys] of Object.entries(dcvSchema)) {
    const start = doc.indexOf(`### [${section}]\n`);
    if (start < 0) {
      missing.push(`[${section}]`);
      continue;
    }
    const end = doc.indexOf('\n### ', start + 1);
    const block = doc.slice(start, end < 0 ? undefined : end);
    for (const [key, spec] of Object.entries(keys) as [string, AnyKeySpec][]) {
      const effect = spec.acts ? 'acts' : 'no effect';
      const row = `| ${key} | ${spec.type} | \`${encodeGVariant(spec, spec.default)}\` | ${effect} |`;
      if (!block.includes(row)) missing.push(`[${section}] ${key}`);
    }
  }
  assert.deepEqual(missing, []);
});

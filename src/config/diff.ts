// Semantic comparison of two configurations (dcv.conf or .reg, in any mix) for the upgrade's compare
// step and `dcv config diff`: keys added, removed and changed by typed value, plus byte identity.
import type { ConfigEntry, LoadedConfig } from './load.js';
import { canonicalUntyped, encodeGVariant } from './value-codec.js';

export type ConfigChange =
  | { readonly kind: 'added'; readonly section: string; readonly key: string; readonly after: string }
  | { readonly kind: 'removed'; readonly section: string; readonly key: string; readonly before: string }
  | {
      readonly kind: 'changed';
      readonly section: string;
      readonly key: string;
      readonly before: string;
      readonly after: string;
    };

export interface ConfigDiff {
  /** The two files hold exactly the same bytes. */
  readonly byteIdentical: boolean;
  /** No key added, removed or changed (formatting, quoting, comments and order may differ). */
  readonly equalInMeaning: boolean;
  /** Sorted by section, then key. Values are canonical GVariant text (`'info'`, `8443`, `(1920, 1080)`). */
  readonly changes: readonly ConfigChange[];
}

/** Canonical text of an entry's value: the typed value when it decoded, else the stored value normalised. */
export function canonicalValue(e: ConfigEntry): string {
  if (e.spec !== undefined && e.value !== undefined) return encodeGVariant(e.spec, e.value);
  return canonicalUntyped(e.raw);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const id = (e: { section: string; key: string }): string => `${e.section}\u0000${e.key}`;

export function diffConfigs(a: LoadedConfig, b: LoadedConfig): ConfigDiff {
  const before = new Map(a.entries.map((e) => [id(e), e]));
  const after = new Map(b.entries.map((e) => [id(e), e]));
  const changes: ConfigChange[] = [];
  for (const [k, e] of before) {
    const other = after.get(k);
    if (other === undefined) {
      changes.push({ kind: 'removed', section: e.section, key: e.key, before: canonicalValue(e) });
      continue;
    }
    const x = canonicalValue(e);
    const y = canonicalValue(other);
    if (x !== y) changes.push({ kind: 'changed', section: e.section, key: e.key, before: x, after: y });
  }
  for (const [k, e] of after) {
    if (!before.has(k))
      changes.push({ kind: 'added', section: e.section, key: e.key, after: canonicalValue(e) });
  }
  changes.sort((p, q) =>
    p.section === q.section ? (p.key < q.key ? -1 : p.key > q.key ? 1 : 0) : p.section < q.section ? -1 : 1,
  );
  return { byteIdentical: bytesEqual(a.bytes, b.bytes), equalInMeaning: changes.length === 0, changes };
}

/** `[connectivity] web-port: 8443 -> 8444`, `+ [log] level = 'debug'`, `- [security] authentication = 'none'`. */
export function formatChange(c: ConfigChange): string {
  switch (c.kind) {
    case 'added':
      return `+ [${c.section}] ${c.key} = ${c.after}`;
    case 'removed':
      return `- [${c.section}] ${c.key} = ${c.before}`;
    case 'changed':
      return `[${c.section}] ${c.key}: ${c.before} -> ${c.after}`;
  }
}

// The typed, deeply frozen configuration the server reads (`config['connectivity']['web-port']`), derived
// from the schema table, and the configuration of an empty dcv.conf.
import type { ValueOfKey } from './key-spec.js';
import { dcvSchema, type DcvSchema, type SectionName } from './schema.js';

export type DcvConfig = {
  readonly [S in SectionName]: { readonly [K in keyof DcvSchema[S]]: ValueOfKey<DcvSchema[S][K]> };
};

/** Some keys of some sections, typed as in DcvConfig; what tests and tools write into a file. */
export type DcvSettings = {
  readonly [S in SectionName]?: { readonly [K in keyof DcvSchema[S]]?: ValueOfKey<DcvSchema[S][K]> };
};

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// Values are copied so freezing a config never freezes (or aliases) the schema's own defaults.
function copy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copy) as T;
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) as T;
  return v;
}

/** Defaults overlaid with `values` (section → key → typed value, already validated), deeply frozen. */
export function buildConfig(
  values: ReadonlyMap<string, ReadonlyMap<string, unknown>> = new Map(),
): DcvConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, keys] of Object.entries(dcvSchema)) {
    const given = values.get(section);
    out[section] = Object.fromEntries(
      Object.entries(keys).map(([key, spec]) => [
        key,
        copy(given?.has(key) ? given.get(key) : (spec as { default: unknown }).default),
      ]),
    );
  }
  return deepFreeze(out) as DcvConfig;
}

/** What an empty or absent dcv.conf means. */
export const defaultConfig: DcvConfig = buildConfig();

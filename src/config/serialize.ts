// Writing configuration entries back out: as dcv.conf text (canonical GVariant values) or as a Windows
// .reg export (DWORD for booleans and integers), and building entries from typed settings.
import type { DcvSettings } from './dcv-config.js';
import type { ConfigEntry } from './load.js';
import { writeRegExport } from './reg-file.js';
import { keySpec } from './schema.js';
import { encodeGVariant, encodeRegistry, type RawValue } from './value-codec.js';

/** Entries for typed settings, e.g. `{ connectivity: { 'web-port': 8444 } }`, in the order given. */
export function entriesFromSettings(settings: DcvSettings): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (const [section, keys] of Object.entries(settings) as [string, Record<string, unknown> | undefined][]) {
    for (const [key, value] of Object.entries(keys ?? {})) {
      if (value === undefined) continue;
      const spec = keySpec(section, key);
      if (spec === undefined) throw new Error(`[${section}] ${key} is not a dcv.conf key`);
      out.push({ section, key, line: 0, spec, value, raw: encodeRegistry(spec, value) });
    }
  }
  return out;
}

function textForConf(e: ConfigEntry): string {
  if (e.spec !== undefined && e.value !== undefined) return encodeGVariant(e.spec, e.value);
  return e.raw.kind === 'dword' ? String(e.raw.value | 0) : e.raw.text;
}

function rawForRegistry(e: ConfigEntry): RawValue {
  if (e.spec !== undefined && e.value !== undefined) return encodeRegistry(e.spec, e.value);
  return e.raw;
}

/** dcv.conf text: one group per section in first-appearance order, `key=value` lines, a blank line between groups. */
export function writeDcvConf(entries: readonly ConfigEntry[]): string {
  const bySection = new Map<string, ConfigEntry[]>();
  for (const e of entries) bySection.set(e.section, [...(bySection.get(e.section) ?? []), e]);
  return [...bySection]
    .map(
      ([section, list]) =>
        [`[${section}]`, ...list.map((e) => `${e.key}=${textForConf(e)}`)].join('\n') + '\n',
    )
    .join('\n');
}

/** A regedit-style export (UTF-16LE with BOM) of the entries. */
export function writeRegExportFromEntries(entries: readonly ConfigEntry[]): Uint8Array {
  return writeRegExport(entries.map((e) => ({ section: e.section, key: e.key, raw: rawForRegistry(e) })));
}

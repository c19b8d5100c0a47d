// Loading a configuration: a raw document (dcv.conf or .reg) checked against the schema, giving the
// typed config, the effective entries (for diff and rewrite) and every diagnostic.
import { buildConfig, type DcvConfig } from './dcv-config.js';
import { hasErrors, type ConfigDiagnostic } from './diagnostic.js';
import { parseKeyFile } from './key-file.js';
import type { AnyKeySpec } from './key-spec.js';
import { rawDocumentFromKeyFile, type ConfigFormat, type RawDocument } from './raw-document.js';
import { parseRegExport, looksLikeRegExport } from './reg-file.js';
import { dcvSchema, isSectionName, keySpec, unmodelledSections } from './schema.js';
import { decodeRaw, type RawValue } from './value-codec.js';

export interface ConfigEntry {
  readonly section: string;
  readonly key: string;
  readonly line: number;
  readonly raw: RawValue;
  /** Absent for keys DCV does not have. */
  readonly spec?: AnyKeySpec;
  /** The typed value; absent when the key is unknown or its value is bad. */
  readonly value?: unknown;
}

export interface LoadedConfig {
  readonly file: string;
  readonly format: ConfigFormat;
  /** The file's bytes, for the byte-identity check of `dcv config diff`. */
  readonly bytes: Uint8Array;
  /** Defaults overlaid with every valid key; a bad value leaves its key at the default. */
  readonly config: DcvConfig;
  /** Every key the file sets (after merging groups, last assignment wins), in file order. */
  readonly entries: readonly ConfigEntry[];
  readonly diagnostics: ConfigDiagnostic[];
  /** No error diagnostics: the server may start with this configuration. */
  readonly valid: boolean;
}

/** What `dcv config check` and the server's log say about a key opendcv accepts but does not act on. */
export const NO_EFFECT = 'accepted for compatibility; has no effect in opendcv';

function closeSection(name: string): string | undefined {
  const norm = name.toLowerCase().replace(/_/g, '-').trim();
  return Object.keys(dcvSchema).find((s) => s === norm);
}

function sectionsWithKey(key: string): string[] {
  return Object.entries(dcvSchema)
    .filter(([, keys]) => Object.prototype.hasOwnProperty.call(keys, key))
    .map(([s]) => s);
}

/** Checks a raw document against the schema. `bytes` are the file's own bytes. */
export function loadRawDocument(doc: RawDocument, file: string, bytes: Uint8Array): LoadedConfig {
  const diagnostics: ConfigDiagnostic[] = [];
  const entries: ConfigEntry[] = [];
  const values = new Map<string, Map<string, unknown>>();
  const diag = (
    severity: ConfigDiagnostic['severity'],
    line: number,
    section: string,
    key: string,
    message: string,
  ): void => {
    diagnostics.push({ severity, file, line, section, key, message });
  };

  for (const e of doc.errors) diag('error', e.line, e.group, e.key, e.message);
  for (const w of doc.warnings) diag('warning', w.line, w.group, w.key, w.message);

  for (const section of doc.sections.values()) {
    if (!isSectionName(section.name)) {
      if (unmodelledSections.has(section.name)) {
        for (const e of section.entries.values()) {
          diag(
            'warning',
            e.line,
            section.name,
            e.key,
            `${NO_EFFECT} (opendcv does not model [${section.name}])`,
          );
          entries.push({ section: section.name, key: e.key, line: e.line, raw: e.raw });
        }
        continue;
      }
      const near = closeSection(section.name);
      diag(
        'warning',
        section.line,
        section.name,
        '',
        near ? `unknown section, ignored (did you mean [${near}]?)` : 'unknown section, ignored',
      );
      for (const e of section.entries.values())
        entries.push({ section: section.name, key: e.key, line: e.line, raw: e.raw });
      continue;
    }
    for (const e of section.entries.values()) {
      const spec = keySpec(section.name, e.key);
      if (spec === undefined) {
        const elsewhere = sectionsWithKey(e.key);
        const hint =
          elsewhere.length > 0 ? ` (it belongs in ${elsewhere.map((s) => `[${s}]`).join(' or ')})` : '';
        diag('warning', e.line, section.name, e.key, `unknown key, ignored${hint}`);
        entries.push({ section: section.name, key: e.key, line: e.line, raw: e.raw });
        continue;
      }
      const decoded = decodeRaw(spec, e.raw);
      if (!decoded.ok && spec.acts) {
        // Key files have no end-of-line comments; `8443 # default` is a common slip worth naming.
        const hint =
          e.raw.kind === 'text' && /\s#/.test(e.raw.text) ? ' (comments must be on a line of their own)' : '';
        diag('error', e.line, section.name, e.key, decoded.message + hint);
        entries.push({ section: section.name, key: e.key, line: e.line, raw: e.raw, spec });
        continue;
      }
      // One warning per line: how the value was read, and for a key without effect that it has none.
      const notes: string[] = [];
      if (!decoded.ok) notes.push(`${decoded.message}; the default stays`);
      else if (decoded.warning !== undefined) notes.push(decoded.warning);
      if (spec.deprecated) notes.push('deprecated; DCV no longer uses this key');
      else if (!spec.acts) notes.push(NO_EFFECT);
      if (notes.length > 0) diag('warning', e.line, section.name, e.key, notes.join('; '));
      if (!decoded.ok) {
        entries.push({ section: section.name, key: e.key, line: e.line, raw: e.raw, spec });
        continue;
      }
      let sectionValues = values.get(section.name);
      if (sectionValues === undefined) values.set(section.name, (sectionValues = new Map()));
      sectionValues.set(e.key, decoded.value);
      entries.push({
        section: section.name,
        key: e.key,
        line: e.line,
        raw: e.raw,
        spec,
        value: decoded.value,
      });
    }
  }

  diagnostics.sort((a, b) => a.line - b.line);
  return {
    file,
    format: doc.format,
    bytes,
    config: buildConfig(values),
    entries,
    diagnostics,
    valid: !hasErrors(diagnostics),
  };
}

/** Loads dcv.conf text. The result also carries the entries and bytes `diffConfigs` needs. */
export function loadDcvConf(text: string, file: string): LoadedConfig {
  return loadRawDocument(rawDocumentFromKeyFile(parseKeyFile(text)), file, new TextEncoder().encode(text));
}

/** Loads a Windows .reg export of DCV's registry key. */
export function loadRegExport(bytes: Uint8Array, file: string): LoadedConfig {
  return loadRawDocument(parseRegExport(bytes), file, bytes);
}

/** Loads either format, told apart by content: a .reg export starts with its header (after any BOM). */
export function loadConfigFile(bytes: Uint8Array, file: string): LoadedConfig {
  if (looksLikeRegExport(bytes)) return loadRegExport(bytes, file);
  const text = new TextDecoder('utf-8').decode(bytes);
  const loaded = loadRawDocument(rawDocumentFromKeyFile(parseKeyFile(text)), file, bytes);
  const bad = text.split(/\r\n|\n|\r/).findIndex((l) => l.includes('\uFFFD'));
  if (bad >= 0) {
    // GLib refuses a key file that is not UTF-8; say where the first bad byte is.
    loaded.diagnostics.unshift({
      severity: 'error',
      file,
      line: bad + 1,
      section: '',
      key: '',
      message: 'this line is not valid UTF-8',
    });
    return { ...loaded, valid: false };
  }
  return loaded;
}

// The format-neutral middle of loading: sections and keys with their stored (untyped) values and line
// numbers, as read from a dcv.conf or from a Windows .reg export, plus the problems the reader found.
import type { KeyFile, KeyFileIssue } from './key-file.js';
import type { RawValue } from './value-codec.js';

export type ConfigFormat = 'dcv.conf' | 'reg';

export interface RawEntry {
  readonly section: string;
  readonly key: string;
  readonly raw: RawValue;
  readonly line: number;
}

export interface RawSection {
  readonly name: string;
  readonly line: number;
  readonly entries: ReadonlyMap<string, RawEntry>;
}

export interface RawDocument {
  readonly format: ConfigFormat;
  /** In order of first appearance. */
  readonly sections: ReadonlyMap<string, RawSection>;
  readonly errors: readonly KeyFileIssue[];
  readonly warnings: readonly KeyFileIssue[];
}

export function rawDocumentFromKeyFile(kf: KeyFile): RawDocument {
  const sections = new Map<string, RawSection>();
  for (const group of kf.groups.values()) {
    const entries = new Map<string, RawEntry>();
    for (const e of group.entries.values()) {
      entries.set(e.key, {
        section: group.name,
        key: e.key,
        raw: { kind: 'text', text: e.value },
        line: e.line,
      });
    }
    sections.set(group.name, { name: group.name, line: group.line, entries });
  }
  return { format: 'dcv.conf', sections, errors: kf.errors, warnings: kf.warnings };
}

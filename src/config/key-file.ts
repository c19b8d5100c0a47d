// GLib key-file reader (the dcv.conf container): text in, groups and raw key values with their line
// numbers out. Values stay raw text here; typing them is the schema's job.

export interface KeyFileEntry {
  readonly key: string;
  /** The text after `=`, trimmed; GSettings hands it unescaped to the GVariant parser. */
  readonly value: string;
  /** 1-based line of the assignment that won (the last one in the file). */
  readonly line: number;
}

export interface KeyFileGroup {
  readonly name: string;
  /** Line of the group's first header; a repeated header merges into this group. */
  readonly line: number;
  /** In order of first appearance; a repeated key keeps its first place and takes the last value. */
  readonly entries: ReadonlyMap<string, KeyFileEntry>;
}

export interface KeyFileIssue {
  readonly line: number;
  /** The group the line belongs to ('' before the first header). */
  readonly group: string;
  readonly key: string;
  readonly message: string;
}

export interface KeyFile {
  /** In order of first appearance. */
  readonly groups: ReadonlyMap<string, KeyFileGroup>;
  /** Lines GLib would refuse; each one is skipped and the rest of the file still read. */
  readonly errors: readonly KeyFileIssue[];
  /** Legal but suspicious: a key set twice (the later line wins, as in GLib). */
  readonly warnings: readonly KeyFileIssue[];
}

// GLib refuses group names with brackets or control characters, and empty ones.
const GROUP_NAME = /^[^[\]\x00-\x1f\x7f]+$/;
// A key is anything up to `=` without brackets, except GLib's trailing locale suffix `key[de_DE]`.
const KEY_NAME = /^[^=[\]\s][^=[\]]*(\[[^\]=]+\])?$/;

export function parseKeyFile(text: string): KeyFile {
  const groups = new Map<string, { name: string; line: number; entries: Map<string, KeyFileEntry> }>();
  const errors: KeyFileIssue[] = [];
  const warnings: KeyFileIssue[] = [];
  // A leading byte-order mark is not part of the first line.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let current: { name: string; line: number; entries: Map<string, KeyFileEntry> } | undefined;
  let afterBadHeader = false;

  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;

    if (trimmed.startsWith('[')) {
      const name = trimmed.endsWith(']') ? trimmed.slice(1, -1) : undefined;
      if (name === undefined || !GROUP_NAME.test(name) || name.trim() !== name) {
        errors.push({
          line,
          group: current?.name ?? '',
          key: '',
          message: `malformed group header '${trimmed}' (write [name])`,
        });
        // Keys that follow a broken header would land in the wrong group; drop them until the next good header.
        current = undefined;
        afterBadHeader = true;
        return;
      }
      afterBadHeader = false;
      current = groups.get(name);
      if (current === undefined) {
        current = { name, line, entries: new Map() };
        groups.set(name, current);
      }
      return;
    }

    const eq = raw.indexOf('=');
    if (eq < 0) {
      errors.push({
        line,
        group: current?.name ?? '',
        key: '',
        message: `'${trimmed}' is neither a [group] header, a key=value line nor a # comment`,
      });
      return;
    }
    const key = raw.slice(0, eq).trim();
    const value = raw.slice(eq + 1).trim();
    if (!KEY_NAME.test(key)) {
      errors.push({
        line,
        group: current?.name ?? '',
        key,
        message: key === '' ? 'a key name is missing before =' : `'${key}' is not a valid key name`,
      });
      return;
    }
    if (current === undefined) {
      if (!afterBadHeader)
        errors.push({ line, group: '', key, message: 'a key appears before any [group] header' });
      return;
    }
    const previous = current.entries.get(key);
    if (previous !== undefined) {
      warnings.push({
        line,
        group: current.name,
        key,
        message: `set again; the value on line ${previous.line} is overridden`,
      });
    }
    // Map.set on an existing key keeps its first position, as GLib does.
    current.entries.set(key, { key, value, line });
  });

  return { groups, errors, warnings };
}

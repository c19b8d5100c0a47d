// Windows Registry Editor exports (.reg) of DCV's GSettings key: bytes (UTF-16LE with BOM as regedit writes
// them, or UTF-8) to the same section/key model dcv.conf gives, and entries back to a regedit-style export.
import type { KeyFileIssue } from './key-file.js';
import type { RawDocument, RawEntry, RawSection } from './raw-document.js';
import type { RawValue } from './value-codec.js';

/** Where DCV keeps its configuration on Windows (LocalSystem's GSettings tree, schema com.nicesoftware.dcv). */
export const DCV_REGISTRY_ROOT = 'HKEY_USERS\\S-1-5-18\\Software\\GSettings\\com\\nicesoftware\\dcv';

const HEADER_5 = 'Windows Registry Editor Version 5.00';
const HEADER_4 = 'REGEDIT4';

function decodeUtf16le(bytes: Uint8Array, start: number): string {
  let out = '';
  const chunk: number[] = [];
  for (let i = start; i + 1 < bytes.length; i += 2) {
    chunk.push(bytes[i]! | (bytes[i + 1]! << 8));
    if (chunk.length === 4096) {
      out += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  return out + String.fromCharCode(...chunk);
}

function encodeUtf16leWithBom(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 + i * 2] = c & 0xff;
    out[3 + i * 2] = c >> 8;
  }
  return out;
}

/** Text of a .reg file: UTF-16LE when it has the FF FE mark (or looks like UTF-16LE without it), else UTF-8. */
export function decodeRegText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16le(bytes, 2);
  if (bytes.length >= 2 && bytes[0] !== 0 && bytes[1] === 0) return decodeUtf16le(bytes, 0);
  return new TextDecoder('utf-8').decode(bytes);
}

/** True when the bytes start (after any BOM and blank lines) with a Registry Editor header. */
export function looksLikeRegExport(bytes: Uint8Array): boolean {
  const head = decodeRegText(bytes.subarray(0, 512))
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith(HEADER_5) || head.startsWith(HEADER_4);
}

// A regedit quoted string: only \\ and \" are escapes.
function readQuoted(s: string, start: number): { value: string; end: number } | undefined {
  let out = '';
  for (let i = start + 1; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length) {
      out += s[++i];
      continue;
    }
    if (ch === '"') return { value: out, end: i + 1 };
    out += ch;
  }
  return undefined;
}

function hexBytes(data: string): number[] | undefined {
  const parts = data
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (!parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return parts.map((p) => parseInt(p, 16));
}

type ValueParse = { ok: true; raw: RawValue } | { ok: false; message: string; severity: 'error' | 'warning' };

function parseData(data: string): ValueParse {
  if (data.startsWith('"')) {
    const q = readQuoted(data, 0);
    if (q === undefined) return { ok: false, severity: 'error', message: 'unterminated string' };
    if (data.slice(q.end).trim() !== '')
      return { ok: false, severity: 'error', message: 'unexpected text after the string' };
    return { ok: true, raw: { kind: 'text', text: q.value, sz: true } };
  }
  const dword = /^dword:([0-9a-fA-F]{1,8})$/.exec(data);
  if (dword) return { ok: true, raw: { kind: 'dword', value: parseInt(dword[1]!, 16) } };
  if (data === '-')
    return {
      ok: false,
      severity: 'warning',
      message: 'a value deletion (=-) does not apply to an export; ignored',
    };
  const hex = /^hex(?:\(([0-9a-fA-F]+)\))?:(.*)$/s.exec(data);
  if (hex) {
    const type = hex[1] === undefined ? 3 : parseInt(hex[1], 16);
    const bytes = hexBytes(hex[2]!);
    if (bytes === undefined) return { ok: false, severity: 'error', message: 'malformed hex data' };
    if (type === 1 || type === 2) {
      // REG_SZ / REG_EXPAND_SZ written as hex: UTF-16LE text with a terminating NUL.
      return {
        ok: true,
        raw: { kind: 'text', text: decodeUtf16le(Uint8Array.from(bytes), 0).replace(/\0+$/, ''), sz: true },
      };
    }
    if (type === 4 && bytes.length === 4) {
      return {
        ok: true,
        raw: {
          kind: 'dword',
          value: (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0,
        },
      };
    }
    return {
      ok: false,
      severity: 'error',
      message: `registry value type ${type} is not one DCV uses (REG_SZ or REG_DWORD)`,
    };
  }
  return {
    ok: false,
    severity: 'error',
    message: `'${data}' is not a registry value ("text" or dword:XXXXXXXX)`,
  };
}

/** Reads a .reg export; keys outside DCV's root are reported and skipped. */
export function parseRegExport(bytes: Uint8Array): RawDocument {
  const lines = decodeRegText(bytes)
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/);
  const sections = new Map<string, { name: string; line: number; entries: Map<string, RawEntry> }>();
  const errors: KeyFileIssue[] = [];
  const warnings: KeyFileIssue[] = [];
  const rootLower = DCV_REGISTRY_ROOT.toLowerCase();
  let current: { name: string; line: number; entries: Map<string, RawEntry> } | undefined;
  let skipping = false; // inside a key outside DCV's root
  let sawHeader = false;

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let text = lines[i]!.trim();
    if (text === '' || text.startsWith(';')) continue;
    if (!sawHeader) {
      if (text !== HEADER_5 && text !== HEADER_4) {
        errors.push({ line, group: '', key: '', message: `not a registry export: expected '${HEADER_5}'` });
        return { format: 'reg', sections, errors, warnings };
      }
      sawHeader = true;
      continue;
    }
    if (text.startsWith('[')) {
      if (!text.endsWith(']')) {
        errors.push({ line, group: '', key: '', message: `malformed registry key line '${text}'` });
        current = undefined;
        skipping = true;
        continue;
      }
      let path = text.slice(1, -1).trim();
      if (path.startsWith('-')) {
        warnings.push({
          line,
          group: '',
          key: '',
          message: 'a key deletion ([-...]) does not apply to an export; ignored',
        });
        current = undefined;
        skipping = true;
        continue;
      }
      path = path.replace(/\\+$/, '');
      const lower = path.toLowerCase();
      if (lower !== rootLower && !lower.startsWith(rootLower + '\\')) {
        warnings.push({
          line,
          group: '',
          key: '',
          message: `registry key outside ${DCV_REGISTRY_ROOT}; ignored`,
        });
        current = undefined;
        skipping = true;
        continue;
      }
      // Each subkey level is one `/` of the section name: ...\dcv\display\linux → [display/linux].
      const name = path
        .slice(DCV_REGISTRY_ROOT.length + 1)
        .split('\\')
        .join('/');
      skipping = false;
      current = sections.get(name);
      if (current === undefined) {
        current = { name, line, entries: new Map() };
        sections.set(name, current);
      }
      continue;
    }
    // Hex data may continue over lines ending with a backslash.
    while (/^(?:"(?:[^"\\]|\\.)*"|@)\s*=\s*hex/.test(text) && text.endsWith('\\') && i + 1 < lines.length) {
      text = text.slice(0, -1) + lines[++i]!.trim();
    }
    if (skipping) continue;
    let name: string;
    let rest: string;
    if (text.startsWith('@')) {
      name = '';
      rest = text.slice(1);
    } else if (text.startsWith('"')) {
      const q = readQuoted(text, 0);
      if (q === undefined) {
        errors.push({ line, group: current?.name ?? '', key: '', message: 'unterminated value name' });
        continue;
      }
      name = q.value;
      rest = text.slice(q.end);
    } else {
      errors.push({
        line,
        group: current?.name ?? '',
        key: '',
        message: `'${text}' is neither a [key] line, a "name"=value line nor a ; comment`,
      });
      continue;
    }
    rest = rest.trimStart();
    if (!rest.startsWith('=')) {
      errors.push({
        line,
        group: current?.name ?? '',
        key: name,
        message: "expected '=' after the value name",
      });
      continue;
    }
    if (current === undefined) {
      errors.push({ line, group: '', key: name, message: 'a value appears before any [key] line' });
      continue;
    }
    if (name === '') {
      warnings.push({
        line,
        group: current.name,
        key: '',
        message: 'the default value (@) is not a DCV setting; ignored',
      });
      continue;
    }
    const data = parseData(rest.slice(1).trim());
    if (!data.ok) {
      (data.severity === 'error' ? errors : warnings).push({
        line,
        group: current.name,
        key: name,
        message: data.message,
      });
      continue;
    }
    if (current.name === '') {
      warnings.push({
        line,
        group: '',
        key: name,
        message: `a value directly under the dcv key is not in any section; ignored`,
      });
      continue;
    }
    const previous = current.entries.get(name);
    if (previous !== undefined) {
      warnings.push({
        line,
        group: current.name,
        key: name,
        message: `set again; the value on line ${previous.line} is overridden`,
      });
    }
    current.entries.set(name, { section: current.name, key: name, raw: data.raw, line });
  }
  if (!sawHeader)
    errors.push({ line: 1, group: '', key: '', message: `not a registry export: expected '${HEADER_5}'` });
  // The root key (section '') only groups the others; it is not a section of dcv.conf.
  sections.delete('');
  const out = new Map<string, RawSection>();
  for (const [k, v] of sections) out.set(k, v);
  return { format: 'reg', sections: out, errors, warnings };
}

function quoteReg(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface RegValueToWrite {
  readonly section: string;
  readonly key: string;
  readonly raw: RawValue;
}

/**
 * Writes a .reg export as Registry Editor does: UTF-16LE with BOM, CRLF, the root key and every
 * intermediate key present, keys in tree order, values in the order given.
 */
export function writeRegExport(values: readonly RegValueToWrite[]): Uint8Array {
  const bySection = new Map<string, RegValueToWrite[]>();
  for (const v of values) {
    const list = bySection.get(v.section) ?? [];
    list.push(v);
    bySection.set(v.section, list);
  }
  const keys = new Set<string>(['']);
  for (const section of bySection.keys()) {
    const parts = section.split('/');
    for (let i = 1; i <= parts.length; i++) keys.add(parts.slice(0, i).join('/'));
  }
  const ordered = [...keys].sort((a, b) => {
    const pa = a === '' ? [] : a.split('/');
    const pb = b === '' ? [] : b.split('/');
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
      const c = pa[i]!.toLowerCase().localeCompare(pb[i]!.toLowerCase());
      if (c !== 0) return c;
    }
    return pa.length - pb.length;
  });
  const lines: string[] = [HEADER_5, ''];
  for (const section of ordered) {
    lines.push(`[${DCV_REGISTRY_ROOT}${section === '' ? '' : '\\' + section.split('/').join('\\')}]`);
    for (const v of bySection.get(section) ?? []) {
      const data =
        v.raw.kind === 'dword'
          ? `dword:${(v.raw.value >>> 0).toString(16).padStart(8, '0')}`
          : quoteReg(v.raw.text);
      lines.push(`${quoteReg(v.key)}=${data}`);
    }
    lines.push('');
  }
  lines.push('');
  return encodeUtf16leWithBom(lines.join('\r\n'));
}

// Turns a raw configuration value (dcv.conf text, or a REG_SZ / REG_DWORD from a .reg export) into the
// typed value its key spec describes, and typed values back into GVariant text or registry data.
import { parseGVariant, printGVariant, quoteGVariantString, type GVariantValue } from './gvariant.js';
import { MISSING, type AnyKeySpec, type HeadLayout, type HttpHeader, type Resolution } from './key-spec.js';

/**
 * A value as stored: text (dcv.conf, or a REG_SZ with `sz`) or a REG_DWORD number. DCV stores a plain string
 * in a REG_SZ as it is, without GVariant quotes or escapes, so `sz` text of a string key is taken literally.
 */
export type RawValue =
  | { readonly kind: 'text'; readonly text: string; readonly sz?: true }
  | { readonly kind: 'dword'; readonly value: number };

export type DecodeResult =
  | { readonly ok: true; readonly value: unknown; readonly warning?: string }
  | { readonly ok: false; readonly message: string };

function describeText(text: string): string {
  return text === '' ? 'an empty value' : text;
}

// A GVariant tree as plain JS (tuples and arrays both become arrays, boxed values are unboxed) for the zod validators.
function toPlain(v: GVariantValue): unknown {
  switch (v.kind) {
    case 'string':
    case 'boolean':
    case 'int':
    case 'double':
      return v.value;
    case 'array':
    case 'tuple':
      return v.items.map(toPlain);
    case 'variant':
      return toPlain(v.value);
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const [k, val] of v.entries) out[k.kind === 'string' ? k.value : printGVariant(k)] = toPlain(val);
      return out;
    }
  }
}

function validate(spec: AnyKeySpec, plain: unknown, warning?: string): DecodeResult {
  const r = spec.validator.safeParse(plain);
  if (r.success)
    return warning === undefined ? { ok: true, value: r.data } : { ok: true, value: r.data, warning };
  const issue = r.error.issues[0]!;
  const where = issue.path.length > 0 ? describePath(spec, issue.path) : '';
  if (issue.message === MISSING) return { ok: false, message: `${where || 'a value'} is missing` };
  return { ok: false, message: where === '' ? issue.message : `${where}: ${issue.message}` };
}

function describePath(spec: AnyKeySpec, path: readonly PropertyKey[]): string {
  const [first, second] = path;
  if (spec.type === 'layout' && typeof first === 'number')
    return second === undefined ? `head ${first + 1}` : `head ${first + 1} '${String(second)}'`;
  if (spec.type === 'headers' && typeof first === 'number') return `header ${first + 1}`;
  if (spec.type === 'string-list' && typeof first === 'number') return `item ${first + 1}`;
  if (spec.type === 'resolution') return first === 0 ? 'width' : 'height';
  return path.map(String).join('.');
}

function normalizeEnum(spec: AnyKeySpec, s: string): string {
  const lower = s.toLowerCase();
  return spec.aliases?.[lower] ?? (spec.values?.includes(lower) ? lower : s);
}

// The non-GVariant spellings real files use and DCV runs with (`3840x2160`, `2560, 1440`): `[width, height]`.
function looseResolution(text: string): [number, number] | undefined {
  const m = /^\(?\s*(\d+)\s*[xX,*]\s*(\d+)\s*\)?$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Decodes text from dcv.conf or a REG_SZ. String keys take unparsable text as the raw string, as DCV files do. */
export function decodeText(spec: AnyKeySpec, text: string): DecodeResult {
  const parsed = parseGVariant(text);
  switch (spec.type) {
    case 'string':
    case 'enum': {
      // A bare word is a string as DCV files write them; a quote at either end means a quoted string was
      // meant, and one cut off (`"opendcv`) must not quietly become a value with a quote in it.
      if (!parsed.ok && /^['"]|['"]$/.test(text)) {
        return {
          ok: false,
          message: `${text} is not a quoted string (${parsed.message}); write '${text.replace(/^['"]|['"]$/g, '')}' with a quote at each end`,
        };
      }
      const s = parsed.ok && parsed.value.kind === 'string' ? parsed.value.value : text;
      return validate(spec, spec.type === 'enum' ? normalizeEnum(spec, s) : s);
    }
    case 'boolean':
      if (parsed.ok && parsed.value.kind === 'boolean') return { ok: true, value: parsed.value.value };
      return { ok: false, message: `${describeText(text)} is not true or false` };
    case 'integer':
      if (parsed.ok && parsed.value.kind === 'int') return validate(spec, parsed.value.value);
      return { ok: false, message: `${describeText(text)} is not an integer` };
    case 'string-list': {
      if (parsed.ok) {
        if (parsed.value.kind !== 'array') {
          const example = parsed.value.kind === 'string' ? `[${text}]` : "['a', 'b']";
          return { ok: false, message: `${describeText(text)} is not a list; write ${example}` };
        }
        return validate(spec, toPlain(parsed.value));
      }
      // DCV's own docs show `[endpoint1, endpoint2]`; accept unquoted items but say how to write them.
      const bare = /^\[(.*)\]$/s.exec(text);
      if (bare && !/['"]/.test(bare[1]!)) {
        const items = bare[1]!.trim() === '' ? [] : bare[1]!.split(',').map((s) => s.trim());
        return validate(
          spec,
          items,
          `list items should be quoted: ${printGVariant({ kind: 'array', items: items.map((value) => ({ kind: 'string', value })) })}`,
        );
      }
      return { ok: false, message: `${describeText(text)} is not a list of strings (${parsed.message})` };
    }
    case 'resolution': {
      if (parsed.ok && (parsed.value.kind === 'tuple' || parsed.value.kind === 'array'))
        return validate(spec, toPlain(parsed.value));
      const loose = looseResolution(text);
      if (loose !== undefined) return validate(spec, loose, `read as (${loose[0]}, ${loose[1]})`);
      return { ok: false, message: `${describeText(text)} is not a (width, height) pair like (1920, 1080)` };
    }
    case 'layout':
    case 'headers':
      if (!parsed.ok)
        return { ok: false, message: `${describeText(text)} is not valid GVariant text (${parsed.message})` };
      return validate(spec, toPlain(parsed.value));
  }
}

/** Decodes a REG_DWORD: DCV stores booleans as 0/1 and integers as 32-bit words (so -1 is 0xffffffff). */
export function decodeDword(spec: AnyKeySpec, dword: number): DecodeResult {
  if (spec.type === 'boolean') {
    if (dword === 0 || dword === 1) return { ok: true, value: dword === 1 };
    return { ok: false, message: `dword ${dword} is not 0 or 1` };
  }
  if (spec.type === 'integer') return validate(spec, dword | 0);
  return { ok: false, message: `a REG_DWORD (${dword}) was given where a REG_SZ string is expected` };
}

/** A REG_SZ: a string key's text is the value itself (`C:\\Program Files\\…` keeps its backslashes). */
export function decodeRegSz(spec: AnyKeySpec, text: string): DecodeResult {
  if (spec.type === 'string') {
    const quoted = /^(['"]).*\1$/s.test(text);
    return validate(
      spec,
      text,
      quoted
        ? 'a REG_SZ is taken as it is: the quotes are part of the value (DCV stores strings unquoted)'
        : undefined,
    );
  }
  // No allowed word contains a quote, so a quoted one ('none') can only mean the word.
  if (spec.type === 'enum') return validate(spec, normalizeEnum(spec, text.replace(/^(['"])(.*)\1$/s, '$2')));
  return decodeText(spec, text);
}

export function decodeRaw(spec: AnyKeySpec, raw: RawValue): DecodeResult {
  if (raw.kind === 'dword') return decodeDword(spec, raw.value);
  return raw.sz === true ? decodeRegSz(spec, raw.text) : decodeText(spec, raw.text);
}

function layoutTree(heads: readonly HeadLayout[]): GVariantValue {
  return {
    kind: 'array',
    items: heads.map((h) => ({
      kind: 'dict',
      entries: (['w', 'h', 'x', 'y'] as const).map(
        (k) =>
          [
            { kind: 'string', value: k },
            { kind: 'variant', value: { kind: 'int', value: h[k] } },
          ] as const,
      ),
    })),
  };
}

/** Canonical GVariant text of a typed value, as dcv.conf holds it (strings quoted). */
export function encodeGVariant(spec: AnyKeySpec, value: unknown): string {
  switch (spec.type) {
    case 'string':
    case 'enum':
      return quoteGVariantString(value as string);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'integer':
      return String(value);
    case 'string-list':
      return printGVariant({
        kind: 'array',
        items: (value as readonly string[]).map((s) => ({ kind: 'string', value: s })),
      });
    case 'resolution': {
      const [w, h] = value as Resolution;
      return `(${w}, ${h})`;
    }
    case 'layout':
      return printGVariant(layoutTree(value as readonly HeadLayout[]));
    case 'headers':
      return printGVariant({
        kind: 'array',
        items: (value as readonly HttpHeader[]).map(([n, v]) => ({
          kind: 'tuple',
          items: [
            { kind: 'string', value: n },
            { kind: 'string', value: v },
          ],
        })),
      });
  }
}

/** The registry form DCV uses on Windows: DWORD for booleans and integers, plain REG_SZ for strings, GVariant text otherwise. */
export function encodeRegistry(spec: AnyKeySpec, value: unknown): RawValue {
  switch (spec.type) {
    case 'boolean':
      return { kind: 'dword', value: value ? 1 : 0 };
    case 'integer':
      return { kind: 'dword', value: (value as number) >>> 0 };
    case 'string':
    case 'enum':
      return { kind: 'text', text: value as string, sz: true };
    default:
      return { kind: 'text', text: encodeGVariant(spec, value) };
  }
}

/**
 * A comparable form of a value whose type is unknown (unknown key) or which failed to decode: GVariant text
 * re-printed canonically, and text that is not GVariant taken as a string, so `'x'`, `"x"` and `x` agree.
 */
export function canonicalUntyped(raw: RawValue): string {
  if (raw.kind === 'dword') return String(raw.value | 0);
  const parsed = parseGVariant(raw.text);
  return parsed.ok ? printGVariant(parsed.value) : quoteGVariantString(raw.text);
}

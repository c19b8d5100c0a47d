// GVariant text format (the subset DCV writes in dcv.conf and the registry): parse text into a small
// tagged tree and print a tree back as canonical text. Knows nothing about dcv.conf keys.

export type GVariantValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'array'; readonly items: readonly GVariantValue[] }
  | { readonly kind: 'tuple'; readonly items: readonly GVariantValue[] }
  /** `{k: v, ...}`: one dict entry or a whole dictionary; GVariant text writes both with braces. */
  | { readonly kind: 'dict'; readonly entries: readonly (readonly [GVariantValue, GVariantValue])[] }
  /** `<v>`: a boxed value, as in DCV's layouts `{'w':<800>}`. */
  | { readonly kind: 'variant'; readonly value: GVariantValue };

export type GVariantParseResult =
  | { readonly ok: true; readonly value: GVariantValue }
  | { readonly ok: false; readonly message: string; readonly offset: number };

class ParseError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

// Type keywords GVariant allows before a number or string (`uint32 8443`); the value keeps its own kind.
const TYPE_KEYWORDS = new Set([
  'boolean',
  'byte',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'handle',
  'double',
  'string',
  'objectpath',
  'signature',
]);

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseAll(): GVariantValue {
    this.skipSpace();
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected '${this.text[this.pos]}' after the value`);
    return value;
  }

  private fail(message: string): never {
    throw new ParseError(message, this.pos);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private expect(ch: string): void {
    this.skipSpace();
    if (this.peek() !== ch)
      this.fail(this.pos >= this.text.length ? `expected '${ch}' before the end` : `expected '${ch}'`);
    this.pos++;
  }

  private parseValue(): GVariantValue {
    this.skipSpace();
    const ch = this.peek();
    if (ch === undefined) this.fail('a value is missing');
    if (ch === "'" || ch === '"') return { kind: 'string', value: this.parseString(ch) };
    if (ch === '[') return { kind: 'array', items: this.parseList('[', ']') };
    if (ch === '(') return { kind: 'tuple', items: this.parseList('(', ')') };
    if (ch === '{') return this.parseDict();
    if (ch === '<') {
      this.pos++;
      const inner = this.parseValue();
      this.expect('>');
      return { kind: 'variant', value: inner };
    }
    if (ch === '@') {
      // A type annotation (`@as []`): the tree has no types, so it is skipped.
      this.pos++;
      while (this.pos < this.text.length && !/\s/.test(this.text[this.pos]!)) this.pos++;
      return this.parseValue();
    }
    if (ch === '-' || ch === '+' || ch === '.' || /[0-9]/.test(ch)) return this.parseNumber();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (word === 'true' || word === 'false') {
      this.pos += word.length;
      return { kind: 'boolean', value: word === 'true' };
    }
    if (word === 'inf' || word === 'nan') {
      this.pos += word.length;
      return { kind: 'double', value: word === 'inf' ? Infinity : NaN };
    }
    if (word !== undefined && TYPE_KEYWORDS.has(word)) {
      this.pos += word.length;
      return this.parseValue();
    }
    this.fail(
      word !== undefined ? `'${word}' is not a GVariant value (strings need quotes)` : `unexpected '${ch}'`,
    );
  }

  private parseString(quote: string): string {
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('unterminated string');
      this.pos++;
      if (ch === quote) return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.text[this.pos];
      if (esc === undefined) this.fail('unterminated string');
      this.pos++;
      if (esc === 'u' || esc === 'U') {
        const len = esc === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`\\${esc} needs ${len} hex digits`);
        this.pos += len;
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) this.fail(`\\${esc}${hex} is not a Unicode character`);
        out += String.fromCodePoint(code);
      } else {
        // GVariant keeps any other escaped character as itself (\\, \', \").
        out += SIMPLE_ESCAPES[esc] ?? esc;
      }
    }
  }

  private parseList(open: string, close: string): GVariantValue[] {
    this.expect(open);
    const items: GVariantValue[] = [];
    this.skipSpace();
    if (this.peek() === close) {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.parseValue());
      this.skipSpace();
      const ch = this.peek();
      if (ch === ',') {
        this.pos++;
        // GVariant allows a trailing comma, which also marks a one-element tuple `(1,)`.
        this.skipSpace();
        if (this.peek() === close) {
          this.pos++;
          return items;
        }
        continue;
      }
      if (ch === close) {
        this.pos++;
        return items;
      }
      this.fail(ch === undefined ? `expected '${close}' before the end` : `expected ',' or '${close}'`);
    }
  }

  private parseDict(): GVariantValue {
    this.expect('{');
    const entries: [GVariantValue, GVariantValue][] = [];
    this.skipSpace();
    if (this.peek() === '}') {
      this.pos++;
      return { kind: 'dict', entries };
    }
    for (;;) {
      const key = this.parseValue();
      this.expect(':');
      const value = this.parseValue();
      entries.push([key, value]);
      this.skipSpace();
      const ch = this.peek();
      if (ch === ',') {
        this.pos++;
        continue;
      }
      if (ch === '}') {
        this.pos++;
        return { kind: 'dict', entries };
      }
      this.fail(ch === undefined ? "expected '}' before the end" : "expected ',' or '}'");
    }
  }

  private parseNumber(): GVariantValue {
    const rest = this.text.slice(this.pos);
    const hex = /^[-+]?0[xX][0-9a-fA-F]+(?![\w.])/.exec(rest);
    if (hex) {
      this.pos += hex[0].length;
      const negative = hex[0].startsWith('-');
      const magnitude = parseInt(hex[0].replace(/^[-+]?0[xX]/, ''), 16);
      return { kind: 'int', value: negative ? -magnitude : magnitude };
    }
    const dec = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?/.exec(rest);
    if (!dec) this.fail('malformed number');
    const after = rest[dec[0].length];
    // `3840x2160` or `12abc` must not read as a number followed by junk in a confusing place.
    if (after !== undefined && /[A-Za-z0-9_.]/.test(after))
      this.fail(`malformed number '${/^[^\s,)\]}>]*/.exec(rest)?.[0]}'`);
    this.pos += dec[0].length;
    const isDouble = /[.eE]/.test(dec[0]);
    const value = Number(dec[0]);
    if (!isDouble && !Number.isSafeInteger(value)) this.fail(`${dec[0]} is too large`);
    return { kind: isDouble ? 'double' : 'int', value };
  }
}

/** Parses one complete GVariant text value; anything left over is an error. */
export function parseGVariant(text: string): GVariantParseResult {
  try {
    return { ok: true, value: new Parser(text).parseAll() };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, message: e.message, offset: e.offset };
    throw e;
  }
}

/** Quotes a string as GVariant does (single quotes unless the text holds one and no double quote). */
export function quoteGVariantString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\v') out += '\\v';
    else if (ch === '\x07') out += '\\a';
    else if (ch.codePointAt(0)! < 0x20 || ch.codePointAt(0) === 0x7f)
      out += '\\u' + ch.codePointAt(0)!.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + quote;
}

function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  // Keep a decimal point so the text reads back as a double, as GLib prints them.
  const s = String(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** Prints a tree as canonical GVariant text, in the layout g_variant_print uses (`, ` and `: `). */
export function printGVariant(value: GVariantValue): string {
  switch (value.kind) {
    case 'string':
      return quoteGVariantString(value.value);
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'int':
      return String(value.value);
    case 'double':
      return formatDouble(value.value);
    case 'array':
      return `[${value.items.map(printGVariant).join(', ')}]`;
    case 'tuple':
      return value.items.length === 1
        ? `(${printGVariant(value.items[0]!)},)`
        : `(${value.items.map(printGVariant).join(', ')})`;
    case 'dict':
      return `{${value.entries.map(([k, v]) => `${printGVariant(k)}: ${printGVariant(v)}`).join(', ')}}`;
    case 'variant':
      return `<${printGVariant(value.value)}>`;
  }
}

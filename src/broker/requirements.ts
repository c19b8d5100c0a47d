// createSessions' `Requirements`: DCV Session Manager's placement expressions on server tags and host facts,
// e.g. `tag:os = 'linux' and server:Host.Memory.TotalBytes > 1024`. Pure: a parser that never throws (a bad
// expression is a value naming where it went wrong) and an evaluator over one server's facts.

/** `tag:KEY` (or a bare KEY, as DCV's own examples write tags) or `server:A.B.C` (a path into the Server object). */
export interface FactRef {
  readonly scope: 'tag' | 'server';
  readonly name: string;
}

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Requirement =
  | { readonly kind: 'and' | 'or'; readonly left: Requirement; readonly right: Requirement }
  | { readonly kind: 'not'; readonly operand: Requirement }
  | {
      readonly kind: 'compare';
      readonly fact: FactRef;
      readonly op: Comparison;
      readonly value: string | number;
    };

export type ParseResult =
  | { readonly ok: true; readonly requirement: Requirement | null }
  | { readonly ok: false; readonly error: string };

type Token =
  | { readonly t: 'word'; readonly v: string; readonly at: number }
  | { readonly t: 'string'; readonly v: string; readonly at: number }
  | { readonly t: 'number'; readonly v: number; readonly at: number }
  | { readonly t: 'op'; readonly v: Comparison; readonly at: number }
  | { readonly t: '(' | ')'; readonly at: number };

const MAX_LENGTH = 4096;
const MAX_DEPTH = 64;
const WORD = /[A-Za-z0-9_.:\-/]/;

function tokenize(text: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c, at: i++ });
    } else if (c === "'" || c === '"') {
      // A quote inside is written twice, as in SQL: 'o''neil'.
      const at = i++;
      let v = '';
      for (;;) {
        if (i >= text.length) return `unterminated string starting at position ${at + 1}`;
        if (text[i] === c) {
          if (text[i + 1] === c) {
            v += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i++];
      }
      out.push({ t: 'string', v, at });
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = (['!=', '<=', '>=', '<>'].includes(two) ? two : c) as string;
      if (op === '!') return `'!' at position ${i + 1} must be followed by '='`;
      out.push({ t: 'op', v: op === '<>' ? '!=' : (op as Comparison), at: i });
      i += op.length;
    } else if (/[0-9+-]/.test(c) && /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?(?![A-Za-z_:])/.test(text.slice(i))) {
      const m = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))!;
      out.push({ t: 'number', v: Number(m[0]), at: i });
      i += m[0].length;
    } else if (WORD.test(c)) {
      const at = i;
      while (i < text.length && WORD.test(text[i]!)) i++;
      out.push({ t: 'word', v: text.slice(at, i), at });
    } else {
      return `unexpected '${c}' at position ${i + 1}`;
    }
  }
  return out;
}

/** Parses a Requirements expression; an empty one is null (every server fits). */
export function parseRequirements(text: string): ParseResult {
  if (text.length > MAX_LENGTH)
    return { ok: false, error: `Requirements is longer than ${MAX_LENGTH} characters` };
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { ok: false, error: tokens };
  if (tokens.length === 0) return { ok: true, requirement: null };
  let pos = 0;
  const where = (): string => (pos < tokens.length ? `at position ${tokens[pos]!.at + 1}` : 'at the end');
  const keyword = (k: string): boolean => {
    const tok = tokens[pos];
    return tok?.t === 'word' && tok.v.toLowerCase() === k;
  };
  class Fail {
    constructor(readonly error: string) {}
  }

  const orExpr = (depth: number): Requirement => {
    let left = andExpr(depth);
    while (keyword('or')) {
      pos++;
      left = { kind: 'or', left, right: andExpr(depth) };
    }
    return left;
  };
  const andExpr = (depth: number): Requirement => {
    let left = unary(depth);
    while (keyword('and')) {
      pos++;
      left = { kind: 'and', left, right: unary(depth) };
    }
    return left;
  };
  const unary = (depth: number): Requirement => {
    if (depth > MAX_DEPTH) throw new Fail(`Requirements nests deeper than ${MAX_DEPTH} levels`);
    if (keyword('not')) {
      pos++;
      return { kind: 'not', operand: unary(depth + 1) };
    }
    const tok = tokens[pos];
    if (tok?.t === '(') {
      pos++;
      const inner = orExpr(depth + 1);
      if (tokens[pos]?.t !== ')') throw new Fail(`expected ')' ${where()}`);
      pos++;
      return inner;
    }
    return comparison();
  };
  const comparison = (): Requirement => {
    const key = tokens[pos];
    if (key?.t !== 'word' || ['and', 'or', 'not'].includes(key.v.toLowerCase()))
      throw new Fail(`expected a tag or server property ${where()}`);
    pos++;
    const fact = factRef(key.v);
    if (typeof fact === 'string') throw new Fail(`${fact} at position ${key.at + 1}`);
    const op = tokens[pos];
    if (op?.t !== 'op') throw new Fail(`expected a comparison (=, !=, <, <=, >, >=) ${where()}`);
    pos++;
    const value = tokens[pos];
    if (value?.t !== 'string' && value?.t !== 'number')
      throw new Fail(`expected a quoted value or a number ${where()}`);
    pos++;
    return { kind: 'compare', fact, op: op.v, value: value.v };
  };

  try {
    const requirement = orExpr(0);
    if (pos < tokens.length) return { ok: false, error: `unexpected text ${where()}` };
    return { ok: true, requirement };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    throw e;
  }
}

function factRef(word: string): FactRef | string {
  const colon = word.indexOf(':');
  if (colon === -1) return { scope: 'tag', name: word };
  const scope = word.slice(0, colon).toLowerCase();
  const name = word.slice(colon + 1);
  if (name === '') return `'${word}' names no key`;
  if (scope === 'tag') return { scope: 'tag', name };
  if (scope === 'server') {
    if (name.split('.').some((p) => p === ''))
      return `'${word}' is not a property path such as server:Host.Memory.TotalBytes`;
    return { scope: 'server', name };
  }
  return `'${scope}:' is not a known prefix (use tag: or server:)`;
}

/** What a requirement is evaluated against: the server's tags and its description (the API's Server object). */
export interface ServerFacts {
  readonly tags: Readonly<Record<string, string>>;
  readonly server: unknown;
}

function lookup(facts: ServerFacts, ref: FactRef): string | number | undefined {
  if (ref.scope === 'tag')
    return Object.prototype.hasOwnProperty.call(facts.tags, ref.name) ? facts.tags[ref.name] : undefined;
  let v: unknown = facts.server;
  for (const part of ref.name.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, part))
      return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

function compare(op: Comparison, a: number | string, b: number | string): boolean {
  const c = a < b ? -1 : a > b ? 1 : 0;
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** Whether a server meets the requirement. A fact the server lacks fails every comparison on it. */
export function meetsRequirement(requirement: Requirement | null, facts: ServerFacts): boolean {
  if (requirement === null) return true;
  switch (requirement.kind) {
    case 'and':
      return meetsRequirement(requirement.left, facts) && meetsRequirement(requirement.right, facts);
    case 'or':
      return meetsRequirement(requirement.left, facts) || meetsRequirement(requirement.right, facts);
    case 'not':
      return !meetsRequirement(requirement.operand, facts);
    case 'compare': {
      const actual = lookup(facts, requirement.fact);
      if (actual === undefined) return false;
      const want = requirement.value;
      // Numbers compare as numbers when both sides are numeric ('4' = 4); everything else as text.
      const an = typeof actual === 'number' ? actual : actual.trim() !== '' ? Number(actual) : NaN;
      const wn = typeof want === 'number' ? want : want.trim() !== '' ? Number(want) : NaN;
      if (!Number.isNaN(an) && !Number.isNaN(wn)) return compare(requirement.op, an, wn);
      return compare(requirement.op, String(actual), String(want));
    }
  }
}

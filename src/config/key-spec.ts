// What one dcv.conf key is: its value type, default, allowed values, reload context and provenance,
// plus the constructors the schema table is written with. Validators are zod schemas over plain values.
import { z } from 'zod';

/** When DCV reads the key again (DCV-REFERENCE §1 "Reload contexts"). */
export type Reload = 'server' | 'session' | 'connection' | 'custom';

export type ValueType =
  'boolean' | 'integer' | 'string' | 'enum' | 'string-list' | 'resolution' | 'layout' | 'headers';

/** One head of a display layout, as DCV writes it: `{'w':<800>, 'h':<600>, 'x':<0>, 'y':<0>}`. */
export interface HeadLayout {
  readonly w: number;
  readonly h: number;
  readonly x: number;
  readonly y: number;
}
/** `(width, height)`. */
export type Resolution = readonly [number, number];
/** `("Header-Name", "value")`, one element of web-extra-http-headers. */
export type HttpHeader = readonly [string, string];

export interface KeyMeta {
  /** First DCV version listing the key. */
  readonly since?: string;
  /** Not a DCV key: an opendcv addition. */
  readonly extension?: boolean;
  readonly deprecated?: boolean;
  /** The reference could not confirm the type or default; opendcv's choice is documented. */
  readonly unverified?: boolean;
  /** DCV honours the key only on this platform; opendcv accepts it everywhere. */
  readonly platform?: 'windows' | 'linux';
}

export interface KeySpec<T> extends KeyMeta {
  /**
   * opendcv acts on the key (`acts(…)` in the schema). Otherwise the key is accepted for compatibility and has
   * no effect: the loader warns once, and a bad value is a warning that keeps the default, never an error.
   */
  readonly acts: boolean;
  readonly type: ValueType;
  readonly default: T;
  readonly reload: Reload;
  /** One line for docs and `--help`. */
  readonly summary: string;
  /** enum: the canonical (lower-case) values. */
  readonly values?: readonly string[];
  /** enum: other spellings accepted and mapped to a canonical value (`warning` → `warn`). */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly min?: number;
  readonly max?: number;
  /** integer: the only values allowed (audio source-channels). */
  readonly oneOf?: readonly number[];
  /** Checks a plain value already shaped like T; its issue messages are shown to the administrator. */
  readonly validator: z.ZodType<T>;
}

// The schema table uses any KeySpec; its value types are recovered with ValueOfKey.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKeySpec = KeySpec<any>;
export type ValueOfKey<S> = S extends KeySpec<infer T> ? T : never;

/** Marks a key opendcv acts on (the constructors make keys that are accepted without effect). */
export function acts<S extends AnyKeySpec>(spec: S): S {
  return { ...spec, acts: true };
}

/** The message of an issue about a field that is absent; the codec words it with the field's name. */
export const MISSING = 'missing';

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `out of range (${min}-${max})`;
  if (min !== undefined) return `below the minimum ${min}`;
  return `above the maximum ${max}`;
}

function integerSchema(
  min: number | undefined,
  max: number | undefined,
  what = 'an integer',
): z.ZodType<number> {
  let s = z.int({
    error: (iss) => (iss.input === undefined ? MISSING : `${show(iss.input)} is not ${what}`),
  });
  const range = (iss: { input?: unknown }): string => `${show(iss.input)} is ${rangeText(min, max)}`;
  if (min !== undefined) s = s.min(min, { error: range });
  if (max !== undefined) s = s.max(max, { error: range });
  return s;
}

export function booleanKey(
  def: boolean,
  reload: Reload,
  summary: string,
  meta: KeyMeta = {},
): KeySpec<boolean> {
  return {
    type: 'boolean',
    default: def,
    reload,
    summary,
    ...meta,
    acts: false,
    validator: z.boolean({ error: (iss) => `${show(iss.input)} is not true or false` }),
  };
}

export function integerKey(
  def: number,
  reload: Reload,
  summary: string,
  opts: KeyMeta & { min?: number; max?: number; oneOf?: readonly number[] } = {},
): KeySpec<number> {
  const { min, max, oneOf, ...meta } = opts;
  let validator = integerSchema(min, max);
  if (oneOf !== undefined) {
    validator = validator.refine((n) => oneOf.includes(n), {
      error: (iss) => `${show(iss.input)} is not one of ${oneOf.join(', ')}`,
    });
  }
  return { type: 'integer', default: def, reload, summary, ...meta, acts: false, min, max, oneOf, validator };
}

/** `check` returns a message when the text is not acceptable (e.g. a URL path without a leading /). */
export function stringKey(
  def: string,
  reload: Reload,
  summary: string,
  opts: KeyMeta & { check?: (s: string) => string | undefined } = {},
): KeySpec<string> {
  const { check, ...meta } = opts;
  let validator: z.ZodType<string> = z.string({ error: (iss) => `${show(iss.input)} is not a string` });
  if (check !== undefined) {
    validator = z.string().superRefine((s, ctx) => {
      const problem = check(s);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });
  }
  return { type: 'string', default: def, reload, summary, ...meta, acts: false, validator };
}

export function enumKey<const V extends readonly [string, ...string[]]>(
  values: V,
  def: V[number],
  reload: Reload,
  summary: string,
  opts: KeyMeta & { aliases?: Readonly<Record<string, V[number]>> } = {},
): KeySpec<V[number]> {
  const { aliases, ...meta } = opts;
  const validator = z.enum(values, {
    error: (iss) => `${show(iss.input)} is not one of: ${values.join(', ')}`,
  }) as unknown as z.ZodType<V[number]>;
  return { type: 'enum', default: def, reload, summary, ...meta, acts: false, values, aliases, validator };
}

export function stringListKey(
  def: readonly string[],
  reload: Reload,
  summary: string,
  opts: KeyMeta & { checkItem?: (s: string) => string | undefined } = {},
): KeySpec<readonly string[]> {
  const { checkItem, ...meta } = opts;
  const item = z.string({ error: (iss) => `${show(iss.input)} is not a string` }).superRefine((s, ctx) => {
    const problem = checkItem?.(s);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
  const validator = z.array(item, { error: () => "expected a list of strings like ['a', 'b']" }).readonly();
  return { type: 'string-list', default: def, reload, summary, ...meta, acts: false, validator };
}

/** A `(width, height)` pair; `allowZero` for keys where `(0, 0)` means "no limit". */
export function resolutionKey(
  def: Resolution,
  reload: Reload,
  summary: string,
  opts: KeyMeta & { allowZero?: boolean } = {},
): KeySpec<Resolution> {
  const { allowZero, ...meta } = opts;
  const side = integerSchema(
    allowZero ? 0 : 1,
    65535,
    allowZero ? 'a width or height (0 or more)' : 'a width or height (1 or more)',
  );
  const validator = z
    .tuple([side, side], { error: () => 'expected a (width, height) pair like (1920, 1080)' })
    .readonly();
  return { type: 'resolution', default: def, reload, summary, ...meta, acts: false, validator };
}

export function layoutKey(
  def: readonly HeadLayout[],
  reload: Reload,
  summary: string,
  meta: KeyMeta = {},
): KeySpec<readonly HeadLayout[]> {
  const size = integerSchema(1, 65535, 'a size in pixels (1 or more)');
  const offset = integerSchema(-65535, 65535, 'an offset in pixels');
  const head = z
    .strictObject(
      { w: size, h: size, x: offset, y: offset },
      {
        error: (iss) =>
          iss.code === 'unrecognized_keys'
            ? `unknown field ${iss.keys?.map((k) => `'${k}'`).join(', ')}`
            : "expected {'w':<W>, 'h':<H>, 'x':<X>, 'y':<Y>}",
      },
    )
    .readonly();
  const validator = z
    .array(head, { error: () => "expected a list like [{'w':<1920>, 'h':<1080>, 'x':<0>, 'y':<0>}]" })
    .readonly();
  return { type: 'layout', default: def, reload, summary, ...meta, acts: false, validator };
}

export function headersKey(
  def: readonly HttpHeader[],
  reload: Reload,
  summary: string,
  meta: KeyMeta = {},
): KeySpec<readonly HttpHeader[]> {
  const name = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, {
    error: (iss) => `${show(iss.input)} is not an HTTP header name`,
  });
  const value = z
    .string()
    .regex(/^[^\r\n]*$/, { error: () => 'a header value may not contain a line break' });
  const validator = z
    .array(z.tuple([name, value]).readonly(), {
      error: () => `expected a list like [("Header-Name", "value")]`,
    })
    .readonly();
  return { type: 'headers', default: def, reload, summary, ...meta, acts: false, validator };
}

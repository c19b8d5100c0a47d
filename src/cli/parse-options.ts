// Option parsing shared by the `dcv` subcommands (node:util parseArgs), turning its exceptions into a
// one-line USAGE error that names the command and how to get help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DcvError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** How many positional arguments a command takes, and how its usage names them. */
export interface PositionalSpec<N extends number = number> {
  readonly min: N;
  readonly max: number;
  readonly names: string;
}

/** Most commands take options only. */
export const NO_ARGUMENTS: PositionalSpec<0> = { min: 0, max: 0, names: '' };
/** The session commands' one SESSION_ID. */
export const SESSION_ID_ARGUMENT: PositionalSpec<1> = { min: 1, max: 1, names: 'SESSION_ID' };

/** The positionals, as many strings as `min` guarantees (so `positionals[0]` needs no `!`). */
type AtLeast<N extends number> = N extends 2
  ? [string, string, ...string[]]
  : N extends 1
    ? [string, ...string[]]
    : string[];

type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

export interface ParsedOptions<O extends Options = Options, N extends number = number> {
  readonly values: Readonly<Parsed<O>['values']>;
  readonly positionals: AtLeast<N>;
}

export function parseOptions<const O extends Options, N extends number = 0>(
  command: string,
  args: string[],
  options: O,
  positionals: PositionalSpec<N> = NO_ARGUMENTS as PositionalSpec<N>,
): ParsedOptions<O, N> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new DcvError(
      'USAGE',
      `dcv ${command}: ${firstSentence((e as Error).message)} (see 'dcv ${command} --help').`,
    );
  }
  const n = parsed.positionals.length;
  if (n < positionals.min || n > positionals.max) {
    throw new DcvError(
      'USAGE',
      n < positionals.min
        ? `dcv ${command}: missing ${positionals.names} (see 'dcv ${command} --help').`
        : `dcv ${command}: unexpected argument '${parsed.positionals[positionals.max]}' (see 'dcv ${command} --help').`,
    );
  }
  // The count was just checked against `min`, which is what AtLeast<N> promises.
  return { values: parsed.values, positionals: parsed.positionals as AtLeast<N> };
}

/** A whole number option, or a USAGE error naming the option. */
export function integerOption(command: string, name: string, value: string): number;
export function integerOption(
  command: string,
  name: string,
  value: string | boolean | undefined,
): number | undefined;
export function integerOption(
  command: string,
  name: string,
  value: string | boolean | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new DcvError('USAGE', `dcv ${command}: --${name} needs a value.`);
  if (!/^-?\d+$/.test(value))
    throw new DcvError('USAGE', `dcv ${command}: --${name} must be a whole number, not '${value}'.`);
  return Number(value);
}

/** A string option the command cannot do without, or a USAGE error: "--session SESSION_ID is required". */
export function requiredOption(
  command: string,
  name: string,
  value: string | boolean | undefined,
  placeholder?: string,
): string {
  if (typeof value === 'string' && value !== '') return value;
  const what = placeholder === undefined ? `--${name}` : `--${name} ${placeholder}`;
  throw new DcvError('USAGE', `dcv ${command}: ${what} is required (see 'dcv ${command} --help').`);
}

/**
 * Which one of options that exclude each other was given, or a USAGE error when none or several were:
 * "give exactly one of --name NAME or --none". `shown` lists them as the error should.
 */
export function exactlyOneOption<K extends string>(
  command: string,
  values: Readonly<Record<string, unknown>>,
  names: readonly K[],
  shown: string,
): K {
  const given = names.filter((n) => values[n] !== undefined);
  if (given.length === 1) return given[0]!;
  throw new DcvError('USAGE', `dcv ${command}: give exactly one of ${shown} (see 'dcv ${command} --help').`);
}

/** parseArgs explains at length; the user needs its first sentence. */
function firstSentence(message: string): string {
  const m = /^[^\n]*?\.(?=\s|$)/.exec(message);
  return (m?.[0] ?? message.split('\n')[0] ?? message).replace(/\.$/, '');
}

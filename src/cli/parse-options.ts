// Option parsing shared by the `dcv` subcommands (node:util parseArgs), turning its exceptions into a
// one-line USAGE error that names the command and how to get help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DcvError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedOptions {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: string[];
}

export function parseOptions(
  command: string,
  args: string[],
  options: Options,
  positionals: { min: number; max: number; names: string },
): ParsedOptions {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new DcvError('USAGE', `dcv ${command}: ${firstSentence((e as Error).message)} (see 'dcv ${command} --help').`);
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
  return { values: parsed.values as ParsedOptions['values'], positionals: parsed.positionals };
}

/** A whole number option, or a USAGE error naming the option. */
export function integerOption(command: string, name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new DcvError('USAGE', `dcv ${command}: --${name} needs a value.`);
  if (!/^-?\d+$/.test(value)) throw new DcvError('USAGE', `dcv ${command}: --${name} must be a whole number, not '${value}'.`);
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
  values: ParsedOptions['values'],
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

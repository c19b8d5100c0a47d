// The shape every `dcv` subcommand has, so main.ts can dispatch, print help and turn a DcvError into
// one line on stderr and an exit status. Subcommand families live one per file (sessions.ts, license.ts…).
import type { HostPaths } from '../host-paths.js';

export interface CliIo {
  /** Write to standard output exactly what is given (add your own newlines). */
  out(text: string): void;
  /** Write to standard error exactly what is given. */
  err(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly paths: HostPaths;
  readonly cwd: string;
}

export interface CliCommand {
  /** As typed after `dcv`, e.g. `create-session` or `license show`. */
  readonly name: string;
  /** One line for `dcv --help`. */
  readonly summary: string;
  /** Usage line(s) for `dcv NAME --help`, without the leading `Usage: `. */
  readonly usage: string;
  /** Runs with the arguments after the name; resolves to the exit status. Throws DcvError for user errors. */
  run(args: string[], io: CliIo): Promise<number>;
}

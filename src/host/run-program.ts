// How every opendcv command ends: the exit status of its main, or, for a DcvError, its one-line message
// and catalogued status. Only a real bug prints a stack trace.
import { DcvError } from '../errors.js';

export function runProgram(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof DcvError) {
        process.stderr.write(`${e.message}\n`);
        process.exitCode = e.exitStatus;
      } else {
        process.stderr.write(`${name}: internal error: ${(e as Error).stack ?? String(e)}\n`);
        process.exitCode = 1;
      }
    },
  );
}

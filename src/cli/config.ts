// `dcv config check|diff`: validate a dcv.conf (or .reg export) the way dcvserver will at start, and
// compare two configurations by meaning, as the upgrade's compare step does.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  diffConfigs,
  formatChange,
  formatDiagnostic,
  loadConfigFile,
  type LoadedConfig,
} from '../config/index.js';
import { DcvError } from '../errors.js';
import type { CliCommand, CliIo } from './command.js';
import { parseOptions } from './parse-options.js';

function readConfig(path: string): LoadedConfig {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new DcvError('CONFIG_UNREADABLE', `Cannot read ${path}: ${reason}.`);
  }
  return loadConfigFile(bytes, path);
}

export const configCheck: CliCommand = {
  name: 'config check',
  summary: 'Check dcv.conf (or a Windows .reg export) as dcvserver will at start',
  usage:
    'dcv config check [FILE]\n\nFILE defaults to the configured dcv.conf. Exits 0 when the server would start with it.',
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals } = parseOptions('config check', args, {}, { min: 0, max: 1, names: 'FILE' });
    const given = positionals[0];
    const path = given === undefined ? io.paths.configFile : resolve(io.cwd, given);
    if (given === undefined && !existsSync(path)) {
      // DCV runs on its defaults when there is no dcv.conf; that is a valid configuration.
      io.out(`${path} does not exist; the defaults apply\n`);
      return 0;
    }
    const loaded = readConfig(path);
    for (const d of loaded.diagnostics) io.out(`${formatDiagnostic(d)}\n`);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    if (errors > 0) {
      throw new DcvError(
        'CONFIG_INVALID',
        `${path} has ${errors} error${errors === 1 ? '' : 's'}; dcvserver will not start until ${errors === 1 ? 'it is' : 'they are'} fixed.`,
      );
    }
    io.out(loaded.format === 'reg' ? 'registry export is valid\n' : 'dcv.conf is valid\n');
    return 0;
  },
};

export const configDiff: CliCommand = {
  name: 'config diff',
  summary: 'Compare two configurations (dcv.conf or .reg) key by key',
  usage:
    'dcv config diff A B\n\n' +
    'A and B are each a dcv.conf or a Windows .reg export. Prints `identical` when the bytes match, otherwise one line\n' +
    'per difference. Exits 0 when the two mean the same (only layout, quoting or comments differ), 1 when they differ.',
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals } = parseOptions('config diff', args, {}, { min: 2, max: 2, names: 'A and B' });
    const [a, b] = positionals.map((p) => readConfig(resolve(io.cwd, p))) as [LoadedConfig, LoadedConfig];
    for (const c of [a, b]) {
      const errors = c.diagnostics.filter((d) => d.severity === 'error').length;
      // Bad values still compare (by their stored text), but the reader should know the file is not usable as is.
      if (errors > 0)
        io.err(
          `warning: ${c.file} has ${errors} error${errors === 1 ? '' : 's'} (see 'dcv config check ${c.file}')\n`,
        );
    }
    const diff = diffConfigs(a, b);
    if (diff.byteIdentical) {
      io.out('identical\n');
      return 0;
    }
    if (diff.equalInMeaning) {
      io.out('equal in meaning (the files differ only in layout, quoting or comments)\n');
      return 0;
    }
    for (const c of diff.changes) io.out(`${formatChange(c)}\n`);
    return 1;
  },
};

export const configCommands: CliCommand[] = [configCheck, configDiff];

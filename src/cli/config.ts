// `dcv config check|diff`: validate a dcv.conf (or .reg export) the way dcvserver will at start, and
// compare two configurations by meaning, as the upgrade's compare step does. `dcv set-config|get-config`
// (DCV 2023.0+): change one key of dcv.conf in place, and show the values the server starts with.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  dcvSchema,
  decodeText,
  diffConfigs,
  encodeGVariant,
  formatChange,
  formatDiagnostic,
  isSectionName,
  keySpec,
  loadDcvConf,
  NO_EFFECT,
  setKeyInText,
  type AnyKeySpec,
  type DcvConfig,
} from '../config/index.js';
import { loadPermissions, validatePermissions } from '../config/permissions-file.js';
import { DcvError } from '../errors.js';
import { readConfigFile, type ConfigFileRead } from '../host/dcv-conf-file.js';
import { writeFileDurably } from '../host/durable-file.js';
import type { CliCommand, CliIo } from './command.js';
import { parseOptions, requiredOption } from './parse-options.js';

function readConfig(path: string): ConfigFileRead {
  return readConfigFile(path, 'error');
}

/**
 * The host's default permissions file, checked as dcvserver loads it: unknown feature names are warnings, any
 * other problem is an error (the server then merges nothing from it). Prints each line; returns the error count.
 */
function checkDefaultPermissions(io: CliIo, config: DcvConfig): number {
  const file = config['session-management/defaults']['permissions-file'] || io.paths.defaultPermissionsFile;
  if (!existsSync(file)) return 0;
  try {
    const doc = loadPermissions(file, (p) => readFileSync(p, 'utf8'));
    for (const w of validatePermissions(doc)) io.out(`${w}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof DcvError)) throw e;
    io.out(`${e.message}\n`);
    return 1;
  }
}

export const configCheck: CliCommand = {
  name: 'config check',
  summary: 'Check dcv.conf (or a Windows .reg export) and default.perm as dcvserver will at start',
  usage:
    'dcv config check [FILE]\n\nFILE defaults to the configured dcv.conf; then the default permissions file\n' +
    '(/etc/dcv/default.perm, or the one dcv.conf names) is checked too. Exits 0 when the server would start with them.',
  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals } = parseOptions('config check', args, {}, { min: 0, max: 1, names: 'FILE' });
    const given = positionals[0];
    const path = given === undefined ? io.paths.configFile : resolve(io.cwd, given);
    // DCV runs on its defaults when there is no dcv.conf; that is a valid configuration.
    const loaded = given === undefined ? readConfigFile(path, 'defaults') : readConfig(path);
    if (given === undefined && !loaded.exists) io.out(`${path} does not exist; the defaults apply\n`);
    for (const d of loaded.diagnostics) io.out(`${formatDiagnostic(d)}\n`);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    const permissionErrors = given === undefined ? checkDefaultPermissions(io, loaded.config) : 0;
    if (errors > 0) {
      throw new DcvError(
        'CONFIG_INVALID',
        `${path} has ${errors} error${errors === 1 ? '' : 's'}; dcvserver will not start until ${errors === 1 ? 'it is' : 'they are'} fixed.`,
      );
    }
    if (permissionErrors > 0) {
      throw new DcvError(
        'PERMISSIONS_INVALID',
        'The default permissions file has an error; dcvserver merges nothing from it until it is fixed.',
      );
    }
    if (loaded.exists) io.out(loaded.format === 'reg' ? 'registry export is valid\n' : 'dcv.conf is valid\n');
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
    const [a, b] = positionals.map((p) => readConfig(resolve(io.cwd, p))) as [ConfigFileRead, ConfigFileRead];
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

/** The spec of a key an administrator named, or a USAGE error saying it is not a dcv.conf key. */
function namedKey(command: string, section: string, key: string): AnyKeySpec {
  const spec = keySpec(section, key);
  if (spec === undefined) {
    throw new DcvError(
      'USAGE',
      `dcv ${command}: [${section}] ${key} is not a dcv.conf key (docs/configuration.md).`,
    );
  }
  return spec;
}

export const setConfig: CliCommand = {
  name: 'set-config',
  summary: 'Set one dcv.conf key (takes effect when dcvserver next starts)',
  usage:
    'dcv set-config --section SECTION --key KEY VALUE\n\n' +
    "VALUE is GVariant text, as in dcv.conf: 'debug', true, 8443, ['a', 'b'] (quote it for the shell:\n" +
    `dcv set-config --section log --key level "'debug'"). The file is changed in place, everything else kept.`,
  async run(args, io) {
    const { values: v, positionals } = parseOptions(
      'set-config',
      args,
      { section: { type: 'string' }, key: { type: 'string' } },
      { min: 1, max: 1, names: 'VALUE' },
    );
    const section = requiredOption('set-config', 'section', v['section'], 'SECTION');
    const key = requiredOption('set-config', 'key', v['key'], 'KEY');
    const spec = namedKey('set-config', section, key);
    const decoded = decodeText(spec, positionals[0]!);
    if (!decoded.ok) throw new DcvError('CONFIG_INVALID', `[${section}] ${key}: ${decoded.message}`);
    const file = io.paths.configFile;
    let before = '';
    let mode = 0o644;
    let owner: { uid: number; gid: number } | undefined;
    if (existsSync(file)) {
      before = readFileSync(file, 'utf8');
      const st = statSync(file);
      mode = st.mode & 0o7777;
      owner = { uid: st.uid, gid: st.gid };
    }
    // Written canonically (a bare `none` becomes 'none'), and read back as the server would before it lands.
    const after = setKeyInText(before, section, key, encodeGVariant(spec, decoded.value));
    const check = loadDcvConf(after, file).diagnostics.filter(
      (d) => d.severity === 'error' && d.section === section && d.key === key,
    );
    if (check.length > 0) throw new DcvError('CONFIG_INVALID', formatDiagnostic(check[0]!));
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
      writeFileDurably(file, after, mode, owner);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM')
        throw new DcvError('PERMISSION_DENIED', `Only root may change ${file}.`);
      throw e;
    }
    if (!spec.acts) io.err(`warning: [${section}] ${key}: ${NO_EFFECT}\n`);
    return 0;
  },
};

export const getConfig: CliCommand = {
  name: 'get-config',
  summary: 'Show dcv.conf values as dcvserver will use them (--all: every key)',
  usage:
    'dcv get-config (--all | --section SECTION [--key KEY])\n\n' +
    'Prints dcv.conf syntax. With --all or a section, keys the file does not set are shown commented out\n' +
    'with their default; with --key, just the value.',
  async run(args, io) {
    const { values: v } = parseOptions(
      'get-config',
      args,
      { all: { type: 'boolean' }, section: { type: 'string' }, key: { type: 'string' } },
      { min: 0, max: 0, names: '' },
    );
    if (
      (v['all'] === true) === (v['section'] !== undefined) ||
      (v['all'] === true && v['key'] !== undefined)
    ) {
      throw new DcvError(
        'USAGE',
        "dcv get-config: give --all, or --section SECTION [--key KEY] (see 'dcv get-config --help').",
      );
    }
    const file = io.paths.configFile;
    const loaded = readConfigFile(file, 'defaults');
    const set = new Set(
      loaded.entries.filter((e) => e.value !== undefined).map((e) => `${e.section}\0${e.key}`),
    );
    const effective = loaded.config as unknown as Record<string, Record<string, unknown>>;
    const text = (section: string, key: string): string =>
      encodeGVariant(namedKey('get-config', section, key), effective[section]?.[key]);
    if (typeof v['key'] === 'string') {
      const section = requiredOption('get-config', 'section', v['section'], 'SECTION');
      io.out(`${text(section, v['key'])}\n`);
      return 0;
    }
    const sections = v['all'] === true ? Object.keys(dcvSchema) : [v['section'] as string];
    const out: string[] = [];
    for (const section of sections) {
      if (!isSectionName(section))
        throw new DcvError('USAGE', `dcv get-config: [${section}] is not a dcv.conf section.`);
      out.push(`[${section}]`);
      for (const key of Object.keys(dcvSchema[section])) {
        out.push(`${set.has(`${section}\0${key}`) ? '' : '#'}${key}=${text(section, key)}`);
      }
      out.push('');
    }
    io.out(out.join('\n'));
    return 0;
  },
};

export const configCommands: CliCommand[] = [configCheck, configDiff, setConfig, getConfig];

// `dcv get-permissions` and `dcv set-permissions`, and reading a permissions file for them and for
// `create-session --permissions-file`: dcv reads the file and its #imports as the calling user and sends the
// text, so dcvserver (root) never opens a path a user names.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  collectPermissionSources,
  EMPTY_PERMISSIONS,
  loadPermissions,
  permissionsFromSources,
  validatePermissions,
  type PermissionSources,
  type PermissionsDocument,
} from '../config/permissions-file.js';
import { readConfigFile } from '../host/dcv-conf-file.js';
import type { CliCommand, CliIo } from './command.js';
import { callServer } from './control-client.js';
import { formatJsonGlib } from './json-glib.js';
import { exactlyOneOption, parseOptions, requiredOption } from './parse-options.js';
import type { PermissionsDescription } from '../server/control/permission-requests.js';

/** The default permissions file dcvserver merges into every session: dcv.conf's, else /etc/dcv/default.perm. */
export function defaultPermissionsFile(io: CliIo): string {
  const named = readConfigFile(io.paths.configFile, 'defaults').config['session-management/defaults'][
    'permissions-file'
  ];
  return named || io.paths.defaultPermissionsFile;
}

/** The default file's rules as far as this user can read them (its groups and aliases may be used elsewhere). */
function readableDefaults(io: CliIo): PermissionsDocument {
  try {
    return loadPermissions(defaultPermissionsFile(io), (p) => readFileSync(p, 'utf8'));
  } catch {
    return EMPTY_PERMISSIONS;
  }
}

/**
 * Reads and parses `path` (relative to the working directory) with everything it imports, and prints a
 * warning (file:line) for each feature name this opendcv does not know: it is ignored, the rest applies.
 */
export function readPermissionSources(io: CliIo, path: string): PermissionSources {
  // Read as the calling user; the server parses again, trusting nothing.
  const sources = collectPermissionSources(resolve(io.cwd, path), (p) => readFileSync(p, 'utf8'));
  let warnings: string[] = [];
  try {
    warnings = validatePermissions(permissionsFromSources(sources), readableDefaults(io));
  } catch {
    // A group or alias this user cannot see may be defined in the default file; dcvserver decides.
  }
  for (const w of warnings) io.err(`${w}\n`);
  return sources;
}

export const getPermissions: CliCommand = {
  name: 'get-permissions',
  summary: "Print a session's permissions (or one user's features in it)",
  usage: 'dcv get-permissions [-j|--json] [--user USER] --session SESSION_ID',
  async run(args, io) {
    const { values: v } = parseOptions(
      'get-permissions',
      args,
      { session: { type: 'string' }, user: { type: 'string' }, json: { type: 'boolean', short: 'j' } },
      { min: 0, max: 0, names: '' },
    );
    const id = requiredOption('get-permissions', 'session', v['session'], 'SESSION_ID');
    const d = (await callServer(io, 'get-permissions', { id, user: v['user'] })) as PermissionsDescription;
    if (v['json'] === true) io.out(`${formatJsonGlib(d)}\n`);
    else if (d.user !== undefined) io.out(`${d.features?.join(' ') ?? ''}\n`);
    else {
      const merged = d['default-file-exists'] ? `merged after ${d['default-file']}` : `no ${d['default-file']}, nothing merged`;
      io.out(`; Session '${d['session-id']}': ${d.source === 'builtin' ? 'built-in default' : 'custom'} permissions (${merged})\n${d.permissions}`);
    }
    return 0;
  },
};

export const setPermissions: CliCommand = {
  name: 'set-permissions',
  summary: "Replace a running session's permissions",
  usage: 'dcv set-permissions --session SESSION_ID (--none | --reset-builtin | --file PATH)',
  async run(args, io) {
    const { values: v } = parseOptions(
      'set-permissions',
      args,
      { session: { type: 'string' }, none: { type: 'boolean' }, 'reset-builtin': { type: 'boolean' }, file: { type: 'string' } },
      { min: 0, max: 0, names: '' },
    );
    const id = requiredOption('set-permissions', 'session', v['session'], 'SESSION_ID');
    const mode = exactlyOneOption(
      'set-permissions',
      v,
      ['none', 'reset-builtin', 'file'],
      '--none, --reset-builtin or --file PATH',
    );
    const permissions = mode === 'file' ? readPermissionSources(io, String(v['file'])) : undefined;
    await callServer(io, 'set-permissions', { id, mode, permissions });
    return 0;
  },
};

export const permissionCommands: CliCommand[] = [getPermissions, setPermissions];

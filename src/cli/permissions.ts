// `dcv get-permissions` and `dcv set-permissions`, and reading a permissions file for them and for
// `create-session --permissions-file`: dcv reads the file and its #imports as the calling user and sends the
// text, so dcvserver (root) never opens a path a user names.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { collectPermissionSources, type PermissionSources } from '../config/permissions-file.js';
import type { CliCommand, CliIo } from './command.js';
import { callServer } from '../server/control/control-socket.js';
import { formatJsonGlib } from './json-glib.js';
import { exactlyOneOption, parseOptions, requiredOption } from './parse-options.js';

/** Reads and parses `path` (relative to the working directory) with everything it imports. */
export function readPermissionSources(io: CliIo, path: string): PermissionSources {
  // Read as the calling user; the server parses again, trusting nothing.
  return collectPermissionSources(resolve(io.cwd, path), (p) => readFileSync(p, 'utf8'));
}

export const getPermissions: CliCommand = {
  name: 'get-permissions',
  summary: "Print a session's permissions (or one user's features in it)",
  usage: 'dcv get-permissions [-j|--json] [--user USER] --session SESSION_ID',
  async run(args, io) {
    const { values: v } = parseOptions('get-permissions', args, {
      session: { type: 'string' },
      user: { type: 'string' },
      json: { type: 'boolean', short: 'j' },
    });
    const id = requiredOption('get-permissions', 'session', v['session'], 'SESSION_ID');
    const d = await callServer(io.paths.controlSocket, 'get-permissions', { id, user: v['user'] });
    if (v['json'] === true) io.out(`${formatJsonGlib(d)}\n`);
    else if (d.user !== undefined) io.out(`${d.features?.join(' ') ?? ''}\n`);
    else {
      const merged = d['default-file-exists']
        ? `merged after ${d['default-file']}`
        : `no ${d['default-file']}, nothing merged`;
      io.out(
        `; Session '${d['session-id']}': ${d.source === 'builtin' ? 'built-in default' : 'custom'} permissions (${merged})\n${d.permissions}`,
      );
    }
    return 0;
  },
};

export const setPermissions: CliCommand = {
  name: 'set-permissions',
  summary: "Replace a running session's permissions",
  usage: 'dcv set-permissions --session SESSION_ID (--none | --reset-builtin | --file PATH)',
  async run(args, io) {
    const { values: v } = parseOptions('set-permissions', args, {
      session: { type: 'string' },
      none: { type: 'boolean' },
      'reset-builtin': { type: 'boolean' },
      file: { type: 'string' },
    });
    const id = requiredOption('set-permissions', 'session', v['session'], 'SESSION_ID');
    const mode = exactlyOneOption(
      'set-permissions',
      v,
      ['none', 'reset-builtin', 'file'],
      '--none, --reset-builtin or --file PATH',
    );
    await callServer(
      io.paths.controlSocket,
      'set-permissions',
      mode === 'file'
        ? { id, mode, permissions: readPermissionSources(io, String(v['file'])) }
        : { id, mode },
    );
    return 0;
  },
};

export const permissionCommands: CliCommand[] = [getPermissions, setPermissions];

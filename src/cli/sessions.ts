// The session subcommands of `dcv`, with DCV's names, options and output formats (DCV-REFERENCE.md §3):
// scripts parse `list-sessions` byte for byte, so its lines are exactly DCV's.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatLayout, parseLayout } from '../display/display-layout.js';
import { DcvError } from '../errors.js';
import type { CliCommand, CliIo } from './command.js';
import { callServer } from './control-client.js';
import { formatJsonGlib } from './json-glib.js';
import { exactlyOneOption, integerOption, parseOptions, requiredOption } from './parse-options.js';
import { readPermissionSources } from './permissions.js';
import type {
  ConnectionDescription,
  EndpointsDescription,
  ScreenshotResult,
  SessionDescription,
} from '../control/contract.js';
import { formatHostPort } from '../config/listen-endpoint.js';

const json = { json: { type: 'boolean', short: 'j' } } as const;

/** A `list-*` command's output as DCV prints it: JSON, one line per item, or the sentence for none. */
function printList<T>(io: CliIo, asJson: boolean, items: T[], line: (item: T) => string, none: string): void {
  if (asJson) io.out(`${formatJsonGlib(items)}\n`);
  else if (items.length === 0) io.out(`${none}\n`);
  else io.out(items.map((item) => `${line(item)}\n`).join(''));
}

function sessionLine(s: SessionDescription): string {
  const name = s.name === undefined ? '' : ` name:'${s.name}'`;
  return `Session: '${s.id}' (owner:${s.owner} type:${s.type}${name})`;
}

function describeText(s: SessionDescription): string {
  const layout = formatLayout(s['display-layout']);
  const lines = [`Session: '${s.id}'`, `  owner: ${s.owner}`];
  if (s.name !== undefined) lines.push(`  name: ${s.name}`);
  lines.push(
    `  type: ${s.type}`,
    `  x display: ${s['x11-display']}`,
    `  x authority: ${s['x11-authority']}`,
    `  display layout: ${layout}`,
    `  num of connections: ${s['num-of-connections']}`,
    `  creation time: ${s['creation-time']}`,
  );
  return `${lines.join('\n')}\n`;
}

export const createSession: CliCommand = {
  name: 'create-session',
  summary: 'Create a virtual or console session',
  usage:
    'dcv create-session [--type virtual|console] [--owner USER] [--name NAME] [--init PATH]\n' +
    '                          [--max-concurrent-clients N] [--storage-root PATH] [--permissions-file PATH] SESSION_ID',
  async run(args, io) {
    const { values: v, positionals } = parseOptions(
      'create-session',
      args,
      {
        type: { type: 'string' },
        owner: { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        init: { type: 'string' },
        'max-concurrent-clients': { type: 'string' },
        'storage-root': { type: 'string' },
        'permissions-file': { type: 'string' },
        gl: { type: 'string' },
      },
      { min: 1, max: 1, names: 'SESSION_ID' },
    );
    if (v['type'] !== undefined && v['type'] !== 'virtual' && v['type'] !== 'console') {
      throw new DcvError(
        'USAGE',
        `dcv create-session: --type must be 'virtual' or 'console', not '${String(v['type'])}'.`,
      );
    }
    if (v['user'] !== undefined && v['owner'] !== undefined && v['user'] !== v['owner']) {
      throw new DcvError(
        'USAGE',
        'dcv create-session: opendcv runs virtual sessions as their owner; give --owner only.',
      );
    }
    const init = typeof v['init'] === 'string' ? resolve(io.cwd, v['init']) : undefined;
    await callServer(io, 'create-session', {
      id: positionals[0],
      type: v['type'],
      owner: v['owner'] ?? v['user'],
      name: v['name'],
      init,
      maxConcurrentClients: integerOption(
        'create-session',
        'max-concurrent-clients',
        v['max-concurrent-clients'],
      ),
      storageRoot: v['storage-root'],
      permissions:
        typeof v['permissions-file'] === 'string'
          ? readPermissionSources(io, v['permissions-file'])
          : undefined,
    });
    return 0;
  },
};

export const listSessions: CliCommand = {
  name: 'list-sessions',
  summary: 'List the sessions you may see',
  usage: 'dcv list-sessions [-j|--json]',
  async run(args, io) {
    const { values } = parseOptions('list-sessions', args, json, { min: 0, max: 0, names: '' });
    const sessions = (await callServer(io, 'list-sessions')) as SessionDescription[];
    printList(io, values['json'] === true, sessions, sessionLine, 'There are no sessions available.');
    return 0;
  },
};

export const describeSession: CliCommand = {
  name: 'describe-session',
  summary: 'Show one session in detail',
  usage: 'dcv describe-session [-j|--json] SESSION_ID',
  async run(args, io) {
    const { values, positionals } = parseOptions('describe-session', args, json, {
      min: 1,
      max: 1,
      names: 'SESSION_ID',
    });
    const s = (await callServer(io, 'describe-session', { id: positionals[0] })) as SessionDescription;
    io.out(values['json'] === true ? `${formatJsonGlib(s)}\n` : describeText(s));
    return 0;
  },
};

export const closeSession: CliCommand = {
  name: 'close-session',
  summary: 'Close a session and stop everything it runs',
  usage: 'dcv close-session SESSION_ID',
  async run(args, io) {
    const { positionals } = parseOptions('close-session', args, {}, { min: 1, max: 1, names: 'SESSION_ID' });
    await callServer(io, 'close-session', { id: positionals[0] });
    return 0;
  },
};

function connectionLine(c: ConnectionDescription): string {
  return `Connection: ${c.id} (user:${c.username} client-address:${c['client-address']} client-version:${c['client-version']})`;
}

export const listConnections: CliCommand = {
  name: 'list-connections',
  summary: "List a session's viewers",
  usage: 'dcv list-connections [-j|--json] SESSION_ID',
  async run(args, io) {
    const { values, positionals } = parseOptions('list-connections', args, json, {
      min: 1,
      max: 1,
      names: 'SESSION_ID',
    });
    const list = (await callServer(io, 'list-connections', {
      id: positionals[0],
    })) as ConnectionDescription[];
    printList(io, values['json'] === true, list, connectionLine, 'There are no connections available.');
    return 0;
  },
};

export const closeConnection: CliCommand = {
  name: 'close-connection',
  summary: 'Disconnect one viewer from a session',
  usage: 'dcv close-connection SESSION_ID CONNECTION_ID',
  async run(args, io) {
    const { positionals } = parseOptions(
      'close-connection',
      args,
      {},
      { min: 2, max: 2, names: 'SESSION_ID CONNECTION_ID' },
    );
    const connection = integerOption('close-connection', 'CONNECTION_ID', positionals[1]);
    await callServer(io, 'close-connection', { id: positionals[0], connection });
    return 0;
  },
};

export const getScreenshot: CliCommand = {
  name: 'get-screenshot',
  summary: "Save an image of a session's screen",
  usage:
    'dcv get-screenshot [--max-width W] [--max-height H] [--format png|jpeg] [-j|--json] [-o|--output FILE] SESSION_ID',
  async run(args, io: CliIo) {
    const { values: v, positionals } = parseOptions(
      'get-screenshot',
      args,
      {
        'max-width': { type: 'string' },
        'max-height': { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        primary: { type: 'boolean' },
        ...json,
      },
      { min: 1, max: 1, names: 'SESSION_ID' },
    );
    const output = typeof v['output'] === 'string' ? resolve(io.cwd, v['output']) : undefined;
    // As in DCV, --format wins; without it the output file's extension decides, then PNG.
    let format = typeof v['format'] === 'string' ? v['format'].toLowerCase() : undefined;
    if (format === 'jpg') format = 'jpeg';
    format ??= output !== undefined && /\.jpe?g$/i.test(output) ? 'jpeg' : 'png';
    if (format !== 'png' && format !== 'jpeg') {
      throw new DcvError(
        'USAGE',
        `dcv get-screenshot: --format must be png or jpeg, not '${String(v['format'])}'.`,
      );
    }
    const shot = (await callServer(io, 'get-screenshot', {
      id: positionals[0],
      format,
      maxWidth: integerOption('get-screenshot', 'max-width', v['max-width']),
      maxHeight: integerOption('get-screenshot', 'max-height', v['max-height']),
    })) as ScreenshotResult;
    if (v['json'] === true) {
      io.out(`${formatJsonGlib({ format: shot.format, data: shot.data })}\n`);
    } else if (output !== undefined) {
      writeFileSync(output, Buffer.from(shot.data, 'base64'));
    } else {
      io.out(`${shot.data}\n`);
    }
    return 0;
  },
};

export const setName: CliCommand = {
  name: 'set-name',
  summary: 'Name a session, or remove its name',
  usage: 'dcv set-name --session SESSION_ID (--name NAME | --none)',
  async run(args, io) {
    const { values: v } = parseOptions(
      'set-name',
      args,
      { session: { type: 'string' }, name: { type: 'string' }, none: { type: 'boolean' } },
      { min: 0, max: 0, names: '' },
    );
    const id = requiredOption('set-name', 'session', v['session'], 'SESSION_ID');
    exactlyOneOption('set-name', v, ['name', 'none'], '--name NAME or --none');
    await callServer(io, 'set-name', { id, name: typeof v['name'] === 'string' ? v['name'] : null });
    return 0;
  },
};

export const setDisplayLayout: CliCommand = {
  name: 'set-display-layout',
  summary: "Set a session's display layout: the size and place of each head (monitor)",
  usage: 'dcv set-display-layout --session SESSION_ID WxH+X+Y[,WxH+X+Y...]',
  async run(args, io) {
    const { values: v, positionals } = parseOptions(
      'set-display-layout',
      args,
      { session: { type: 'string' } },
      { min: 1, max: 1, names: 'LAYOUT (e.g. 1920x1080+0+0,1280x1024+1920+0)' },
    );
    const id = requiredOption('set-display-layout', 'session', v['session'], 'SESSION_ID');
    const heads = parseLayout(positionals[0]!);
    await callServer(io, 'set-display-layout', { id, heads });
    return 0;
  },
};

export const listEndpoints: CliCommand = {
  name: 'list-endpoints',
  summary: 'Show where viewers connect and the certificate they should see',
  usage: 'dcv list-endpoints [-j|--json]',
  async run(args, io) {
    const { values } = parseOptions('list-endpoints', args, json, { min: 0, max: 0, names: '' });
    const d = (await callServer(io, 'list-endpoints')) as EndpointsDescription;
    if (values['json'] === true) {
      io.out(`${formatJsonGlib(d)}\n`);
      return 0;
    }
    for (const e of d.endpoints)
      io.out(`Endpoint: ${formatHostPort(e.address, e.port)} (protocols:${e.protocols.join(',')})\n`);
    io.out(
      `Certificate: ${d.certificate.path} (sha256-fingerprint:${d.certificate['sha256-fingerprint']})\n`,
    );
    return 0;
  },
};

export const sessionCommands: CliCommand[] = [
  createSession,
  listSessions,
  describeSession,
  closeSession,
  listConnections,
  closeConnection,
  getScreenshot,
  setName,
  setDisplayLayout,
  listEndpoints,
];

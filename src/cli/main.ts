// The `dcv` command: finds the subcommand (one or two words, e.g. `list-sessions`, `license show`),
// handles --help, and leaves printing errors to runProgram.
import { DcvError } from '../errors.js';
import { hostPaths } from '../host-paths.js';
import { SERVER_VERSION } from '../version/current.js';
import type { CliCommand, CliIo } from './command.js';
import { configCommands } from './config.js';
import { licenseCommands } from './license.js';
import { permissionCommands } from './permissions.js';
import { sessionCommands } from './sessions.js';
import { upgradeCommands } from './upgrade.js';

const versionCommand: CliCommand = {
  name: 'version',
  summary: 'Print the opendcv version',
  usage: 'dcv version',
  async run(args, io) {
    if (args.length > 0) throw new DcvError('USAGE', "dcv version takes no arguments.");
    io.out(`opendcv ${SERVER_VERSION}\n`);
    return 0;
  },
};

export function allCommands(): CliCommand[] {
  return [...sessionCommands, ...permissionCommands, ...configCommands, ...licenseCommands, ...upgradeCommands, versionCommand];
}

function help(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: dcv COMMAND [OPTIONS]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'dcv COMMAND --help' for a command's options. DCV_ROOT moves every file opendcv uses.",
  ].join('\n');
}

export function defaultIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    paths: hostPaths(process.env['DCV_ROOT']),
    cwd: process.cwd(),
  };
}

export async function main(argv: string[], io: CliIo = defaultIo(), commands = allCommands()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(`${help(commands)}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') return versionCommand.run([], io);
  const two = `${argv[0]} ${argv[1] ?? ''}`;
  const command = commands.find((c) => c.name === two) ?? commands.find((c) => c.name === argv[0]);
  // A family name alone (`dcv license`, `dcv upgrade --help`) lists the family's subcommands.
  const family = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
  if (command === undefined && family.length > 0) {
    const rest = argv.slice(1);
    const asked = rest.length === 0 || rest[0] === '--help' || rest[0] === '-h' || rest[0] === 'help';
    const list = help(family).replace('Usage: dcv COMMAND [OPTIONS]', `Usage: dcv ${argv[0]} SUBCOMMAND [OPTIONS]`);
    if (asked) {
      io.out(`${list}\n`);
      return rest.length === 0 ? 2 : 0;
    }
    throw new DcvError('USAGE', `dcv ${argv[0]}: unknown subcommand '${rest[0]}' (see 'dcv ${argv[0]} --help').`);
  }
  if (command === undefined) {
    throw new DcvError('USAGE', `dcv: unknown command '${argv[0]}' (see 'dcv --help').`);
  }
  const args = argv.slice(command.name.split(' ').length);
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`Usage: ${command.usage}\n`);
    return 0;
  }
  return command.run(args, io);
}

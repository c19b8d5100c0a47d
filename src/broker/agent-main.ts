// The `dcv-session-manager-agent` command: runs the host agent in the foreground (systemd), beside dcvserver.
import { DcvError } from '../errors.js';
import { hostPaths } from '../host-paths.js';
import { SERVER_VERSION } from '../version/current.js';
import { HostAgent } from './host-agent.js';

const USAGE = `Usage: dcv-session-manager-agent [run]     run the agent in the foreground (as root, beside dcvserver)
       dcv-session-manager-agent --version
Configuration: DCV_ROOT/etc/dcv-session-manager-agent/agent.conf ([agent] broker_host, broker_port, ...).`;

export async function main(argv: string[]): Promise<number> {
  const [command = 'run', ...rest] = argv;
  if (rest.length > 0)
    throw new DcvError('USAGE', `dcv-session-manager-agent ${command} takes no arguments.\n${USAGE}`);
  switch (command) {
    case 'run': {
      const agent = HostAgent.start(hostPaths(process.env['DCV_ROOT']), {
        echoLog: process.stderr.isTTY === true || process.env['DCV_LOG_STDERR'] === '1',
      });
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => void agent.stop(`received ${signal}`).then(resolve);
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      return 0;
    }
    case '--version':
    case 'version':
      process.stdout.write(`opendcv dcv-session-manager-agent ${SERVER_VERSION}\n`);
      return 0;
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new DcvError('USAGE', `Unknown command '${command}'.\n${USAGE}`);
  }
}

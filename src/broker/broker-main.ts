// The `dcv-session-manager-broker` command: runs the broker in the foreground (systemd), and DCV Session
// Manager's administration subcommands, which work on the database directly (no running broker needed).
import { parseArgs } from 'node:util';
import { DcvError } from '../errors.js';
import { hostPaths } from '../host-paths.js';
import { SERVER_VERSION } from '../version/current.js';
import { readBrokerConfig } from './read-config.js';
import { Store } from './store.js';

const USAGE = `Usage: dcv-session-manager-broker [run]                         run the broker in the foreground
       dcv-session-manager-broker register-api-client --client-name NAME
       dcv-session-manager-broker describe-api-clients
       dcv-session-manager-broker unregister-api-client --client-id ID
       dcv-session-manager-broker describe-agent-clients
       dcv-session-manager-broker --version
Configuration: DCV_ROOT/etc/dcv-session-manager-broker/session-manager-broker.properties.`;

function options(command: string, args: string[], names: string[]): Record<string, string> {
  try {
    const { values } = parseArgs({
      args,
      options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    return values as Record<string, string>;
  } catch (e) {
    throw new DcvError('USAGE', `${command}: ${(e as Error).message}\n${USAGE}`);
  }
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const paths = hostPaths(process.env['DCV_ROOT']);
  const { config } = readBrokerConfig(paths.brokerConfigFile);
  const store = new Store(config.db, () => undefined);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function runForeground(): Promise<number> {
  const paths = hostPaths(process.env['DCV_ROOT']);
  // The service (HTTPS, the API's schemas) loads only here: the administration commands start faster without it.
  const { BrokerService } = await import('./broker-service.js');
  const broker = await BrokerService.start(paths, {
    echoLog: process.stderr.isTTY === true || process.env['DCV_LOG_STDERR'] === '1',
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => void broker.stop(`received ${signal}`).then(resolve);
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command = 'run', ...rest] = argv;
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  switch (command) {
    case 'run':
      options(command, rest, []);
      return runForeground();
    case 'register-api-client': {
      const name = options(command, rest, ['client-name'])['client-name'];
      if (name === undefined || name.trim() === '')
        throw new DcvError('USAGE', `register-api-client needs --client-name NAME.\n${USAGE}`);
      const c = await withStore((s) => s.registerApiClient(name));
      out(`client-id: ${c.clientId}`);
      out(`client-password: ${c.clientPassword}`);
      return 0;
    }
    case 'describe-api-clients': {
      options(command, rest, []);
      const clients = await withStore((s) => s.describeApiClients());
      out(
        JSON.stringify(
          {
            clients: clients.map((c) => ({
              'client-name': c.client_name,
              'client-id': c.client_id,
              'created-at': c.created_at.toISOString(),
            })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    case 'unregister-api-client': {
      const id = options(command, rest, ['client-id'])['client-id'];
      if (id === undefined)
        throw new DcvError('USAGE', `unregister-api-client needs --client-id ID.\n${USAGE}`);
      if (!(await withStore((s) => s.unregisterApiClient(id))))
        throw new DcvError('API_CLIENT_NOT_FOUND', `No API client has the id '${id}'.`);
      out(`unregistered client-id: ${id}`);
      return 0;
    }
    case 'describe-agent-clients': {
      options(command, rest, []);
      const paths = hostPaths(process.env['DCV_ROOT']);
      const { config } = readBrokerConfig(paths.brokerConfigFile);
      const agents = await withStore((s) => s.describeAgentClients(config.heartbeatTimeoutSeconds));
      out(
        JSON.stringify(
          {
            agents: agents.map((a) => ({
              'agent-id': a.id,
              hostname: a.hostname,
              ip: a.ip,
              'last-seen': a.last_seen.toISOString(),
              status: a.alive ? 'connected' : 'unreachable',
            })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    case '--version':
    case 'version':
      out(`opendcv dcv-session-manager-broker ${SERVER_VERSION}`);
      return 0;
    case '-h':
    case '--help':
    case 'help':
      out(USAGE);
      return 0;
    default:
      throw new DcvError('USAGE', `Unknown command '${command}'.\n${USAGE}`);
  }
}

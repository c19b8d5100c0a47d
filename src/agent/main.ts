// The session agent process (`…/dcv/dcvagent --mode full --session-id ID`), run by dcvserver as the
// session owner: it connects back over DCV_AGENT_SOCKET and serves what needs the owner's rights, the X
// clipboard and file storage, until the link closes. Each service is one module behind AgentService.
import { DcvError } from '../errors.js';
import { parseArgs } from 'node:util';
import { ClipboardService } from './clipboard-service.js';
import { AgentMethod, type AgentConfiguration } from './agent-api.js';
import type { IncomingRequest, LinkPeer, Reply } from './link-peer.js';
import { LinkRemoteError } from './link.js';
import { connectLink } from './link-socket.js';

/** One thing the agent serves (clipboard, storage; sound next): configured on each connect, asked by method. */
export interface AgentService {
  /** Methods this service answers (their names start with its prefix, e.g. 'storage.'). */
  readonly prefix: string;
  configure(config: AgentConfiguration, link: LinkPeer): Promise<void>;
  handle(request: IncomingRequest, link: LinkPeer): Promise<Reply>;
  dispose(): Promise<void>;
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { mode: { type: 'string' }, 'session-id': { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    throw new DcvError(
      'USAGE',
      `dcvagent: ${(e as Error).message}; usage: dcvagent --mode full --session-id ID`,
    );
  }
  const sessionId = values['session-id'];
  if (values.mode !== 'full' || sessionId === undefined)
    throw new DcvError(
      'USAGE',
      'dcvagent: usage: dcvagent --mode full --session-id ID (it is started by dcvserver)',
    );
  const socketPath = process.env['DCV_AGENT_SOCKET'];
  if (socketPath === undefined || socketPath === '')
    throw new DcvError('USAGE', 'dcvagent: DCV_AGENT_SOCKET is not set; the agent is started by dcvserver.');
  // `ps` then shows the row cluster tooling looks for, without the node interpreter in front of it.
  process.title = `${process.argv[1]} --mode full --session-id ${sessionId}`;

  const services = await loadServices();
  const { peer, socket } = await connectLink(socketPath);
  peer.onRequest(async (request) => {
    if (request.method === AgentMethod.Configure) {
      const config = request.params as unknown as AgentConfiguration;
      for (const s of services) await s.configure(config, peer);
      return { result: { pid: process.pid } };
    }
    const service = services.find((s) => request.method.startsWith(s.prefix));
    if (service === undefined)
      throw new LinkRemoteError('UNKNOWN_METHOD', `the agent has no method ${request.method}`);
    return service.handle(request, peer);
  });
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await Promise.all(services.map((s) => s.dispose().catch(() => undefined)));
  return 0;
}

async function loadServices(): Promise<AgentService[]> {
  return [new ClipboardService()];
}

// SIGTERM (session end, dcvserver gone through setpriv's parent-death signal) ends the agent cleanly.
process.once('SIGTERM', () => process.exit(0));

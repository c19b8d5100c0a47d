// dcv-session-manager-agent: a process beside dcvserver on every host (as DCV Session Manager's agent is), as
// root, driving dcvserver through its control socket. It heartbeats the host's facts and sessions to a
// broker (failing over along broker_host's list), long-polling for work, and does what the answer holds:
// create and close sessions, take screenshots, replace permissions. Its only state is its id and secret.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { writeFileDurably } from '../host/durable-file.js';
import type { EndpointsDescription, ScreenshotResult, SessionDescription } from '../control/contract.js';
import { connectControlSocket } from '../server/control/control-socket.js';
import { Logger, parseLogLevel } from '../server/logger.js';
import { readServerConfig } from '../server/server-config.js';
import { SERVER_VERSION } from '../version/current.js';
import type { AgentConfig } from './agent-config.js';
import { readAgentConfig } from './read-config.js';
import {
  HeartbeatAnswer,
  type AgentRequest,
  type Heartbeat,
  type LocalSession,
  type SessionToCreate,
} from './agent-protocol.js';
import { hostFacts, readTags } from './host-facts.js';

const REQUEST_TIMEOUT_MS = 30_000;

/** One request to the local dcvserver over its control socket, as root. */
async function callDcvServer(
  paths: HostPaths,
  method: string,
  params: Record<string, unknown> = {},
): Promise<unknown> {
  const c = await connectControlSocket(paths.controlSocket);
  try {
    // The broker names methods at run time; the server checks the params against the contract.
    const channel = c.channel as unknown as { call(m: string, p: unknown): Promise<unknown> };
    return await channel.call(method, params);
  } finally {
    c.close();
  }
}

export class HostAgent {
  private identity: { ServerId: string; Secret: string } | null = null;
  private seq = Date.now() * 1000;
  private brokerIndex = 0;
  private readonly inFlight = new Set<string>();
  private poll: AbortController | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private heartbeatSeconds = 10;
  private readonly ca: Buffer | undefined;
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  private lastError = '';

  constructor(
    private readonly paths: HostPaths,
    private readonly config: AgentConfig,
    readonly log: Logger,
  ) {
    try {
      this.ca = config.caFile === '' ? undefined : readFileSync(config.caFile);
    } catch (e) {
      throw new DcvError(
        'AGENT_CONFIG_INVALID',
        `${paths.agentConfigFile}: ca_file: cannot read ${config.caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      );
    }
    if (existsSync(paths.agentStateFile)) {
      try {
        const v = JSON.parse(readFileSync(paths.agentStateFile, 'utf8')) as {
          ServerId?: unknown;
          Secret?: unknown;
        };
        if (typeof v.ServerId === 'string' && typeof v.Secret === 'string')
          this.identity = { ServerId: v.ServerId, Secret: v.Secret };
      } catch {
        log.warn(`${paths.agentStateFile} is unreadable; registering as a new server`);
      }
    }
  }

  static start(paths: HostPaths, options: { echoLog: boolean }): HostAgent {
    const { config, warnings } = readAgentConfig(paths);
    const log = new Logger(paths.agentLog, parseLogLevel(config.logLevel), options.echoLog, 'agent');
    for (const w of warnings) log.warn(w);
    const agent = new HostAgent(paths, config, log);
    log.info(
      `dcv-session-manager-agent starting (pid ${process.pid}); brokers ${config.brokers.map((b) => `${b.host}:${b.port}`).join(', ')}`,
    );
    agent.loop = agent.run();
    return agent;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const answer = await this.heartbeat();
        if (answer !== null) this.handle(answer);
      } catch (e) {
        const message = (e as Error).message;
        if (message !== this.lastError) this.log.warn(message);
        this.lastError = message;
        // Next broker in the list; a short pause so a dead fleet is not hammered.
        this.brokerIndex = (this.brokerIndex + 1) % this.config.brokers.length;
        await new Promise((r) => setTimeout(r, Math.min(1000, this.heartbeatSeconds * 500)));
      }
    }
  }

  /** Sends one heartbeat; null when it was cut short to report something that just finished. */
  private async heartbeat(): Promise<HeartbeatAnswer | null> {
    const hb = await this.facts();
    this.poll = new AbortController();
    let raw: unknown;
    try {
      raw = await this.post(
        '/agent/heartbeat',
        hb,
        this.poll.signal,
        this.heartbeatSeconds * 1000 + REQUEST_TIMEOUT_MS,
      );
    } catch (e) {
      if (this.poll.signal.aborted) return null;
      throw e;
    } finally {
      this.poll = null;
    }
    const answer = HeartbeatAnswer.safeParse(raw);
    if (!answer.success)
      throw new Error(
        `The broker sent a heartbeat answer this agent does not understand: ${answer.error.issues[0]?.message ?? ''}`,
      );
    if (this.lastError !== '') this.log.info(`Connected to the broker at ${this.broker()}`);
    this.lastError = '';
    if (answer.data.Secret !== undefined) {
      this.identity = { ServerId: answer.data.ServerId, Secret: answer.data.Secret };
      mkdirSync(dirname(this.paths.agentStateFile), { recursive: true, mode: 0o700 });
      writeFileDurably(this.paths.agentStateFile, `${JSON.stringify(this.identity)}\n`, 0o600);
      this.log.info(`Registered with the broker as server ${answer.data.ServerId}`);
    }
    this.heartbeatSeconds = answer.data.HeartbeatSeconds;
    return answer.data;
  }

  private broker(): string {
    const b = this.config.brokers[this.brokerIndex]!;
    return `${b.host}:${b.port}`;
  }

  private async facts(): Promise<Heartbeat> {
    const [version, endpoints, sessions] = await Promise.all([
      callDcvServer(this.paths, 'version') as Promise<{ version: string }>,
      callDcvServer(this.paths, 'list-endpoints') as Promise<EndpointsDescription>,
      callDcvServer(this.paths, 'list-sessions') as Promise<SessionDescription[]>,
    ]);
    const dcvConf = readServerConfig(this.paths.configFile).config;
    const first =
      endpoints.endpoints.find((e) => e.address !== '0.0.0.0' && e.address !== '::') ??
      endpoints.endpoints[0];
    const ip =
      first === undefined || first.address === '0.0.0.0' || first.address === '::'
        ? '127.0.0.1'
        : first.address;
    const sm = dcvConf['session-management'];
    const limits = [sm['max-concurrent-sessions'], this.config.maxVirtualSessions].filter((n) => n > 0);
    const tags = readTags(this.config.tagsFolder, (m) => this.log.warn(m));
    const local = sessions.map((s): LocalSession => ({
      Id: s.id,
      Owner: s.owner,
      Type: s.type === 'console' ? 'Console' : 'Virtual',
      Name: s.name ?? '',
      NumOfConnections: s['num-of-connections'],
      CreationTime: s['creation-time'],
      LastDisconnectionTime: s['last-disconnection-time'],
      StorageRoot: s['storage-root'],
    }));
    return {
      ...(this.identity ?? {}),
      Hostname: hostname(),
      Ip: ip,
      Port: first?.port ?? 8443,
      WebUrlPath: dcvConf.connectivity['web-url-path'],
      Endpoints: endpoints.endpoints.map((e) => ({
        IpAddress: e.address,
        Port: e.port,
        WebUrlPath: dcvConf.connectivity['web-url-path'],
        Protocol: 'HTTP',
      })),
      Version: version.version,
      AgentVersion: SERVER_VERSION,
      Host: hostFacts(),
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      MaxSessions: limits.length === 0 ? 0 : Math.min(...limits),
      MaxSessionsPerUser: sm['max-sessions-per-user'],
      Sessions: local,
      Seq: ++this.seq,
      InFlight: [...this.inFlight],
      Wait: true,
    };
  }

  private post(
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<unknown> {
    const b = this.config.brokers[this.brokerIndex]!;
    const text = JSON.stringify(body);
    return new Promise((resolvePost, reject) => {
      const req = https.request(
        {
          host: b.host,
          port: b.port,
          path,
          method: 'POST',
          agent: this.httpsAgent,
          ca: this.ca,
          rejectUnauthorized: this.config.tlsStrict,
          minVersion: 'TLSv1.2',
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
          signal,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const reply = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = JSON.parse(reply);
            } catch {
              reject(
                new Error(
                  `The broker at ${b.host}:${b.port} answered ${path} with HTTP ${res.statusCode ?? '?'} and no JSON`,
                ),
              );
              return;
            }
            if (res.statusCode === 200) resolvePost(parsed);
            else {
              const err = (parsed as { Error?: { Code?: string; Message?: string } }).Error;
              if (err?.Code === 'BROKER_UNAUTHORIZED' && path === '/agent/heartbeat') this.forget();
              reject(
                new Error(
                  `The broker at ${b.host}:${b.port} refused ${path}: ${err?.Message ?? `HTTP ${res.statusCode ?? '?'}`}`,
                ),
              );
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(
          new Error(`The broker at ${b.host}:${b.port} did not answer ${path} within ${timeoutMs / 1000} s`),
        ),
      );
      req.on('error', (e) =>
        reject(
          signal?.aborted === true
            ? e
            : new Error(`Cannot reach the broker at ${b.host}:${b.port}: ${e.message}`),
        ),
      );
      req.end(text);
    });
  }

  /** The broker does not know these credentials (another database, say): register anew. */
  private forget(): void {
    this.log.warn("The broker refused this agent's credentials; registering again as a new server");
    this.identity = null;
  }

  private handle(answer: HeartbeatAnswer): void {
    for (const s of answer.Create) this.task(s.Id, () => this.create(s));
    for (const id of answer.Delete) this.task(id, () => this.close(id));
    for (const r of answer.Requests) void this.request(r);
  }

  /** Runs one session task once at a time per session; when it ends, the next heartbeat goes at once. */
  private task(id: string, fn: () => Promise<void>): void {
    if (this.inFlight.has(id)) return;
    this.inFlight.add(id);
    void fn()
      .catch((e: unknown) => this.log.error(`Session '${id}': ${(e as Error).message}`))
      .finally(() => {
        this.inFlight.delete(id);
        this.poll?.abort();
      });
  }

  private async create(s: SessionToCreate): Promise<void> {
    let init: string | undefined;
    if (s.InitFile !== '') {
      init = resolve(this.config.initFolder, s.InitFile);
      if (!init.startsWith(join(resolve(this.config.initFolder), '/'))) init = undefined;
    }
    try {
      if (s.InitFile !== '' && init === undefined)
        throw new DcvError(
          'INIT_NOT_EXECUTABLE',
          `InitFile '${s.InitFile}' is outside ${this.config.initFolder}.`,
        );
      const entry = '/broker/permissions';
      await callDcvServer(this.paths, 'create-session', {
        id: s.Id,
        type: s.Type.toLowerCase(),
        owner: s.Owner,
        ...(s.Name === '' ? {} : { name: s.Name }),
        ...(init === undefined ? {} : { init }),
        ...(s.MaxConcurrentClients === null ? {} : { maxConcurrentClients: s.MaxConcurrentClients }),
        ...(s.StorageRoot === '' ? {} : { storageRoot: s.StorageRoot }),
        ...(s.Permissions === '' ? {} : { permissions: { entry, files: { [entry]: s.Permissions } } }),
      });
      this.log.info(`Session '${s.Id}' created for ${s.Owner}`);
    } catch (e) {
      if (e instanceof DcvError && e.code === 'SESSION_EXISTS') return;
      const reason = (e as Error).message;
      this.log.warn(`Session '${s.Id}' could not be created: ${reason}`);
      await this.post(
        '/agent/session-failed',
        { ...this.identity!, SessionId: s.Id, Reason: reason.slice(0, 2000) },
        undefined,
      );
    }
  }

  private async close(id: string): Promise<void> {
    try {
      await callDcvServer(this.paths, 'close-session', { id });
      this.log.info(`Session '${id}' closed`);
    } catch (e) {
      if (!(e instanceof DcvError && e.code === 'SESSION_NOT_FOUND')) throw e;
    }
  }

  private async request(r: AgentRequest): Promise<void> {
    let result: unknown = null;
    let error: string | undefined;
    try {
      if (r.Kind === 'get-screenshot') {
        result = (await callDcvServer(this.paths, 'get-screenshot', {
          id: r.SessionId,
          format: 'png',
          ...(r.MaxWidth === null ? {} : { maxWidth: r.MaxWidth }),
          ...(r.MaxHeight === null ? {} : { maxHeight: r.MaxHeight }),
        })) as ScreenshotResult;
      } else {
        const entry = '/broker/permissions';
        await callDcvServer(this.paths, 'set-permissions', {
          id: r.SessionId,
          mode: 'file',
          permissions: { entry, files: { [entry]: r.Permissions } },
        });
      }
    } catch (e) {
      error = (e as Error).message;
    }
    await this.post(
      '/agent/request-done',
      { ...this.identity!, Id: r.Id, ...(error === undefined ? { Result: result } : { Error: error }) },
      undefined,
    ).catch((e: unknown) => this.log.warn(`Could not report request ${r.Id}: ${(e as Error).message}`));
  }

  async stop(reason: string): Promise<void> {
    this.log.info(`dcv-session-manager-agent stopping: ${reason}`);
    this.stopped = true;
    this.poll?.abort();
    await this.loop;
    this.httpsAgent.destroy();
    await this.log.close();
  }
}

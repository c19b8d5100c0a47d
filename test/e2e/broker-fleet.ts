// Test and benchmark support (not a test): a whole many-hosts deployment on one machine, every part a real
// process — PostgreSQL, brokers, and hosts each with a dcvserver and its agent in its own DCV_ROOT on its own
// loopback address (127.0.1.N) — and a client for the broker's REST API that checks every answer against the
// spec's schema (src/broker/api.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import type { z } from 'zod';
import * as Api from '../../src/broker/api.js';
import { freePort } from './browser.js';
import { dcvserver, makeDcvRoot, REPO, removeDcvRoot, waitFor } from './harness.js';
import { TestPostgres } from './postgres.js';

export const BROKER = join(REPO, 'bin/dcv-session-manager-broker');
export const AGENT = join(REPO, 'bin/dcv-session-manager-agent');

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** Each operation's path, method and response schema, as the spec has them. */
export const OPERATIONS = {
  describeSessions: ['POST', '/describeSessions', Api.DescribeSessionsResponse],
  describeServers: ['POST', '/describeServers', Api.DescribeServersResponse],
  createSessions: ['POST', '/createSessions', Api.CreateSessionsResponse],
  deleteSessions: ['POST', '/deleteSessions', Api.DeleteSessionsResponse],
  updateSessionPermissions: ['PUT', '/sessionPermissions', Api.UpdateSessionPermissionsResponse],
  getSessionScreenshots: ['POST', '/getSessionScreenshots', Api.GetSessionScreenshotsResponse],
  openServers: ['POST', '/openServers', Api.OpenServersResponse],
  closeServers: ['POST', '/closeServers', Api.CloseServersResponse],
} as const;
type Operation = keyof typeof OPERATIONS;

/** One HTTPS request to a broker, trusting its certificate (and only that). */
export function request(
  port: number,
  ca: string,
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        ca,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Parses with a strict schema; a field the spec does not have, or one of the wrong type, fails the test. */
export function checked<T extends z.ZodType>(schema: T, text: string, what: string): z.infer<T> {
  const r = schema.safeParse(JSON.parse(text));
  if (!r.success)
    throw new Error(
      `${what}: the answer does not match the spec's schema: ${Api.describeIssues(r.error)}\n${text.slice(0, 2000)}`,
    );
  return r.data;
}

export class ApiClient {
  private token = '';
  constructor(
    readonly port: number,
    private readonly ca: string,
    private readonly clientId: string,
    private readonly clientPassword: string,
  ) {}

  /** The same client talking to another broker, with the same access token (tokens live in the database). */
  on(port: number): ApiClient {
    const c = new ApiClient(port, this.ca, this.clientId, this.clientPassword);
    c.token = this.token;
    return c;
  }

  async authenticate(): Promise<z.infer<typeof Api.TokenResponse>> {
    const basic = Buffer.from(`${this.clientId}:${this.clientPassword}`).toString('base64');
    const r = await request(this.port, this.ca, 'POST', '/oauth2/token?grant_type=client_credentials', '', {
      Authorization: `Basic ${basic}`,
    });
    if (r.status !== 200) throw new Error(`token: HTTP ${r.status} ${r.text}`);
    const t = checked(Api.TokenResponse, r.text, 'oauth2/token');
    this.token = t.access_token;
    return t;
  }

  /** Calls an operation; a 200 answer is checked against its response schema, any other against ErrorResponse. */
  async call<O extends Operation>(
    op: O,
    body: unknown,
  ): Promise<ApiAnswer<z.infer<(typeof OPERATIONS)[O][2]>>>;
  async call(op: Operation, body: unknown): Promise<ApiAnswer<unknown>> {
    const [method, path, schema] = OPERATIONS[op];
    const r = await request(this.port, this.ca, method, path, JSON.stringify(body), {
      Authorization: `Bearer ${this.token}`,
      'Content-Type': 'application/json',
    });
    if (r.status === 200) return { status: 200, body: checked(schema, r.text, op) };
    return { status: r.status, body: checked(Api.ErrorResponse, r.text, op) };
  }

  async connectionData(sessionId: string, user: string): Promise<ApiAnswer<unknown>> {
    const r = await request(
      this.port,
      this.ca,
      'GET',
      `/sessionConnectionData/${encodeURIComponent(sessionId)}/${encodeURIComponent(user)}`,
      undefined,
      { Authorization: `Bearer ${this.token}` },
    );
    return {
      status: r.status,
      body: checked(
        r.status === 200 ? Api.GetSessionConnectionDataResponse : Api.ErrorResponse,
        r.text,
        'sessionConnectionData',
      ),
    };
  }

  /** The one session, as describeSessions has it now. */
  async session(id: string): Promise<Api.Session | undefined> {
    const r = await this.call('describeSessions', { SessionIds: [id] });
    if (r.status !== 200) throw new Error(`describeSessions: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return (r.body as z.infer<typeof Api.DescribeSessionsResponse>).Sessions?.[0];
  }

  async waitForState(id: string, state: Api.SessionState, ms = 30_000): Promise<Api.Session> {
    let last: Api.Session | undefined;
    try {
      return await waitFor(
        `session ${id} to be ${state}`,
        async () => {
          last = await this.session(id);
          return last?.State === state ? last : undefined;
        },
        ms,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(last)}`);
    }
  }
}

export interface Broker {
  readonly root: string;
  readonly clientPort: number;
  readonly agentPort: number;
  process: ChildProcess;
  output: string;
}

export interface FleetHost {
  readonly n: number;
  readonly root: string;
  readonly address: string;
  readonly webPort: number;
  agent: ChildProcess | null;
  agentOutput: string;
}

export interface FleetOptions {
  readonly hosts: number;
  readonly brokers: number;
  /** dcv.conf [session-management] max-concurrent-sessions of every host. */
  readonly maxSessions: number;
  /** Init files put in every host's agent init folder: name → script body. */
  readonly initFiles: (host: number) => Record<string, string>;
  readonly heartbeatSeconds: number;
  readonly heartbeatTimeoutSeconds: number;
  /** Which broker's agent connector the hosts' dcvservers ask to verify tokens. */
  readonly verifierBroker: number;
  readonly pgUser: string;
}

export class Fleet {
  pg!: TestPostgres;
  readonly brokers: Broker[] = [];
  readonly hosts: FleetHost[] = [];
  ca = '';

  constructor(readonly options: FleetOptions) {}

  async start(): Promise<void> {
    this.pg = await TestPostgres.start(this.options.pgUser);
    // The first broker generates the fleet's certificate; the others start beside it, all at once.
    await this.addBroker(0);
    await Promise.all(Array.from({ length: this.options.brokers - 1 }, (_, i) => this.addBroker(i + 1)));
    this.ca = readFileSync(join(this.brokers[0]!.root, 'etc/dcv-session-manager-broker/broker.pem'), 'utf8');
    await Promise.all(Array.from({ length: this.options.hosts }, (_, i) => this.addHost(i + 1)));
    this.hosts.sort((a, b) => a.n - b.n);
  }

  private async addBroker(i: number): Promise<void> {
    const root = mkdtempSync('/tmp/opendcv-broker-');
    chmodSync(root, 0o755);
    mkdirSync(join(root, 'etc/dcv-session-manager-broker'), { recursive: true });
    const clientPort = await freePort();
    const agentPort = await freePort();
    writeFileSync(
      join(root, 'etc/dcv-session-manager-broker/session-manager-broker.properties'),
      `# test broker ${i + 1}\nclient-to-broker-connector-https-port = ${clientPort}\nclient-to-broker-connector-bind-host = 127.0.0.1\n` +
        `agent-to-broker-connector-https-port = ${agentPort}\nagent-to-broker-connector-bind-host = 127.0.0.1\n` +
        `enable-persistence = true\npersistence-db = postgresql\n${this.pg.properties()}` +
        `agent-heartbeat-interval-seconds = ${this.options.heartbeatSeconds}\nagent-heartbeat-timeout-seconds = ${this.options.heartbeatTimeoutSeconds}\n` +
        `connect-session-token-duration-minutes = 5\ncreate-sessions-queue-max-size = 10\ncreate-sessions-queue-max-time-seconds = 60\n`,
    );
    // One certificate for the whole broker fleet (as behind one name), so hosts trust one CA file.
    if (i > 0) {
      copyFileSync(
        join(this.brokers[0]!.root, 'etc/dcv-session-manager-broker/broker.pem'),
        join(root, 'etc/dcv-session-manager-broker/broker.pem'),
      );
      copyFileSync(
        join(this.brokers[0]!.root, 'etc/dcv-session-manager-broker/broker.key'),
        join(root, 'etc/dcv-session-manager-broker/broker.key'),
      );
    }
    const b: Broker = { root, clientPort, agentPort, process: null as unknown as ChildProcess, output: '' };
    this.brokers[i] = b;
    await this.startBroker(b);
  }

  async startBroker(b: Broker): Promise<void> {
    b.output = '';
    b.process = spawn(process.execPath, [BROKER, 'run'], {
      env: { PATH: process.env['PATH'], DCV_ROOT: b.root, DCV_LOG_STDERR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    b.process.stdout!.on('data', (c: Buffer) => (b.output += c.toString()));
    b.process.stderr!.on('data', (c: Buffer) => (b.output += c.toString()));
    await waitFor('the broker to be ready', () => {
      if (b.process.exitCode !== null) throw new Error(`the broker exited: ${b.output}`);
      return b.output.includes('dcv-session-manager-broker ready') ? true : undefined;
    });
  }

  private async addHost(n: number): Promise<void> {
    const address = `127.0.1.${n}`;
    const webPort = await freePort();
    const verifier = this.brokers[this.options.verifierBroker]!;
    const root = makeDcvRoot(
      `[connectivity]\nweb-port=${webPort}\nweb-listen-endpoints=['${address}']\n` +
        `[security]\nauth-token-verifier="https://127.0.0.1:${verifier.agentPort}/agent/validate-authentication-token"\nca-file="ROOTCA"\n` +
        `[session-management]\nmax-concurrent-sessions=${this.options.maxSessions}\n`,
    );
    const caFile = join(root, 'etc/dcv/broker-ca.pem');
    writeFileSync(caFile, this.ca);
    const conf = join(root, 'etc/dcv/dcv.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('ROOTCA', caFile));
    const etc = join(root, 'etc/dcv-session-manager-agent');
    mkdirSync(join(etc, 'tags'), { recursive: true });
    const brokers = this.brokers.map((b) => `127.0.0.1:${b.agentPort}`).join(',');
    writeFileSync(
      join(etc, 'agent.conf'),
      `[agent]\nbroker_host = '${brokers}'\nca_file = '${caFile}'\ntls_strict = true\ninit_folder = '${join(root, 'init')}'\n\n[log]\nlevel = 'info'\n`,
    );
    writeFileSync(join(etc, 'tags/host.toml'), `host = "h${n}"\nos = "linux"\n`);
    mkdirSync(join(root, 'init'), { recursive: true, mode: 0o755 });
    for (const [name, body] of Object.entries(this.options.initFiles(n)))
      writeFileSync(join(root, 'init', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    const started = await dcvserver(root, ['start']);
    if (started.code !== 0) throw new Error(`dcvserver on ${address} did not start: ${started.stderr}`);
    const host: FleetHost = { n, root, address, webPort, agent: null, agentOutput: '' };
    this.hosts.push(host);
    this.startAgent(host);
  }

  startAgent(h: FleetHost): void {
    h.agentOutput = '';
    h.agent = spawn(process.execPath, [AGENT, 'run'], {
      env: { PATH: process.env['PATH'], DCV_ROOT: h.root, DCV_LOG_STDERR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    h.agent.stdout!.on('data', (c: Buffer) => (h.agentOutput += c.toString()));
    h.agent.stderr!.on('data', (c: Buffer) => (h.agentOutput += c.toString()));
  }

  async killAgent(h: FleetHost): Promise<void> {
    const a = h.agent;
    if (a === null || a.exitCode !== null || a.signalCode !== null) return;
    await new Promise<void>((r) => {
      a.once('exit', () => r());
      a.kill('SIGKILL');
    });
    h.agent = null;
  }

  async killBroker(b: Broker): Promise<void> {
    if (b.process.exitCode !== null || b.process.signalCode !== null) return;
    await new Promise<void>((r) => {
      b.process.once('exit', () => r());
      b.process.kill('SIGKILL');
    });
  }

  /** An API client registered with the real CLI of broker `i`. */
  async client(name: string, i = 0): Promise<ApiClient> {
    const out = await runBrokerCli(this.brokers[i]!.root, ['register-api-client', '--client-name', name]);
    const id = /^client-id: (\S+)$/m.exec(out.stdout)?.[1];
    const password = /^client-password: (\S+)$/m.exec(out.stdout)?.[1];
    if (id === undefined || password === undefined)
      throw new Error(`register-api-client printed: ${out.stdout}${out.stderr}`);
    const c = new ApiClient(this.brokers[i]!.clientPort, this.ca, id, password);
    await c.authenticate();
    return c;
  }

  async dispose(): Promise<void> {
    for (const h of this.hosts) {
      await this.killAgent(h);
      await dcvserver(h.root, ['stop']);
      removeDcvRoot(h.root);
    }
    for (const b of this.brokers) {
      if (b === undefined) continue;
      await this.killBroker(b);
      removeDcvRoot(b.root);
    }
    this.pg?.remove();
  }
}

export function runBrokerCli(
  root: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BROKER, ...args], {
      env: { PATH: process.env['PATH'], DCV_ROOT: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

// dcv-session-manager-broker, the service: two HTTPS connectors (clients: DCV Session Manager's REST API
// behind OAuth2 bearer tokens; agents: heartbeats and the token verifier), every request answered from
// PostgreSQL, so the process holds nothing worth keeping and any number of brokers serve side by side.
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z as zod, type z } from 'zod';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { Logger } from '../server/logger.js';
import { loadTlsIdentity } from '../server/tls-identity.js';
import { AgentLink } from './agent-link.js';
import { Heartbeat, RequestDone, SessionFailed } from './agent-protocol.js';
import * as Api from './api.js';
import type { BrokerConfig } from './broker-config.js';
import { readBrokerConfig } from './read-config.js';
import { ClientApi } from './client-api.js';
import { Notifier } from './notifier.js';
import { isDatabaseUnavailable, Store } from './store.js';

const CLIENT_BODY_LIMIT = 8 * 1024 * 1024;
const AGENT_BODY_LIMIT = 64 * 1024 * 1024;

/** HTTP status of each catalogued failure the API can answer with. */
function httpStatus(e: DcvError): number {
  switch (e.code) {
    case 'BROKER_UNAUTHORIZED':
      return 401;
    case 'BROKER_NOT_FOUND':
    case 'BROKER_SESSION_NOT_FOUND':
      return 404;
    case 'BROKER_DATABASE_UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
    default:
      return 400;
  }
}

class HttpError extends DcvError {}

async function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit)
      throw new HttpError('BROKER_INVALID_REQUEST', `The request body is larger than ${limit} bytes.`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson<T extends z.ZodType>(schema: T, text: string, optional: boolean): z.infer<T> {
  let value: unknown;
  if (text.trim() === '' && optional) value = {};
  else {
    try {
      value = JSON.parse(text);
    } catch {
      throw new DcvError('BROKER_INVALID_REQUEST', 'The request body is not JSON.');
    }
  }
  const r = schema.safeParse(value);
  if (!r.success)
    throw new DcvError('BROKER_INVALID_REQUEST', `Invalid input: ${Api.describeIssues(r.error)}.`);
  return r.data;
}

export class BrokerService {
  private readonly servers: https.Server[] = [];
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private readonly inflight = new Set<AbortController>();
  readonly api: ClientApi;
  readonly agents: AgentLink;

  private constructor(
    readonly config: BrokerConfig,
    readonly store: Store,
    private readonly notifier: Notifier,
    readonly log: Logger,
  ) {
    this.api = new ClientApi(store, config, notifier);
    this.agents = new AgentLink(store, config, notifier, this.api, log.child('agents'));
  }

  static async start(paths: HostPaths, options: { echoLog: boolean }): Promise<BrokerService> {
    const { config, warnings } = readBrokerConfig(paths.brokerConfigFile);
    const log = new Logger(paths.brokerLog, 'info', options.echoLog, 'broker');
    for (const w of warnings) log.warn(w);
    const store = new Store(config.db, (e) => log.warn(`Database connection lost: ${e.message}`));
    const notifier = new Notifier(config.db, log.child('db'));
    const service = new BrokerService(config, store, notifier, log);
    try {
      await service.connectDatabase();
      const tls = await loadTlsIdentity(
        { tlsCert: paths.brokerTlsCert, tlsKey: paths.brokerTlsKey },
        [config.clientBindHost, config.agentBindHost].filter(
          (h) => /^[\d.]+$|:/.test(h) && h !== '0.0.0.0' && h !== '::',
        ),
      );
      if (tls.generated) log.info(`Generated a self-signed TLS certificate in ${paths.brokerTlsCert}`);
      await service.listen(
        tls,
        config.clientBindHost,
        config.clientPort,
        (req, res) => service.client(req, res),
        'client',
      );
      await service.listen(
        tls,
        config.agentBindHost,
        config.agentPort,
        (req, res) => service.agent(req, res),
        'agent',
      );
      service.scheduleSweep();
      log.info(
        `dcv-session-manager-broker ready (pid ${process.pid}); clients on ${config.clientBindHost}:${service.ports[0]}, agents on ${config.agentBindHost}:${service.ports[1]}`,
      );
      return service;
    } catch (e) {
      await service.stop('start failed');
      throw e;
    }
  }

  /** The ports listened on: [client connector, agent connector]. */
  get ports(): number[] {
    return this.servers.map((s) => (s.address() as AddressInfo).port);
  }

  private async connectDatabase(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await this.store.migrate();
        await this.notifier.start();
        return;
      } catch (e) {
        if (!(e instanceof DcvError && e.code === 'BROKER_DATABASE_UNAVAILABLE') || Date.now() > deadline)
          throw e;
        this.log.warn(`${e.message} Retrying.`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async listen(
    tls: { cert: string; key: string },
    host: string,
    port: number,
    handler: http.RequestListener,
    what: string,
  ): Promise<void> {
    const server = https.createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new DcvError(
            'BROKER_LISTEN_FAILED',
            `The broker cannot listen for ${what}s on ${host}:${port} (${e.code ?? e.message}); change the ${what}-to-broker-connector port or stop the other program.`,
          ),
        ),
      );
      server.listen(port, host, () => resolve());
    });
    this.servers.push(server);
  }

  private scheduleSweep(): void {
    const every = this.config.heartbeatSeconds * 1000;
    this.sweepTimer = setTimeout(
      () => {
        this.api.sweep().then(
          () => this.scheduleSweep(),
          (e: unknown) => {
            if (!isDatabaseUnavailable(e) && !(e instanceof DcvError))
              this.log.error(`Housekeeping failed: ${(e as Error).stack ?? String(e)}`);
            this.scheduleSweep();
          },
        );
      },
      every * (0.5 + Math.random() / 2),
    );
    this.sweepTimer.unref();
  }

  private send(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent || res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': typeof body === 'string' ? 'text/xml' : 'application/json',
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(text);
  }

  private fail(res: http.ServerResponse, e: unknown, where: string): void {
    let err: DcvError;
    if (e instanceof DcvError) err = e;
    else if (isDatabaseUnavailable(e)) err = this.store.translate(e) as DcvError;
    else {
      this.log.error(`${where}: ${(e as Error).stack ?? String(e)}`);
      err = new DcvError('INTERNAL', 'Internal broker error; see the broker log.');
    }
    if (err.code === 'BROKER_DATABASE_UNAVAILABLE') this.log.warn(`${where}: ${err.message}`);
    const body: z.infer<typeof Api.ErrorResponse> = {
      RequestId: randomUUID(),
      Error: { Code: err.code, Message: err.message },
    };
    this.send(
      res,
      httpStatus(err),
      body,
      err.code === 'BROKER_UNAUTHORIZED' ? { 'WWW-Authenticate': 'Bearer' } : {},
    );
  }

  /** The client connector: /oauth2/token, then the API with a bearer token. */
  private async client(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://broker');
    const route = `${req.method ?? ''} ${url.pathname}`;
    try {
      if (route === 'POST /oauth2/token') return await this.token(req, res, url);
      if (route === 'GET /dcv-session-manager-api.yaml' && this.config.enableApiYaml)
        return this.send(res, 200, apiDocument(), { 'Content-Type': 'application/yaml' });
      await this.bearer(req);
      const body = (limit = CLIENT_BODY_LIMIT): Promise<string> => readBody(req, limit);
      const json = <T extends z.ZodType>(schema: T, optional = false): Promise<z.infer<T>> =>
        body().then((t) => parseJson(schema, t, optional));
      let out: unknown;
      const conn = /^\/sessionConnectionData\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && conn !== null) {
        out = await this.api.getSessionConnectionData(
          decodeURIComponent(conn[1]!),
          decodeURIComponent(conn[2]!),
        );
      } else {
        switch (route) {
          case 'POST /describeSessions':
            out = await this.api.describeSessions(await json(Api.DescribeSessionsRequest, true));
            break;
          case 'POST /describeServers':
            out = await this.api.describeServers(await json(Api.DescribeServersRequest, true));
            break;
          case 'POST /createSessions':
            out = await this.api.createSessions(await json(Api.CreateSessionsRequest));
            break;
          case 'POST /deleteSessions':
            out = await this.api.deleteSessions(await json(Api.DeleteSessionsRequest));
            break;
          case 'PUT /sessionPermissions':
            out = await this.api.updateSessionPermissions(await json(Api.UpdateSessionPermissionsRequest));
            break;
          case 'POST /getSessionScreenshots':
            out = await this.api.getSessionScreenshots(await json(Api.GetSessionScreenshotsRequest));
            break;
          case 'POST /openServers':
            out = await this.api.openServers(await json(Api.OpenServersRequest));
            break;
          case 'POST /closeServers':
            out = await this.api.closeServers(await json(Api.CloseServersRequest));
            break;
          default:
            throw new DcvError('BROKER_NOT_FOUND', `${route} is not an operation of this API.`);
        }
      }
      this.send(res, 200, out);
    } catch (e) {
      this.fail(res, e, route);
    }
  }

  /** OAuth2 client credentials (RFC 6749 §4.4): HTTP Basic client-id:client-password in, a bearer token out. */
  private async token(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    const grant = url.searchParams.get('grant_type') ?? form.get('grant_type');
    if (grant !== 'client_credentials')
      throw new DcvError(
        'BROKER_INVALID_REQUEST',
        'grant_type must be client_credentials (POST /oauth2/token?grant_type=client_credentials).',
      );
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    const pair = m === null ? '' : Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    if (colon < 1)
      throw new DcvError(
        'BROKER_UNAUTHORIZED',
        'Send the client id and password with HTTP Basic authentication.',
      );
    const id = decodeURIComponent(pair.slice(0, colon));
    const token = await this.store.issueAccessToken(
      id,
      decodeURIComponent(pair.slice(colon + 1)),
      this.config.accessTokenSeconds,
    );
    if (token === null) {
      this.log.warn(
        `Refused an access token to client '${id.slice(0, 64)}' from ${req.socket.remoteAddress ?? '?'}: wrong id or password`,
      );
      throw new DcvError('BROKER_UNAUTHORIZED', 'The client id or password is not correct.');
    }
    const body: z.infer<typeof Api.TokenResponse> = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: this.config.accessTokenSeconds,
    };
    this.send(res, 200, body);
  }

  private async bearer(req: http.IncomingMessage): Promise<string> {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (m === null)
      throw new DcvError(
        'BROKER_UNAUTHORIZED',
        'Every call needs an access token (Authorization: Bearer TOKEN) from POST /oauth2/token.',
      );
    const client = await this.store.clientOfToken(m[1]!);
    if (client === null)
      throw new DcvError(
        'BROKER_UNAUTHORIZED',
        'The access token is unknown or expired; get a new one from POST /oauth2/token.',
      );
    return client;
  }

  /** The agent connector. */
  private async agent(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://broker');
    const route = `${req.method ?? ''} ${url.pathname}`;
    const abort = new AbortController();
    this.inflight.add(abort);
    res.once('close', () => abort.abort());
    try {
      const text = await readBody(req, AGENT_BODY_LIMIT);
      switch (route) {
        case 'POST /agent/heartbeat':
          return this.send(
            res,
            200,
            await this.agents.heartbeat(parseJson(Heartbeat, text, false), abort.signal),
          );
        case 'POST /agent/session-failed': {
          const f = parseJson(SessionFailed, text, false);
          await this.agents.sessionFailed(f.ServerId, f.Secret, f.SessionId, f.Reason);
          return this.send(res, 200, {});
        }
        case 'POST /agent/request-done': {
          const d = parseJson(RequestDone, text, false);
          await this.agents.requestDone(d.ServerId, d.Secret, d.Id, d.Result, d.Error);
          return this.send(res, 200, {});
        }
        case 'POST /agent/validate-authentication-token': {
          // DCV's verifier form: sessionId, authenticationToken, clientAddress.
          const form = new URLSearchParams(text);
          const answer = await this.agents.validateToken(
            form.get('sessionId') ?? '',
            form.get('authenticationToken') ?? '',
          );
          return this.send(res, 200, answer);
        }
        default:
          throw new DcvError('BROKER_NOT_FOUND', `${route} is not served on the agent connector.`);
      }
    } catch (e) {
      this.fail(res, e, route);
    } finally {
      this.inflight.delete(abort);
    }
  }

  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info(`dcv-session-manager-broker stopping: ${reason}`);
      if (this.sweepTimer !== null) clearTimeout(this.sweepTimer);
      for (const a of this.inflight) a.abort();
      await Promise.all(
        this.servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      );
      await this.notifier.close();
      await this.store.close().catch(() => undefined);
      this.log.info('dcv-session-manager-broker stopped');
      await this.log.close();
    })();
    return this.stopping;
  }
}

/** enable-api-yaml: the API this broker serves, as an OpenAPI 3.0 document generated from its own schemas (JSON is YAML). */
function apiDocument(): string {
  const ops: [string, string, string, z.ZodType | null, z.ZodType][] = [
    [
      'post',
      '/describeSessions',
      'describeSessions',
      Api.DescribeSessionsRequest,
      Api.DescribeSessionsResponse,
    ],
    ['post', '/describeServers', 'describeServers', Api.DescribeServersRequest, Api.DescribeServersResponse],
    ['post', '/createSessions', 'createSessions', Api.CreateSessionsRequest, Api.CreateSessionsResponse],
    ['post', '/deleteSessions', 'deleteSessions', Api.DeleteSessionsRequest, Api.DeleteSessionsResponse],
    [
      'put',
      '/sessionPermissions',
      'updateSessionPermissions',
      Api.UpdateSessionPermissionsRequest,
      Api.UpdateSessionPermissionsResponse,
    ],
    [
      'get',
      '/sessionConnectionData/{sessionId}/{user}',
      'GetSessionConnectionData',
      null,
      Api.GetSessionConnectionDataResponse,
    ],
    [
      'post',
      '/getSessionScreenshots',
      'getSessionScreenshots',
      Api.GetSessionScreenshotsRequest,
      Api.GetSessionScreenshotsResponse,
    ],
    ['post', '/openServers', 'openServers', Api.OpenServersRequest, Api.OpenServersResponse],
    ['post', '/closeServers', 'closeServers', Api.CloseServersRequest, Api.CloseServersResponse],
  ];
  const schema = (t: z.ZodType): unknown =>
    zod.toJSONSchema(t, { target: 'openapi-3.0', unrepresentable: 'any' });
  const json = (t: z.ZodType): Record<string, unknown> => ({
    content: { 'application/json': { schema: schema(t) } },
  });
  const error = { description: 'Refused: see Error.Code (docs/errors.md)', ...json(Api.ErrorResponse) };
  const paths: Record<string, unknown> = {};
  for (const [method, path, operationId, request, response] of ops) {
    paths[path] = {
      [method]: {
        operationId,
        ...(request === null
          ? {
              parameters: ['sessionId', 'user'].map((name) => ({
                name,
                in: 'path',
                required: true,
                schema: { type: 'string' },
              })),
            }
          : { requestBody: { required: !operationId.startsWith('describe'), ...json(request) } }),
        responses: {
          '200': { description: 'successful operation', ...json(response) },
          '400': error,
          '401': error,
          '503': error,
        },
      },
    };
  }
  const doc = {
    openapi: '3.0.0',
    info: {
      title: 'DCV Session Manager',
      description: 'DCV Session Manager API, as served by opendcv',
      version: '2023.0',
    },
    paths,
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearerAuth: [] }],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

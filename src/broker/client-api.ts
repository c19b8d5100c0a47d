// The operations of DCV Session Manager's REST API (the client connector), on the database. Each takes a
// request already validated against the spec's schema and returns the spec's response object.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DcvError } from '../errors.js';
import { validateSessionId, validateSessionName } from '../session/session-id.js';
import type * as Api from './api.js';
import type { z } from 'zod';
import type { BrokerConfig } from './broker-config.js';
import type { Notifier } from './notifier.js';
import {
  candidateServers,
  lockServerWithRoom,
  SERVER_COLUMNS,
  serverToApi,
  sessionToApi,
  type Placement,
  type ServerRow,
  type SessionRow,
} from './placement.js';
import { parseRequirements } from './requirements.js';
import { AGENT_CHANNEL, newSecret, RESULT_CHANNEL, sha256, type Store } from './store.js';

type In<T extends z.ZodType> = z.infer<T>;

const DEFAULT_PAGE = 1000;
const AGENT_ANSWER_MS = 15_000;
const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@\\$-]{0,254}$/;

function pageToken(seq: string): string {
  return Buffer.from(`s:${seq}`).toString('base64url');
}

function pageStart(token: string | undefined): string {
  if (token === undefined || token === '') return '0';
  const m = /^s:(\d{1,19})$/.exec(Buffer.from(token, 'base64url').toString());
  if (m === null) throw new DcvError('BROKER_INVALID_REQUEST', 'NextToken is not a token this API returned.');
  return m[1]!;
}

/** Base64 as the spec's PermissionsFile is sent; refuses what is not. */
function fromBase64(text: string, field: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s+/g, '')))
    throw new DcvError('BROKER_INVALID_REQUEST', `${field} must be base64-encoded.`);
  return Buffer.from(text, 'base64').toString('utf8');
}

export class ClientApi {
  constructor(
    private readonly store: Store,
    private readonly config: BrokerConfig,
    private readonly notifier: Notifier,
  ) {}

  private get timeout(): number {
    return this.config.heartbeatTimeoutSeconds;
  }

  async describeSessions(
    req: In<typeof Api.DescribeSessionsRequest>,
  ): Promise<In<typeof Api.DescribeSessionsResponse>> {
    const where: string[] = [
      's.seq > $2',
      `(s.state <> 'DELETED' OR s.deleted_at > now() - make_interval(secs => $3))`,
    ];
    const params: unknown[] = [this.timeout, pageStart(req.NextToken), this.config.deleteSessionSeconds];
    const add = (sql: (n: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (req.SessionIds !== undefined) add((n) => `s.id = ANY(${n})`, req.SessionIds);
    for (const f of req.Filters ?? []) {
      const key = f.Key ?? '';
      if (key === 'owner') add((n) => `s.owner = ${n}`, f.Value ?? '');
      else if (key.startsWith('tag:') && key.length > 4) {
        params.push(key.slice(4));
        add((n) => `sv.tags ->> $${params.length - 1} = ${n}`, f.Value ?? '');
      } else
        throw new DcvError(
          'BROKER_INVALID_REQUEST',
          `Filter '${key}' is not supported; use owner or tag:KEY.`,
        );
    }
    const limit = req.MaxResults ?? DEFAULT_PAGE;
    const rows = (
      await this.store.query<SessionRow & { srv: ServerRow | null }>(
        `WITH sv AS (SELECT ${SERVER_COLUMNS} FROM servers srv)
         SELECT s.seq, s.id, s.name, s.owner, s.type, s.server_id, s.max_concurrent_clients, s.state, s.substate, s.state_reason,
                s.creation_time, s.last_disconnection_time, s.num_connections, s.storage_root,
                CASE WHEN sv.id IS NULL THEN NULL ELSE row_to_json(sv) END AS srv
         FROM sessions s LEFT JOIN sv ON sv.id = s.server_id
         WHERE ${where.join(' AND ')} ORDER BY s.seq LIMIT ${limit + 1}`,
        params,
      )
    ).rows;
    const page = rows.slice(0, limit);
    return {
      RequestId: randomUUID(),
      Sessions: page.map((r) => sessionToApi(r, r.srv ?? undefined)),
      ...(rows.length > limit ? { NextToken: pageToken(page[page.length - 1]!.seq) } : {}),
    };
  }

  async describeServers(
    req: In<typeof Api.DescribeServersRequest>,
  ): Promise<In<typeof Api.DescribeServersResponse>> {
    const limit = req.MaxResults ?? DEFAULT_PAGE;
    const params: unknown[] = [this.timeout, pageStart(req.NextToken)];
    let filter = '';
    if (req.ServerIds !== undefined) {
      params.push(req.ServerIds);
      filter = ' AND srv.id = ANY($3)';
    }
    // Servers page by registration order; the token carries the offset's row number.
    const rows = (
      await this.store.query<ServerRow & { n: string }>(
        `SELECT * FROM (SELECT ${SERVER_COLUMNS}, row_number() OVER (ORDER BY srv.registered_at, srv.id) AS n FROM servers srv WHERE true${filter}) t
         WHERE n > $2 ORDER BY n LIMIT ${limit + 1}`,
        params,
      )
    ).rows;
    const page = rows.slice(0, limit);
    return {
      RequestId: randomUUID(),
      Servers: page.map(serverToApi),
      ...(rows.length > limit ? { NextToken: pageToken(page[page.length - 1]!.n) } : {}),
    };
  }

  async createSessions(
    req: In<typeof Api.CreateSessionsRequest>,
  ): Promise<In<typeof Api.CreateSessionsResponse>> {
    const SuccessfulList: Api.Session[] = [];
    const UnsuccessfulList: {
      CreateSessionRequestData: Api.CreateSessionRequestData;
      FailureReason: string;
    }[] = [];
    for (const r of req) {
      try {
        SuccessfulList.push(await this.createOne(r));
      } catch (e) {
        if (!(e instanceof DcvError) || e.code === 'BROKER_DATABASE_UNAVAILABLE') throw e;
        UnsuccessfulList.push({ CreateSessionRequestData: r, FailureReason: e.message });
      }
    }
    return { RequestId: randomUUID(), SuccessfulList, UnsuccessfulList };
  }

  private async createOne(r: Api.CreateSessionRequestData): Promise<Api.Session> {
    const invalid = (m: string): DcvError => new DcvError('BROKER_INVALID_REQUEST', m);
    if (r.Owner === undefined || !USER_NAME.test(r.Owner))
      throw invalid('Owner is required: the user name that owns the session on the DCV server.');
    const type = (r.Type ?? 'Virtual').toLowerCase();
    if (type !== 'virtual' && type !== 'console')
      throw invalid(`Type must be Virtual or Console, not '${r.Type}'.`);
    const Type = type === 'virtual' ? 'Virtual' : 'Console';
    const name = validateSessionName(r.Name ?? '');
    if (r.DcvGlEnabled === true) throw invalid('DcvGlEnabled: DCV-GL is not available on opendcv servers.');
    if (r.AutorunFile !== undefined || r.AutorunFileArguments !== undefined)
      throw invalid('AutorunFile is not supported by opendcv servers yet.');
    const init = r.InitFile ?? r.InitFilePath ?? '';
    if (init !== '' && (init.startsWith('/') || init.split('/').some((p) => p === '..' || p === '')))
      throw invalid(
        `InitFile '${init}' must be a file name or a relative path inside the host's init folder.`,
      );
    const permissions =
      r.PermissionsFile === undefined ? '' : fromBase64(r.PermissionsFile, 'PermissionsFile');
    const parsed = parseRequirements(r.Requirements ?? '');
    if (!parsed.ok) throw invalid(`Requirements: ${parsed.error}.`);
    const placement: Placement = { owner: r.Owner, type: Type, requirement: parsed.requirement };
    const id = validateSessionId(randomUUID());
    const request = { InitFile: init, Permissions: permissions };
    const insert = async (c: pg.PoolClient, serverId: string | null, queuedUntil: boolean): Promise<void> => {
      await c.query(
        `INSERT INTO sessions (id, name, owner, type, server_id, max_concurrent_clients, state, state_reason, storage_root, request, queued_until)
         VALUES ($1, $2, $3, $4, $5, $6, 'CREATING', $7, $8, $9, ${queuedUntil ? 'now() + make_interval(secs => $10)' : 'NULL'})`,
        [
          id,
          name,
          r.Owner,
          Type,
          serverId,
          r.MaxConcurrentClients ?? null,
          queuedUntil ? 'Waiting in the queue for a server that meets the requirements' : '',
          r.StorageRoot ?? '',
          JSON.stringify({ ...request, Requirements: r.Requirements ?? '' }),
          ...(queuedUntil ? [this.config.queueMaxSeconds] : []),
        ],
      );
      if (serverId !== null) await c.query('SELECT pg_notify($1, $2)', [AGENT_CHANNEL, serverId]);
    };
    for (const server of await candidateServers(this.store, this.timeout, placement)) {
      const placed = await this.store.transaction(async (c) => {
        if (!(await lockServerWithRoom(c, server.id, this.timeout, placement))) return false;
        await insert(c, server.id, false);
        return true;
      });
      if (placed) return this.sessionById(id);
    }
    if (r.EnqueueRequest !== true)
      throw new DcvError(
        'BROKER_NO_SERVER',
        'No available server meets the requirements and has room for the session; set EnqueueRequest to wait for one.',
      );
    const queued = await this.store.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [0x0dc5_0002]);
      const n = (
        await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM sessions WHERE server_id IS NULL AND state = 'CREATING'`,
        )
      ).rows[0]!.n;
      if (n >= this.config.queueMaxSize) return false;
      await insert(c, null, true);
      return true;
    });
    if (!queued)
      throw new DcvError(
        'BROKER_QUEUE_FULL',
        `The create-sessions queue is full (create-sessions-queue-max-size=${this.config.queueMaxSize}); try again later.`,
      );
    return this.sessionById(id);
  }

  /** Places queued requests (oldest first) on servers that now have room; drops those past their time. */
  async placeQueued(): Promise<void> {
    await this.store.query(
      `UPDATE sessions SET state = 'DELETED', deleted_at = now(), queued_until = NULL,
              state_reason = 'No server met the requirements within create-sessions-queue-max-time-seconds'
       WHERE server_id IS NULL AND state = 'CREATING' AND queued_until < now()`,
    );
    const queued = (
      await this.store.query<{
        id: string;
        owner: string;
        type: 'Virtual' | 'Console';
        requirements: string;
      }>(
        `SELECT id, owner, type, request ->> 'Requirements' AS requirements FROM sessions WHERE server_id IS NULL AND state = 'CREATING' ORDER BY seq LIMIT 50`,
      )
    ).rows;
    for (const q of queued) {
      const parsed = parseRequirements(q.requirements ?? '');
      const placement: Placement = {
        owner: q.owner,
        type: q.type,
        requirement: parsed.ok ? parsed.requirement : null,
      };
      for (const server of await candidateServers(this.store, this.timeout, placement)) {
        const placed = await this.store.transaction(async (c) => {
          if (!(await lockServerWithRoom(c, server.id, this.timeout, placement))) return false;
          const claimed = await c.query(
            `UPDATE sessions SET server_id = $2, queued_until = NULL, state_reason = '' WHERE id = $1 AND server_id IS NULL AND state = 'CREATING'`,
            [q.id, server.id],
          );
          if (claimed.rowCount === 0) return true; // another broker placed it
          await c.query('SELECT pg_notify($1, $2)', [AGENT_CHANNEL, server.id]);
          return true;
        });
        if (placed) break;
      }
    }
  }

  private async sessionById(id: string): Promise<Api.Session> {
    const s = (await this.describeSessions({ SessionIds: [id] })).Sessions?.[0];
    if (s === undefined) throw new DcvError('BROKER_SESSION_NOT_FOUND', `Session '${id}' does not exist.`);
    return s;
  }

  async deleteSessions(
    req: In<typeof Api.DeleteSessionsRequest>,
  ): Promise<In<typeof Api.DeleteSessionsResponse>> {
    const SuccessfulList: { SessionId: string; State: Api.SessionState }[] = [];
    const UnsuccessfulList: { SessionId: string; FailureReason: string }[] = [];
    for (const d of req) {
      const id = d.SessionId ?? '';
      const row = await this.store.transaction(async (c) => {
        const s = (
          await c.query<{ server_id: string | null; state: string; alive: boolean | null }>(
            `SELECT s.server_id, s.state, srv.last_seen > now() - make_interval(secs => $2) AS alive
             FROM sessions s LEFT JOIN servers srv ON srv.id = s.server_id
             WHERE s.id = $1 AND ($3::text IS NULL OR s.owner = $3) AND s.state <> 'DELETED' FOR UPDATE OF s`,
            [id, this.timeout, d.Owner ?? null],
          )
        ).rows[0];
        if (s === undefined) return null;
        // Nothing runs yet (queued), or the host is away and Force says not to wait for it: gone now. The
        // agent closes a session the broker calls DELETED if it still runs when its host returns.
        const now = s.server_id === null || (d.Force === true && s.alive !== true);
        await c.query(
          `UPDATE sessions SET state = $2, deleted_at = CASE WHEN $2 = 'DELETED' THEN now() ELSE NULL END, queued_until = NULL WHERE id = $1`,
          [id, now ? 'DELETED' : 'DELETING'],
        );
        if (s.server_id !== null) await c.query('SELECT pg_notify($1, $2)', [AGENT_CHANNEL, s.server_id]);
        return now ? 'DELETED' : 'DELETING';
      });
      if (row === null)
        UnsuccessfulList.push({
          SessionId: id,
          FailureReason: `Session '${id}' does not exist${d.Owner === undefined ? '' : ` for owner '${d.Owner}'`}, or is already deleted.`,
        });
      else SuccessfulList.push({ SessionId: id, State: row as Api.SessionState });
    }
    await this.placeQueued();
    return { RequestId: randomUUID(), SuccessfulList, UnsuccessfulList };
  }

  /** A one-time token for `user` to open session `sessionId`, verified by dcvserver through the agent connector. */
  async getSessionConnectionData(
    sessionId: string,
    user: string,
  ): Promise<In<typeof Api.GetSessionConnectionDataResponse>> {
    if (!USER_NAME.test(user))
      throw new DcvError('BROKER_INVALID_REQUEST', `'${user.slice(0, 64)}' is not a user name.`);
    const session = (await this.describeSessions({ SessionIds: [sessionId] })).Sessions?.[0];
    if (session === undefined || session.State === 'DELETED')
      throw new DcvError('BROKER_SESSION_NOT_FOUND', `Session '${sessionId}' does not exist.`);
    if (session.State !== 'READY')
      throw new DcvError(
        'BROKER_SESSION_NOT_READY',
        `Session '${sessionId}' is ${session.State}, not READY; ask again when it is.`,
      );
    const token = newSecret(32);
    await this.store.query(
      `WITH gone AS (DELETE FROM connection_tokens WHERE expires_at < now())
       INSERT INTO connection_tokens (token_hash, session_id, username, expires_at) VALUES ($1, $2, $3, now() + make_interval(mins => $4))`,
      [sha256(token), sessionId, user, this.config.connectTokenMinutes],
    );
    return { Session: session, ConnectionToken: token };
  }

  /** Sends one request to the agent of the session's server and waits for its answer. */
  private async askAgent(
    sessionId: string,
    kind: string,
    payload: Record<string, unknown>,
  ): Promise<unknown> {
    const s = (await this.describeSessions({ SessionIds: [sessionId] })).Sessions?.[0];
    if (s === undefined || s.State === 'DELETED')
      throw new DcvError('BROKER_SESSION_NOT_FOUND', `Session '${sessionId}' does not exist.`);
    if (s.State !== 'READY')
      throw new DcvError('BROKER_SESSION_NOT_READY', `Session '${sessionId}' is ${s.State}, not READY.`);
    const serverId = s.Server!.Id!;
    const id = (
      await this.store.transaction(async (c) => {
        const row = await c.query<{ id: string }>(
          'INSERT INTO agent_requests (server_id, kind, payload) VALUES ($1, $2, $3) RETURNING id::text',
          [serverId, kind, JSON.stringify({ SessionId: sessionId, ...payload })],
        );
        await c.query('SELECT pg_notify($1, $2)', [AGENT_CHANNEL, serverId]);
        return row.rows[0]!;
      })
    ).id;
    const deadline = Date.now() + AGENT_ANSWER_MS;
    try {
      while (Date.now() < deadline) {
        await this.notifier.wait(RESULT_CHANNEL, id, Math.min(1000, deadline - Date.now()));
        const row = (
          await this.store.query<{ result: unknown; error: string | null; done: boolean }>(
            'SELECT result, error, (result IS NOT NULL OR error IS NOT NULL) AS done FROM agent_requests WHERE id = $1',
            [id],
          )
        ).rows[0];
        if (row?.done === true) {
          if (row.error !== null) throw new DcvError('BROKER_AGENT_FAILED', row.error);
          return row.result;
        }
      }
      throw new DcvError(
        'BROKER_AGENT_FAILED',
        `The agent on ${s.Server?.Hostname ?? serverId} did not answer within ${AGENT_ANSWER_MS / 1000} s.`,
      );
    } finally {
      await this.store.query('DELETE FROM agent_requests WHERE id = $1', [id]).catch(() => undefined);
    }
  }

  async getSessionScreenshots(
    req: In<typeof Api.GetSessionScreenshotsRequest>,
  ): Promise<In<typeof Api.GetSessionScreenshotsResponse>> {
    const answers = await Promise.all(
      req.map(async (r) => {
        try {
          const shot = (await this.askAgent(r.SessionId ?? '', 'get-screenshot', {
            MaxWidth: r.MaxWidth ?? null,
            MaxHeight: r.MaxHeight ?? null,
          })) as { format: 'png' | 'jpeg'; data: string };
          return {
            ok: {
              SessionScreenshot: {
                SessionId: r.SessionId,
                Images: [
                  {
                    Format: shot.format,
                    Data: shot.data,
                    CreationTime: new Date().toISOString(),
                    Primary: true,
                  },
                ],
              },
            },
          };
        } catch (e) {
          if (!(e instanceof DcvError) || e.code === 'BROKER_DATABASE_UNAVAILABLE') throw e;
          return { failed: { GetSessionScreenshotRequestData: r, FailureReason: e.message } };
        }
      }),
    );
    return {
      RequestId: randomUUID(),
      SuccessfulList: answers.flatMap((a) => (a.ok === undefined ? [] : [a.ok])),
      UnsuccessfulList: answers.flatMap((a) => (a.failed === undefined ? [] : [a.failed])),
    };
  }

  async updateSessionPermissions(
    req: In<typeof Api.UpdateSessionPermissionsRequest>,
  ): Promise<In<typeof Api.UpdateSessionPermissionsResponse>> {
    const SuccessfulList: { SessionId: string }[] = [];
    const UnsuccessfulList: { SessionId: string; FailureReason: string }[] = [];
    for (const r of req) {
      const id = r.SessionId ?? '';
      try {
        const owner = (
          await this.store.query<{ owner: string }>('SELECT owner FROM sessions WHERE id = $1', [id])
        ).rows[0]?.owner;
        if (r.Owner !== undefined && owner !== undefined && owner !== r.Owner)
          throw new DcvError(
            'BROKER_SESSION_NOT_FOUND',
            `Session '${id}' does not exist for owner '${r.Owner}'.`,
          );
        await this.askAgent(id, 'set-permissions', {
          Permissions: fromBase64(r.PermissionsFile ?? '', 'PermissionsFile'),
        });
        SuccessfulList.push({ SessionId: id });
      } catch (e) {
        if (!(e instanceof DcvError) || e.code === 'BROKER_DATABASE_UNAVAILABLE') throw e;
        UnsuccessfulList.push({ SessionId: id, FailureReason: e.message });
      }
    }
    return { RequestId: randomUUID(), SuccessfulList, UnsuccessfulList };
  }

  private async setClosed(ids: (string | undefined)[], closed: boolean, force: (i: number) => boolean) {
    const SuccessfulList: { ServerId: string }[] = [];
    const failures: { index: number; FailureCode: string; FailureReason: string }[] = [];
    for (const [i, id] of ids.entries()) {
      const r = await this.store.query<{ busy: number }>(
        `UPDATE servers srv SET closed = $2 WHERE id = $1
           AND ($2 = false OR $3 OR NOT EXISTS (SELECT 1 FROM sessions x WHERE x.server_id = srv.id AND x.state <> 'DELETED'))
         RETURNING 1`,
        [id ?? '', closed, force(i)],
      );
      if ((r.rowCount ?? 0) > 0) SuccessfulList.push({ ServerId: id! });
      else {
        const exists =
          (await this.store.query('SELECT 1 FROM servers WHERE id = $1', [id ?? ''])).rowCount ?? 0;
        failures.push(
          exists === 0
            ? {
                index: i,
                FailureCode: 'DCV_SERVER_NOT_FOUND',
                FailureReason: `No server has the id '${id ?? ''}'.`,
              }
            : {
                index: i,
                FailureCode: 'DCV_SERVER_HAS_SESSIONS',
                FailureReason: `Server '${id}' still runs sessions; set Force to close it anyway.`,
              },
        );
      }
    }
    return { SuccessfulList, failures };
  }

  async openServers(req: In<typeof Api.OpenServersRequest>): Promise<In<typeof Api.OpenServersResponse>> {
    const { SuccessfulList, failures } = await this.setClosed(
      req.map((r) => r.ServerId),
      false,
      () => false,
    );
    await this.placeQueued();
    return {
      RequestId: randomUUID(),
      SuccessfulList,
      UnsuccessfulList: failures.map(({ index, ...f }) => ({ OpenServerRequestData: req[index], ...f })),
    };
  }

  async closeServers(req: In<typeof Api.CloseServersRequest>): Promise<In<typeof Api.CloseServersResponse>> {
    const { SuccessfulList, failures } = await this.setClosed(
      req.map((r) => r.ServerId),
      true,
      (i) => req[i]!.Force === true,
    );
    return {
      RequestId: randomUUID(),
      SuccessfulList,
      UnsuccessfulList: failures.map(({ index, ...f }) => ({ CloseServerRequestData: req[index], ...f })),
    };
  }

  /** Housekeeping any broker may run at any time (each statement is idempotent). */
  async sweep(): Promise<void> {
    await this.store.query(
      `UPDATE sessions SET state = 'DELETED', deleted_at = now(), state_reason = 'Its server was unreachable for longer than seconds-before-deleting-unreachable-dcv-server'
       WHERE state <> 'DELETED' AND server_id IN (SELECT id FROM servers WHERE last_seen < now() - make_interval(secs => $1))`,
      [this.config.unreachableServerDeleteSeconds],
    );
    await this.store.query('DELETE FROM servers WHERE last_seen < now() - make_interval(secs => $1)', [
      this.config.unreachableServerDeleteSeconds,
    ]);
    await this.store.query(
      `DELETE FROM sessions WHERE state = 'DELETED' AND deleted_at < now() - make_interval(secs => $1)`,
      [this.config.deleteSessionSeconds],
    );
    await this.store.query('DELETE FROM connection_tokens WHERE expires_at < now()');
    await this.store.query('DELETE FROM access_tokens WHERE expires_at < now()');
    await this.placeQueued();
  }
}

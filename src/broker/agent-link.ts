// The broker's side of the agent connector: an agent's heartbeat registers or refreshes its server, reconciles
// the sessions the host runs with the ones the database holds for it, and is answered (at once, or when work
// arrives within one heartbeat interval) with what the host must create, delete or answer. Also the
// auth-token-verifier dcvserver calls for the one-time connection tokens.
import { DcvError } from '../errors.js';
import type { BrokerConfig } from './broker-config.js';
import type { ClientApi } from './client-api.js';
import type { Heartbeat, HeartbeatAnswer, SessionToCreate, AgentRequest } from './agent-protocol.js';
import type { Notifier } from './notifier.js';
import {
  AGENT_CHANNEL,
  checkPassword,
  hashPassword,
  newSecret,
  RESULT_CHANNEL,
  sha256,
  type Store,
} from './store.js';

export class AgentLink {
  constructor(
    private readonly store: Store,
    private readonly config: BrokerConfig,
    private readonly notifier: Notifier,
    private readonly api: ClientApi,
    private readonly log: { info(m: string): void; warn(m: string): void },
  ) {}

  private async authenticate(serverId: string, secret: string): Promise<void> {
    const row = (
      await this.store.query<{ secret_hash: string }>('SELECT secret_hash FROM servers WHERE id = $1', [
        serverId,
      ])
    ).rows[0];
    if (row === undefined || !checkPassword(secret, row.secret_hash))
      throw new DcvError(
        'BROKER_UNAUTHORIZED',
        `Agent '${serverId}' is not registered with these credentials.`,
      );
  }

  async heartbeat(hb: Heartbeat, signal: AbortSignal): Promise<HeartbeatAnswer> {
    let serverId = hb.ServerId;
    let newSecretText: string | undefined;
    const tags = Object.fromEntries(hb.Tags.map((t) => [t.Key ?? '', t.Value ?? '']));
    const facts = [
      hb.Ip,
      hb.Hostname,
      hb.Port,
      hb.WebUrlPath,
      JSON.stringify(hb.Endpoints),
      hb.Version,
      hb.AgentVersion,
      JSON.stringify(hb.Host),
      JSON.stringify(tags),
      hb.MaxSessions,
      hb.MaxSessionsPerUser,
    ];
    if (serverId === undefined || hb.Secret === undefined) {
      serverId = newSecret(16);
      newSecretText = newSecret(32);
      await this.store.query(
        `INSERT INTO servers (id, secret_hash, ip, hostname, port, web_url_path, endpoints, version, agent_version, host, tags, max_sessions, max_sessions_per_user)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [serverId, hashPassword(newSecretText), ...facts],
      );
      this.log.info(`Agent registered: server ${serverId} (${hb.Hostname}, ${hb.Ip})`);
    } else {
      const known = (await this.store.query('SELECT 1 FROM servers WHERE id = $1', [serverId])).rowCount ?? 0;
      if (known === 0) {
        // The server was forgotten (unreachable for too long, or a new database): the agent registers again under its id.
        await this.store.query(
          `INSERT INTO servers (id, secret_hash, ip, hostname, port, web_url_path, endpoints, version, agent_version, host, tags, max_sessions, max_sessions_per_user)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
          [serverId, hashPassword(hb.Secret), ...facts],
        );
        this.log.info(`Agent registered again: server ${serverId} (${hb.Hostname}, ${hb.Ip})`);
      }
      await this.authenticate(serverId, hb.Secret);
    }
    const id = serverId;
    await this.reconcile(id, hb, facts);
    await this.api.placeQueued();
    const local = hb.Sessions.map((s) => s.Id);
    const busy = new Set(hb.InFlight);
    const pending = async (): Promise<Pick<HeartbeatAnswer, 'Create' | 'Delete' | 'Requests'>> => {
      const w = await this.work(id, local);
      return {
        Create: w.Create.filter((c) => !busy.has(c.Id)),
        Delete: w.Delete.filter((d) => !busy.has(d)),
        Requests: w.Requests,
      };
    };
    let work = await pending();
    if (hb.Wait && work.Create.length === 0 && work.Delete.length === 0 && work.Requests.length === 0) {
      // A long poll: answer when work is stored for this server, or after (a little less than) one interval.
      await this.notifier.wait(
        AGENT_CHANNEL,
        id,
        Math.max(500, this.config.heartbeatSeconds * 1000 - 500),
        signal,
      );
      if (!signal.aborted) work = await pending();
    }
    return {
      ServerId: id,
      ...(newSecretText === undefined ? {} : { Secret: newSecretText }),
      HeartbeatSeconds: this.config.heartbeatSeconds,
      ...work,
    };
  }

  /** Brings the database in line with what the host reports, in one transaction holding the server row. */
  private async reconcile(serverId: string, hb: Heartbeat, facts: unknown[]): Promise<void> {
    await this.store.transaction(async (c) => {
      // The UPDATE holds the server row until commit, so one host's heartbeats (and placements on it) take turns.
      const fresh = await c.query(
        `UPDATE servers SET ip = $2, hostname = $3, port = $4, web_url_path = $5, endpoints = $6, version = $7, agent_version = $8,
                host = $9, tags = $10, max_sessions = $11, max_sessions_per_user = $12, last_seen = now(), last_seq = $13
         WHERE id = $1 AND last_seq < $13`,
        [serverId, ...facts, hb.Seq],
      );
      if (fresh.rowCount === 0) return;
      const local = new Map(hb.Sessions.map((s) => [s.Id, s]));
      const stored = (
        await c.query<{ id: string; state: string; server_id: string | null }>(
          `SELECT id, state, server_id FROM sessions WHERE id = ANY($1) OR (server_id = $2 AND state <> 'DELETED')`,
          [[...local.keys()], serverId],
        )
      ).rows;
      const known = new Set(stored.map((s) => s.id));
      for (const s of stored) {
        const here = local.get(s.id);
        if (s.server_id !== serverId) continue; // an id that lives elsewhere; not this host's to change
        if (here !== undefined && (s.state === 'CREATING' || s.state === 'READY')) {
          await c.query(
            `UPDATE sessions SET state = 'READY', state_reason = '', num_connections = $2, last_disconnection_time = $3 WHERE id = $1`,
            [
              s.id,
              here.NumOfConnections,
              here.LastDisconnectionTime === '' ? null : here.LastDisconnectionTime,
            ],
          );
        } else if (here === undefined && (s.state === 'READY' || s.state === 'DELETING')) {
          const reason = s.state === 'READY' ? 'The session ended on the server' : '';
          await c.query(
            `UPDATE sessions SET state = 'DELETED', deleted_at = now(), state_reason = $2 WHERE id = $1`,
            [s.id, reason],
          );
        }
      }
      // Sessions the host runs that the broker did not ask for (`dcv create-session` on the host): described, as DCV SM does.
      for (const s of hb.Sessions) {
        if (known.has(s.Id)) continue;
        await c.query(
          `INSERT INTO sessions (id, name, owner, type, server_id, state, creation_time, num_connections, storage_root)
           VALUES ($1, $2, $3, $4, $5, 'READY', $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
          [s.Id, s.Name, s.Owner, s.Type, serverId, s.CreationTime, s.NumOfConnections, s.StorageRoot],
        );
      }
    });
  }

  private async work(
    serverId: string,
    local: string[],
  ): Promise<Pick<HeartbeatAnswer, 'Create' | 'Delete' | 'Requests'>> {
    const create = (
      await this.store.query<{
        id: string;
        owner: string;
        type: 'Virtual' | 'Console';
        name: string;
        max_concurrent_clients: number | null;
        storage_root: string;
        request: { InitFile?: string; Permissions?: string };
      }>(
        `SELECT id, owner, type, name, max_concurrent_clients, storage_root, request FROM sessions WHERE server_id = $1 AND state = 'CREATING' ORDER BY seq`,
        [serverId],
      )
    ).rows.map((s): SessionToCreate => ({
      Id: s.id,
      Owner: s.owner,
      Type: s.type,
      Name: s.name,
      MaxConcurrentClients: s.max_concurrent_clients,
      InitFile: s.request.InitFile ?? '',
      StorageRoot: s.storage_root,
      Permissions: s.request.Permissions ?? '',
    }));
    // DELETING: close it. DELETED but still reported by the host (forced while it was away): close it too.
    const del = (
      await this.store.query<{ id: string }>(
        `SELECT id FROM sessions WHERE server_id = $1 AND (state = 'DELETING' OR (state = 'DELETED' AND id = ANY($2))) ORDER BY seq`,
        [serverId, local],
      )
    ).rows.map((r) => r.id);
    const requests = (
      await this.store.query<{ id: string; kind: string; payload: Record<string, unknown> }>(
        `UPDATE agent_requests SET claimed = true WHERE id IN (SELECT id FROM agent_requests WHERE server_id = $1 AND NOT claimed FOR UPDATE SKIP LOCKED) RETURNING id::text, kind, payload`,
        [serverId],
      )
    ).rows.map((r) => ({ Id: r.id, Kind: r.kind, ...r.payload }) as AgentRequest);
    return { Create: create, Delete: del, Requests: requests };
  }

  async sessionFailed(serverId: string, secret: string, sessionId: string, reason: string): Promise<void> {
    await this.authenticate(serverId, secret);
    await this.store.query(
      `UPDATE sessions SET state = 'DELETED', deleted_at = now(), state_reason = $3 WHERE id = $1 AND server_id = $2 AND state = 'CREATING'`,
      [sessionId, serverId, `The server could not create the session: ${reason}`],
    );
    await this.api.placeQueued();
  }

  async requestDone(
    serverId: string,
    secret: string,
    id: string,
    result: unknown,
    error: string | undefined,
  ): Promise<void> {
    await this.authenticate(serverId, secret);
    await this.store.query(
      'UPDATE agent_requests SET result = $3, error = $4 WHERE id = $1 AND server_id = $2',
      [id, serverId, JSON.stringify(result ?? null), error ?? null],
    );
    await this.store.query('SELECT pg_notify($1, $2)', [RESULT_CHANNEL, id]);
  }

  /**
   * dcvserver's auth-token-verifier: a connection token is good once, for its session, until it expires.
   * The answer is DCV's <auth> document.
   */
  async validateToken(sessionId: string, token: string): Promise<string> {
    const row = (
      await this.store.query<{ username: string }>(
        'DELETE FROM connection_tokens WHERE token_hash = $1 AND session_id = $2 AND expires_at > now() RETURNING username',
        [sha256(token), sessionId],
      )
    ).rows[0];
    if (row === undefined)
      return '<auth result="no"><message>The connection token is unknown, used or expired</message></auth>';
    const escaped = row.username.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return `<auth result="yes"><username>${escaped}</username></auth>`;
  }
}

// Rows to API objects, and placing a session on a server: candidates that meet the Requirements, least loaded
// first, each tried in its own short transaction that locks that one server row (SELECT … FOR UPDATE) and
// recounts its sessions, so concurrent createSessions through any number of brokers never overfill a server.
import type pg from 'pg';
import type { Server, Session } from './api.js';
import { meetsRequirement, type Requirement } from './requirements.js';
import type { Store } from './store.js';

export interface ServerRow {
  id: string;
  ip: string;
  hostname: string;
  port: number;
  web_url_path: string;
  endpoints: Server['Endpoints'];
  version: string;
  agent_version: string;
  host: Server['Host'];
  tags: Record<string, string>;
  max_sessions: number;
  max_sessions_per_user: number;
  closed: boolean;
  alive: boolean;
  virtual_count: number;
  console_count: number;
}

/** Every column a ServerRow needs; $1 is the heartbeat timeout in seconds. */
export const SERVER_COLUMNS = `srv.id, srv.ip, srv.hostname, srv.port, srv.web_url_path, srv.endpoints, srv.version,
  srv.agent_version, srv.host, srv.tags, srv.max_sessions, srv.max_sessions_per_user, srv.closed,
  srv.last_seen > now() - make_interval(secs => $1) AS alive,
  (SELECT count(*) FROM sessions x WHERE x.server_id = srv.id AND x.state <> 'DELETED' AND x.type = 'Virtual')::int AS virtual_count,
  (SELECT count(*) FROM sessions x WHERE x.server_id = srv.id AND x.state <> 'DELETED' AND x.type = 'Console')::int AS console_count`;

export function isFull(s: ServerRow): boolean {
  return s.console_count > 0 || (s.max_sessions > 0 && s.virtual_count >= s.max_sessions);
}

export function serverToApi(s: ServerRow): Server {
  const reason = !s.alive
    ? 'UNREACHABLE_AGENT'
    : s.closed
      ? 'SERVER_CLOSED'
      : isFull(s)
        ? 'SERVER_FULL'
        : undefined;
  return {
    Id: s.id,
    Ip: s.ip,
    Hostname: s.hostname,
    DefaultDnsName: s.hostname,
    Port: String(s.port),
    Endpoints: s.endpoints,
    WebUrlPath: s.web_url_path,
    Version: s.version,
    SessionManagerAgentVersion: s.agent_version,
    Availability: reason === undefined ? 'AVAILABLE' : 'UNAVAILABLE',
    ...(reason === undefined ? {} : { UnavailabilityReason: reason }),
    ConsoleSessionCount: s.console_count,
    VirtualSessionCount: s.virtual_count,
    Host: s.host,
    Tags: Object.entries(s.tags)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([Key, Value]) => ({ Key, Value })),
  };
}

export interface SessionRow {
  seq: string;
  id: string;
  name: string;
  owner: string;
  type: 'Virtual' | 'Console';
  server_id: string | null;
  max_concurrent_clients: number | null;
  state: Session['State'] & string;
  substate: string;
  state_reason: string;
  creation_time: Date;
  last_disconnection_time: Date | null;
  num_connections: number;
  storage_root: string;
}

export function sessionToApi(s: SessionRow, server: ServerRow | undefined): Session {
  // A host that stopped heartbeating may still run the session: its state is not known, not gone.
  const unknown = server !== undefined && !server.alive && s.state !== 'DELETED';
  return {
    Id: s.id,
    Name: s.name,
    Owner: s.owner,
    ...(server === undefined ? {} : { Server: serverToApi(server) }),
    Type: s.type,
    ...(s.max_concurrent_clients === null ? {} : { MaxConcurrentClients: s.max_concurrent_clients }),
    State: unknown ? 'UNKNOWN' : s.state,
    ...(s.substate === '' ? {} : { Substate: s.substate }),
    ...(unknown
      ? {
          StateReason: `The server ${server.hostname} (${server.id}) stopped answering; the state of the session is not known until it returns`,
        }
      : s.state_reason === ''
        ? {}
        : { StateReason: s.state_reason }),
    CreationTime: s.creation_time.toISOString(),
    ...(s.last_disconnection_time === null
      ? {}
      : { LastDisconnectionTime: s.last_disconnection_time.toISOString() }),
    NumOfConnections: s.num_connections,
    ...(s.storage_root === '' ? {} : { StorageRoot: s.storage_root }),
  };
}

export interface Placement {
  readonly owner: string;
  readonly type: 'Virtual' | 'Console';
  readonly requirement: Requirement | null;
}

/** Servers that could take the session now, least loaded first (ties broken at random, to spread load). */
export async function candidateServers(
  store: Store,
  timeoutSeconds: number,
  p: Placement,
): Promise<ServerRow[]> {
  const rows = (
    await store.query<ServerRow>(
      `SELECT ${SERVER_COLUMNS} FROM servers srv WHERE NOT srv.closed AND srv.last_seen > now() - make_interval(secs => $1)`,
      [timeoutSeconds],
    )
  ).rows;
  return rows
    .filter((s) => !isFull(s) && (p.type === 'Virtual' || s.virtual_count === 0))
    .filter((s) => meetsRequirement(p.requirement, { tags: s.tags, server: serverToApi(s) }))
    .map((s) => ({ s, k: s.virtual_count + Math.random() }))
    .sort((a, b) => a.k - b.k)
    .map(({ s }) => s);
}

/**
 * In transaction `c`: locks the server row and checks, with the lock held, that it is alive, open and has room
 * for one more session of `owner`. Another broker placing on the same server waits for this transaction.
 */
export async function lockServerWithRoom(
  c: pg.PoolClient,
  serverId: string,
  timeoutSeconds: number,
  p: Placement,
): Promise<boolean> {
  const srv = (
    await c.query<{ max_sessions: number; max_sessions_per_user: number; ok: boolean }>(
      `SELECT max_sessions, max_sessions_per_user, (NOT closed AND last_seen > now() - make_interval(secs => $2)) AS ok
       FROM servers WHERE id = $1 FOR UPDATE`,
      [serverId, timeoutSeconds],
    )
  ).rows[0];
  if (srv === undefined || !srv.ok) return false;
  const counts = (
    await c.query<{ virtual: number; console: number; mine: number }>(
      `SELECT count(*) FILTER (WHERE type = 'Virtual')::int AS virtual, count(*) FILTER (WHERE type = 'Console')::int AS console,
              count(*) FILTER (WHERE owner = $2)::int AS mine
       FROM sessions WHERE server_id = $1 AND state <> 'DELETED'`,
      [serverId, p.owner],
    )
  ).rows[0]!;
  if (counts.console > 0) return false;
  if (p.type === 'Console') return counts.virtual === 0;
  if (srv.max_sessions > 0 && counts.virtual >= srv.max_sessions) return false;
  if (srv.max_sessions_per_user > 0 && counts.mine >= srv.max_sessions_per_user) return false;
  return true;
}

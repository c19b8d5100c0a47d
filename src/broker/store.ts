// Everything the broker knows, in PostgreSQL: API clients and their access tokens, servers (one per host
// agent), sessions, one-time connection tokens and requests waiting for an agent. Brokers hold no state of
// their own, so any number run side by side. Also the one place that speaks SQL.
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import pg from 'pg';
import { DcvError } from '../errors.js';
import type { BrokerConfig } from './broker-config.js';

/** Bumped with every change below; brokers of one schema version share a database. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_clients (
  client_id text PRIMARY KEY,
  client_name text NOT NULL,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS access_tokens (
  token_hash text PRIMARY KEY,
  client_id text NOT NULL REFERENCES api_clients ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS servers (
  id text PRIMARY KEY,
  secret_hash text NOT NULL,
  ip text NOT NULL,
  hostname text NOT NULL,
  port integer NOT NULL,
  web_url_path text NOT NULL DEFAULT '/',
  endpoints jsonb NOT NULL DEFAULT '[]',
  version text NOT NULL DEFAULT '',
  agent_version text NOT NULL DEFAULT '',
  host jsonb NOT NULL DEFAULT '{}',
  tags jsonb NOT NULL DEFAULT '{}',
  max_sessions integer NOT NULL DEFAULT 0,
  max_sessions_per_user integer NOT NULL DEFAULT 0,
  closed boolean NOT NULL DEFAULT false,
  last_seq bigint NOT NULL DEFAULT 0,
  registered_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sessions (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  owner text NOT NULL,
  type text NOT NULL,
  server_id text REFERENCES servers ON DELETE SET NULL,
  max_concurrent_clients integer,
  state text NOT NULL,
  substate text NOT NULL DEFAULT '',
  state_reason text NOT NULL DEFAULT '',
  creation_time timestamptz NOT NULL DEFAULT now(),
  last_disconnection_time timestamptz,
  num_connections integer NOT NULL DEFAULT 0,
  storage_root text NOT NULL DEFAULT '',
  request jsonb NOT NULL DEFAULT '{}',
  queued_until timestamptz,
  deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS sessions_server ON sessions (server_id) WHERE state <> 'DELETED';
CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (owner);
CREATE INDEX IF NOT EXISTS sessions_queued ON sessions (seq) WHERE server_id IS NULL AND state = 'CREATING';
CREATE TABLE IF NOT EXISTS connection_tokens (
  token_hash text PRIMARY KEY,
  session_id text NOT NULL,
  username text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS agent_requests (
  id bigserial PRIMARY KEY,
  server_id text NOT NULL REFERENCES servers ON DELETE CASCADE,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  claimed boolean NOT NULL DEFAULT false,
  result jsonb,
  error text,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;

/** Advisory lock key that serializes schema creation between brokers starting together. */
const SCHEMA_LOCK = 0x0dc5_0001;
export const AGENT_CHANNEL = 'odcv_agent_work';
export const RESULT_CHANNEL = 'odcv_agent_result';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A random secret, URL-safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`;
}

export function checkPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const want = Buffer.from(hash, 'base64');
  const got = scryptSync(password, Buffer.from(salt, 'base64'), want.length);
  return timingSafeEqual(want, got);
}

/**
 * Whether a pg failure means the database cannot serve us right now (restart, network, every pooled connection
 * busy), not a bug: the caller answers 503 and the client retries.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (
    typeof err.code === 'string' &&
    /^(57P0[1-3]|08\d\d\d|53300|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND)$/.test(err.code)
  )
    return true;
  // "timeout exceeded when trying to connect" is the pool's own: every connection busy for connectionTimeoutMillis
  // (a burst of requests waiting on the same rows). Answered 503 like a lost database: retry, nothing changed.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    err.message ?? '',
  );
}

export function databaseUnavailable(e: unknown, db: BrokerConfig['db']): DcvError {
  return new DcvError(
    'BROKER_DATABASE_UNAVAILABLE',
    `The broker's database (PostgreSQL at ${db.host}:${db.port}/${db.database}) is unavailable: ${(e as Error).message}. Retry; nothing was changed.`,
  );
}

export class Store {
  readonly pool: pg.Pool;

  constructor(
    readonly db: BrokerConfig['db'],
    onIdleError: (e: Error) => void,
  ) {
    this.pool = new pg.Pool({
      host: db.host,
      port: db.port,
      database: db.database,
      user: db.user || undefined,
      password: db.password || undefined,
      // Two brokers at 20 each stay well inside PostgreSQL's default max_connections (100).
      max: 20,
      connectionTimeoutMillis: 15_000,
      idleTimeoutMillis: 30_000,
      application_name: 'dcv-session-manager-broker',
    });
    // An idle client losing its server (a PostgreSQL restart) must not crash the broker; the pool replaces it.
    this.pool.on('error', onIdleError);
  }

  /** Runs `fn` with a client; a lost database becomes BROKER_DATABASE_UNAVAILABLE. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (e) {
      throw this.translate(e);
    }
  }

  /** One transaction; rolled back on any failure. */
  async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.translate(e);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      broken = isDatabaseUnavailable(e);
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw this.translate(e);
    } finally {
      client.release(broken);
    }
  }

  translate(e: unknown): unknown {
    return e instanceof DcvError || !isDatabaseUnavailable(e) ? e : databaseUnavailable(e, this.db);
  }

  async migrate(): Promise<void> {
    await this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await c.query(SCHEMA);
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  // ---- API clients (register-api-client and friends) ----------------------------------------------------

  async registerApiClient(name: string): Promise<{ clientId: string; clientPassword: string }> {
    const clientId = newSecret(18);
    const clientPassword = newSecret(32);
    await this.query('INSERT INTO api_clients (client_id, client_name, secret_hash) VALUES ($1, $2, $3)', [
      clientId,
      name,
      hashPassword(clientPassword),
    ]);
    return { clientId, clientPassword };
  }

  async describeApiClients(): Promise<{ client_id: string; client_name: string; created_at: Date }[]> {
    return (
      await this.query<{ client_id: string; client_name: string; created_at: Date }>(
        'SELECT client_id, client_name, created_at FROM api_clients ORDER BY created_at',
      )
    ).rows;
  }

  async unregisterApiClient(clientId: string): Promise<boolean> {
    return ((await this.query('DELETE FROM api_clients WHERE client_id = $1', [clientId])).rowCount ?? 0) > 0;
  }

  /** Client credentials → a new access token, or null when the id or password is wrong. */
  async issueAccessToken(clientId: string, password: string, seconds: number): Promise<string | null> {
    const row = (
      await this.query<{ secret_hash: string }>('SELECT secret_hash FROM api_clients WHERE client_id = $1', [
        clientId,
      ])
    ).rows[0];
    if (row === undefined || !checkPassword(password, row.secret_hash)) return null;
    const token = newSecret(32);
    await this.query(
      `WITH gone AS (DELETE FROM access_tokens WHERE expires_at < now())
       INSERT INTO access_tokens (token_hash, client_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
      [sha256(token), clientId, seconds],
    );
    return token;
  }

  /** The client a bearer token belongs to, or null when it is unknown or expired. */
  async clientOfToken(token: string): Promise<string | null> {
    const row = (
      await this.query<{ client_id: string }>(
        'SELECT client_id FROM access_tokens WHERE token_hash = $1 AND expires_at > now()',
        [sha256(token)],
      )
    ).rows[0];
    return row?.client_id ?? null;
  }

  async describeAgentClients(
    timeoutSeconds: number,
  ): Promise<{ id: string; hostname: string; ip: string; last_seen: Date; alive: boolean }[]> {
    return (
      await this.query<{ id: string; hostname: string; ip: string; last_seen: Date; alive: boolean }>(
        `SELECT id, hostname, ip, last_seen, last_seen > now() - make_interval(secs => $1) AS alive FROM servers ORDER BY registered_at`,
        [timeoutSeconds],
      )
    ).rows;
  }
}

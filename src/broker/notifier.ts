// Wake-ups between brokers through PostgreSQL's LISTEN/NOTIFY: the broker that stores work for a host wakes
// the broker holding that host agent's long poll, and an agent's answer wakes the broker waiting for it. A
// lost connection (a PostgreSQL restart) is re-established; waiters also poll, so a missed wake-up only delays.
import pg from 'pg';
import type { BrokerConfig } from './broker-config.js';
import { AGENT_CHANNEL, RESULT_CHANNEL } from './store.js';

type Waiter = () => void;

export class Notifier {
  private client: pg.Client | null = null;
  private closed = false;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: BrokerConfig['db'],
    private readonly log: { warn(m: string): void; info(m: string): void },
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      host: this.db.host,
      port: this.db.port,
      database: this.db.database,
      user: this.db.user || undefined,
      password: this.db.password || undefined,
      connectionTimeoutMillis: 5000,
      application_name: 'dcv-session-manager-broker listen',
    });
    client.on('notification', (n) => this.fire(`${n.channel}:${n.payload ?? ''}`));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${AGENT_CHANNEL}`);
    await client.query(`LISTEN ${RESULT_CHANNEL}`);
    this.client = client;
    // Whatever was notified while we were away is found by the waiters' own polls; wake them to look now.
    for (const key of this.waiters.keys()) this.fire(key);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client && this.client !== null) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.closed || this.retry !== null) return;
    this.log.warn('Lost the database notification link; reconnecting');
    const again = (): void => {
      this.retry = setTimeout(() => {
        this.retry = null;
        if (this.closed) return;
        this.connect().then(
          () => this.log.info('Database notification link restored'),
          () => again(),
        );
      }, 500);
    };
    again();
  }

  private fire(key: string): void {
    const set = this.waiters.get(key);
    if (set === undefined) return;
    this.waiters.delete(key);
    for (const w of set) w();
  }

  /** Resolves when `channel` is notified with `payload`, or after `ms`; `signal` ends the wait early. */
  wait(channel: string, payload: string, ms: number, signal?: AbortSignal): Promise<void> {
    const key = `${channel}:${payload}`;
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (set === undefined) this.waiters.set(key, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(key)?.delete(done);
        if (this.waiters.get(key)?.size === 0) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      set.add(done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    for (const key of [...this.waiters.keys()]) this.fire(key);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}

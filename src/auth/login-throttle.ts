// Failed-login accounting per client address and per user name. After `threshold` failures a key is locked
// for a while that doubles with each further failure; a user name counts whether or not the account exists,
// so the lock itself tells an attacker nothing. Time is passed in, so this is tested without waiting.

export interface ThrottleOptions {
  /** Failures from one address before it is locked ([security] authentication-threshold); 0 = never. */
  readonly threshold: number;
  /** The first lock; each failure after it doubles the lock, up to maxLockMs. */
  readonly firstLockMs?: number;
  readonly maxLockMs?: number;
  /** Failures older than this (and not locked) are forgotten. */
  readonly forgetMs?: number;
  /** A user name is locked after this many times `threshold` failures (from any addresses). */
  readonly userFactor?: number;
}

export type ThrottleVerdict = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

interface Entry {
  failures: number;
  lockedUntil: number;
  last: number;
}

const MAX_ENTRIES = 50_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly firstLockMs: number;
  private readonly maxLockMs: number;
  private readonly forgetMs: number;
  private readonly userFactor: number;

  constructor(private readonly options: ThrottleOptions) {
    this.firstLockMs = options.firstLockMs ?? 10_000;
    this.maxLockMs = options.maxLockMs ?? 5 * 60_000;
    this.forgetMs = options.forgetMs ?? 15 * 60_000;
    // Higher for users: one noisy address is stopped by its own lock long before it can lock out a user.
    this.userFactor = options.userFactor ?? 3;
  }

  private keys(address: string, user: string | null): [string, number][] {
    const keys: [string, number][] = [[`a:${address}`, this.options.threshold]];
    if (user !== null && user !== '') keys.push([`u:${user}`, this.options.threshold * this.userFactor]);
    return keys;
  }

  /** May this address (and user) try now? */
  check(address: string, user: string | null, now: number): ThrottleVerdict {
    if (this.options.threshold <= 0) return { ok: true };
    let until = 0;
    for (const [key] of this.keys(address, user)) {
      const e = this.entries.get(key);
      if (e !== undefined && e.lockedUntil > now) until = Math.max(until, e.lockedUntil);
    }
    return until > now ? { ok: false, retryAfterMs: until - now } : { ok: true };
  }

  failed(address: string, user: string | null, now: number): void {
    if (this.options.threshold <= 0) return;
    this.prune(now);
    for (const [key, limit] of this.keys(address, user)) {
      let e = this.entries.get(key);
      if (e === undefined || (e.lockedUntil <= now && now - e.last > this.forgetMs)) {
        e = { failures: 0, lockedUntil: 0, last: now };
      }
      e.failures++;
      e.last = now;
      if (e.failures >= limit) {
        const lock = Math.min(this.maxLockMs, this.firstLockMs * 2 ** Math.min(e.failures - limit, 20));
        e.lockedUntil = now + lock;
      }
      this.entries.delete(key); // re-insert: the map stays in least-recently-failed order for pruning
      this.entries.set(key, e);
    }
  }

  /** A good login clears its address and its user. */
  succeeded(address: string, user: string): void {
    for (const [key] of this.keys(address, user)) this.entries.delete(key);
  }

  private prune(now: number): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size < MAX_ENTRIES && now - e.last <= this.forgetMs) break;
      if (e.lockedUntil <= now || this.entries.size >= MAX_ENTRIES) this.entries.delete(key);
    }
  }
}

/** The host part of `host:port` (IPv6 hosts keep their colons). */
export function hostOf(address: string): string {
  const i = address.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(address.slice(i + 1)) ? address.slice(0, i).replace(/^\[(.*)\]$/, '$1') : address;
}

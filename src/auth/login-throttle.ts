// Failed-login accounting per client address and per user name. After `threshold` failures a key is locked
// for a while that doubles with each further failure; a user name counts whether or not the account exists,
// so the lock itself tells an attacker nothing. Time is passed in, so this is tested without waiting.
//
// An attempt is counted as a failure when it *begins* (attempt()), before PAM runs, and forgiven when it
// succeeds (settle()): forty wrong passwords sent at once reach PAM `threshold` times, not forty. At most
// MAX_IN_FLIGHT attempts per address and per user run at once, whatever the threshold.
//
// A user's lock (userFactor × threshold failures from any addresses) refuses only addresses that have failed
// themselves: the trade-off is that someone who knows a user name can slow that user's attackers but never
// lock the user out of an address that has not failed (docs/security.md, "Failed logins").

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
/** Logins of one address, or for one user name, that may be checked at the same time. */
export const MAX_IN_FLIGHT = 4;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  /** Attempts begun and not yet settled, by key. */
  private readonly inFlight = new Map<string, number>();
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

  /**
   * May this address (and user) try now? If so the attempt is counted as failed until settle() says
   * otherwise; every ok verdict must be followed by exactly one settle().
   */
  attempt(address: string, user: string | null, now: number): ThrottleVerdict {
    const keys = this.keys(address, user);
    if (keys.some(([key]) => (this.inFlight.get(key) ?? 0) >= MAX_IN_FLIGHT))
      return { ok: false, retryAfterMs: 1000 };
    if (this.options.threshold > 0) {
      const own = this.entries.get(`a:${address}`);
      let until = 0;
      for (const [key] of keys) {
        const e = this.entries.get(key);
        // A user's lock holds only against addresses that have failed themselves (see the top of the file).
        if (key.startsWith('u:') && (own === undefined || own.failures === 0)) continue;
        if (e !== undefined && e.lockedUntil > now) until = Math.max(until, e.lockedUntil);
      }
      if (until > now) return { ok: false, retryAfterMs: until - now };
      this.count(keys, now);
    }
    for (const [key] of keys) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    return { ok: true };
  }

  /** The attempt admitted by attempt() is over: `succeededAs` the user it logged in as, or null if it failed. */
  settle(address: string, user: string | null, succeededAs: string | null): void {
    for (const [key] of this.keys(address, user)) {
      const n = (this.inFlight.get(key) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, n);
    }
    // A good login clears its address and its user.
    if (succeededAs !== null) for (const [key] of this.keys(address, succeededAs)) this.entries.delete(key);
  }

  private count(keys: [string, number][], now: number): void {
    this.prune(now);
    for (const [key, limit] of keys) {
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
  return i > 0 && /^\d+$/.test(address.slice(i + 1))
    ? address.slice(0, i).replace(/^\[(.*)\]$/, '$1')
    : address;
}

// The internal token verifier: after a password login through the web page the server hands out a random
// token the page presents in its ClientHello (and to api/sessions), so reconnects do not ask again and the
// password is not kept in the page. Tokens live only in memory: a server restart logs everyone out.
import { createHash, randomBytes } from 'node:crypto';

export interface TicketOptions {
  /** A token unused for this long expires. */
  readonly idleMs?: number;
  /** And every token expires this long after the login. */
  readonly lifetimeMs?: number;
}

interface Ticket {
  readonly username: string;
  readonly issued: number;
  lastUsed: number;
}

const PREFIX = 'dcvt1.';
const MAX_TICKETS = 10_000;

export class LoginTickets {
  /** Keyed by the SHA-256 of the token, so the map never holds a usable token. */
  private readonly tickets = new Map<string, Ticket>();
  private readonly idleMs: number;
  private readonly lifetimeMs: number;

  constructor(options: TicketOptions = {}) {
    this.idleMs = options.idleMs ?? 60 * 60_000;
    this.lifetimeMs = options.lifetimeMs ?? 12 * 60 * 60_000;
  }

  issue(username: string, now = Date.now()): string {
    this.prune(now);
    const token = PREFIX + randomBytes(32).toString('base64url');
    this.tickets.set(digest(token), { username, issued: now, lastUsed: now });
    return token;
  }

  /** Whether a token looks like one of ours (so it is never sent to an external verifier). */
  static isTicket(token: string): boolean {
    return token.startsWith(PREFIX);
  }

  /** The user a live token belongs to, or null. */
  redeem(token: string, now = Date.now()): string | null {
    if (!LoginTickets.isTicket(token) || token.length > 128) return null;
    const key = digest(token);
    const t = this.tickets.get(key);
    if (t === undefined) return null;
    if (now - t.lastUsed > this.idleMs || now - t.issued > this.lifetimeMs) {
      this.tickets.delete(key);
      return null;
    }
    t.lastUsed = now;
    return t.username;
  }

  revoke(token: string): void {
    this.tickets.delete(digest(token));
  }

  private prune(now: number): void {
    for (const [k, t] of this.tickets) {
      if (now - t.lastUsed > this.idleMs || now - t.issued > this.lifetimeMs || this.tickets.size >= MAX_TICKETS) {
        this.tickets.delete(k);
      }
    }
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}


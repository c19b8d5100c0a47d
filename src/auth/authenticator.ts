// Who a viewer is, by [security] authentication: nobody asked ('none'), the system password through PAM
// ('system'), or a token the external verifier vouches for (auth-token-verifier). Every refusal a viewer sees
// is one of two generic sentences; the log gets the detail, never a password or a token.
import { readFileSync } from 'node:fs';
import type { DcvConfig } from '../config/index.js';
import { DcvError, type ErrorCode } from '../errors.js';
import { LoginThrottle, hostOf } from './login-throttle.js';
import { LoginTickets } from './login-tickets.js';
import { PamAuthenticator, pamFallbackOnThisHost, pamServiceInstalled } from './pam.js';
import { verifyToken, type VerifierOptions } from './token-verifier.js';

export type AuthMode = 'none' | 'system' | 'token';

/** The logging the authenticator needs (the server's Logger fits). */
export interface AuthLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ViewerCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly authToken?: string;
  readonly sessionId: string;
  /** `host:port` of the viewer. */
  readonly clientAddress: string;
}

export type Authentication =
  | { readonly ok: true; readonly username: string; readonly method: 'pam' | 'ticket' | 'token' }
  | { readonly ok: true; readonly username: null; readonly method: 'none' }
  | {
      readonly ok: false;
      readonly code: Extract<
        ErrorCode,
        'AUTHENTICATION_FAILED' | 'AUTHENTICATION_THROTTLED' | 'AUTHENTICATION_UNAVAILABLE'
      >;
      /** What the viewer is told. */
      readonly reason: string;
    };

export const FAILED_PASSWORD = 'Authentication failed: the user name or password is not correct.';
export const FAILED_TOKEN = 'Authentication failed: the authentication token was not accepted.';
export const LOGIN_REQUIRED = 'Log in with your user name and password.';
const UNAVAILABLE = 'Authentication is not available right now; the server log says why.';

/** How long a failed attempt takes at least, so a guesser gains nothing from speed (ms, plus jitter). */
const FAILURE_DELAY_MS = 1000;
const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@\\$-]{0,254}$/;
const MAX_PASSWORD = 1024;

export interface AuthenticatorOptions {
  /** Shorter failure delays and locks, for tests of the policy itself. */
  readonly failureDelayMs?: number;
}

export class Authenticator {
  readonly mode: AuthMode;
  readonly tickets = new LoginTickets();
  private readonly throttle: LoginThrottle;
  private readonly pam: PamAuthenticator;
  private readonly verifier: VerifierOptions | null = null;
  private readonly failureDelayMs: number;

  constructor(
    private readonly security: DcvConfig['security'],
    private readonly log: AuthLog,
    options: AuthenticatorOptions = {},
  ) {
    this.mode =
      security.authentication === 'none'
        ? 'none'
        : security['auth-token-verifier'] !== ''
          ? 'token'
          : 'system';
    this.throttle = new LoginThrottle({ threshold: security['authentication-threshold'] });
    this.pam = new PamAuthenticator(security['pam-service-name']);
    this.failureDelayMs = options.failureDelayMs ?? FAILURE_DELAY_MS;
    if (this.mode === 'token') {
      let ca: Buffer | undefined;
      if (security['ca-file'] !== '') {
        try {
          ca = readFileSync(security['ca-file']);
        } catch (e) {
          log.error(
            `[security] ca-file ${security['ca-file']} cannot be read (${(e as Error).message}); the system CAs are used`,
          );
        }
      }
      this.verifier = {
        url: security['auth-token-verifier'],
        timeoutMs: security['auth-token-verifier-timeout'] * 1000,
        strictTls: !security['no-tls-strict'],
        ca,
      };
    }
  }

  /** Lines for the start-up log: what the mode admits (info), and set-ups that weaken or break it (warn). */
  describe(): { readonly warn: boolean; readonly text: string }[] {
    switch (this.mode) {
      case 'none':
        return [
          {
            warn: true,
            text: "authentication='none': every viewer is admitted as the session owner; use it only on a trusted network",
          },
        ];
      case 'token': {
        const v = this.verifier!;
        const lines = [
          {
            warn: false,
            text: `Viewers authenticate with tokens checked by the auth-token-verifier at ${v.url}`,
          },
        ];
        if (v.url.startsWith('http:'))
          lines.push({
            warn: true,
            text: 'The auth-token-verifier URL is plain http: tokens cross the network unencrypted',
          });
        if (!v.strictTls)
          lines.push({ warn: true, text: "no-tls-strict=true: the verifier's certificate is not validated" });
        return lines;
      }
      case 'system': {
        const service = this.security['pam-service-name'];
        const lines = [
          { warn: false, text: `Viewers log in with their system password (PAM service '${service}')` },
        ];
        if (!pamServiceInstalled(service)) {
          lines.push({ warn: true, text: pamFallbackOnThisHost(service) });
        }
        return lines;
      }
    }
  }

  /** Authenticates a viewer's ClientHello. */
  async authenticate(c: ViewerCredentials): Promise<Authentication> {
    if (this.mode === 'none') return { ok: true, username: null, method: 'none' };
    const address = hostOf(c.clientAddress);
    const token = c.authToken ?? '';
    if (token !== '' && LoginTickets.isTicket(token)) {
      // Our own tokens are 256 random bits: guessing is hopeless, and a stale one only means "log in again".
      const user = this.tickets.redeem(token);
      if (user !== null) return { ok: true, username: user, method: 'ticket' };
      if (this.mode === 'system') return { ok: false, code: 'AUTHENTICATION_FAILED', reason: LOGIN_REQUIRED };
    }
    if (this.mode === 'token') {
      if (token === '')
        return {
          ok: false,
          code: 'AUTHENTICATION_FAILED',
          reason:
            'This server admits viewers with an authentication token only (?authToken= in the address).',
        };
      return this.checkToken(token, c.sessionId, address);
    }
    if ((c.username ?? '') === '')
      return { ok: false, code: 'AUTHENTICATION_FAILED', reason: LOGIN_REQUIRED };
    return this.checkPassword(c.username!, c.password ?? '', address);
  }

  /** A password login from the web page: on success a token for the ClientHello and api/sessions. */
  async passwordLogin(
    username: string,
    password: string,
    clientAddress: string,
  ): Promise<Authentication & { token?: string }> {
    if (this.mode !== 'system') {
      return {
        ok: false,
        code: 'AUTHENTICATION_UNAVAILABLE',
        reason:
          this.mode === 'none'
            ? 'This server asks for no login.'
            : 'This server admits viewers with an authentication token only.',
      };
    }
    const a = await this.checkPassword(username, password, hostOf(clientAddress));
    return a.ok && a.username !== null ? { ...a, token: this.tickets.issue(a.username) } : a;
  }

  /** Counts the attempt before anything checks it (login-throttle.ts); null when it may go on. */
  private throttled(address: string, user: string | null): Authentication | null {
    const t = this.throttle.attempt(address, user, Date.now());
    if (t.ok) return null;
    this.log.warn(
      `Login${user === null ? '' : ` for '${printable(user)}'`} from ${address} refused: too many failed attempts`,
    );
    const seconds = Math.ceil(t.retryAfterMs / 1000);
    return {
      ok: false,
      code: 'AUTHENTICATION_THROTTLED',
      reason: `Too many failed logins; wait ${seconds} second${seconds === 1 ? '' : 's'} and try again.`,
    };
  }

  private async failed(
    address: string,
    user: string | null,
    reason: string,
    detail: string,
  ): Promise<Authentication> {
    this.log.warn(
      `Failed login${user === null ? '' : ` for '${printable(user)}'`} from ${address}: ${detail}`,
    );
    await delay(this.failureDelayMs + Math.random() * this.failureDelayMs * 0.5);
    return { ok: false, code: 'AUTHENTICATION_FAILED', reason };
  }

  private async checkPassword(username: string, password: string, address: string): Promise<Authentication> {
    const refused = this.throttled(address, username);
    if (refused !== null) return refused;
    const result = await this.checkPasswordCounted(username, password, address);
    this.throttle.settle(address, username, result.ok ? result.username : null);
    return result;
  }

  private async checkPasswordCounted(
    username: string,
    password: string,
    address: string,
  ): Promise<Authentication> {
    if (
      !USER_NAME.test(username) ||
      password === '' ||
      password.length > MAX_PASSWORD ||
      password.includes('\0')
    ) {
      return this.failed(address, username, FAILED_PASSWORD, 'not a possible user name or password');
    }
    let verdict;
    try {
      verdict = await this.pam.check(username, password, address);
    } catch (e) {
      if (e instanceof DcvError && e.code === 'AUTHENTICATION_THROTTLED')
        return { ok: false, code: e.code, reason: e.message };
      this.log.error(`PAM cannot check logins: ${(e as Error).message}`);
      return { ok: false, code: 'AUTHENTICATION_UNAVAILABLE', reason: UNAVAILABLE };
    }
    if (!verdict.ok) {
      const step = ['pam_start', 'pam_authenticate', 'pam_acct_mgmt'][verdict.step] ?? 'PAM';
      return this.failed(address, username, FAILED_PASSWORD, `${step}: ${verdict.message}`);
    }
    this.log.info(
      `User '${username}' logged in from ${address} (PAM service '${this.security['pam-service-name']}')`,
    );
    return { ok: true, username, method: 'pam' };
  }

  private async checkToken(token: string, sessionId: string, address: string): Promise<Authentication> {
    const refused = this.throttled(address, null);
    if (refused !== null) return refused;
    const result = await this.checkTokenCounted(token, sessionId, address);
    this.throttle.settle(address, null, result.ok ? result.username : null);
    return result;
  }

  private async checkTokenCounted(
    token: string,
    sessionId: string,
    address: string,
  ): Promise<Authentication> {
    if (token.length > 4096)
      return this.failed(address, null, FAILED_TOKEN, 'token longer than 4096 characters');
    try {
      const verdict = await verifyToken(this.verifier!, { sessionId, token, clientAddress: address });
      if (!verdict.ok) {
        return this.failed(
          address,
          null,
          FAILED_TOKEN,
          `the verifier refused the token${verdict.message ? ` (${printable(verdict.message)})` : ''}`,
        );
      }
      this.log.info(
        `User '${verdict.username}' logged in from ${address} with a token the verifier accepted`,
      );
      return { ok: true, username: verdict.username, method: 'token' };
    } catch (e) {
      this.log.error((e as Error).message);
      return { ok: false, code: 'AUTHENTICATION_UNAVAILABLE', reason: UNAVAILABLE };
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A name as typed by anyone, made safe for one log line. */
function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}

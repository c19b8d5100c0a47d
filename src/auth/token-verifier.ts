// The external authentication token verifier ([security] auth-token-verifier), spoken as DCV speaks it:
// POST sessionId, authenticationToken and clientAddress as a form; the answer is
// <auth result="yes"><username>USER</username></auth> or <auth result="no"><message>…</message></auth>.
import http from 'node:http';
import https from 'node:https';
import { DcvError } from '../errors.js';

export interface VerifierOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Validate the verifier's certificate (false with [security] no-tls-strict). */
  readonly strictTls: boolean;
  /** Extra CA certificates to trust ([security] ca-file), PEM. */
  readonly ca?: Buffer;
}

export interface TokenRequest {
  readonly sessionId: string;
  readonly token: string;
  /** The viewer's address, without the port. */
  readonly clientAddress: string;
}

export type TokenVerdict = { readonly ok: true; readonly username: string } | { readonly ok: false; readonly message: string };

const MAX_ANSWER_BYTES = 64 * 1024;
const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@\\$-]{0,254}$/;

/** Asks the verifier; throws AUTHENTICATION_UNAVAILABLE when it cannot be asked or answers nonsense. */
export function verifyToken(options: VerifierOptions, request: TokenRequest): Promise<TokenVerdict> {
  const url = new URL(options.url);
  const body = new URLSearchParams({
    sessionId: request.sessionId,
    authenticationToken: request.token,
    clientAddress: request.clientAddress,
  }).toString();
  const unavailable = (why: string): DcvError =>
    new DcvError('AUTHENTICATION_UNAVAILABLE', `The auth-token-verifier at ${url.origin}${url.pathname} ${why}.`);
  return new Promise((resolve, reject) => {
    const headers = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': Buffer.byteLength(body),
      Accept: 'text/xml, application/xml',
    };
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) {
          req.destroy(unavailable(`sent more than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        if (res.statusCode !== 200) {
          reject(unavailable(`answered HTTP ${res.statusCode ?? '?'}`));
          return;
        }
        const verdict = parseVerifierAnswer(Buffer.concat(chunks).toString('utf8'));
        if (verdict === null) reject(unavailable('answered without a well-formed <auth result="yes|no"> document'));
        else resolve(verdict);
      });
      res.on('error', (e) => reject(unavailable(`failed: ${e.message}`)));
    };
    let req: http.ClientRequest;
    if (url.protocol === 'https:') {
      req = https.request(url, { method: 'POST', headers, rejectUnauthorized: options.strictTls, ca: options.ca, minVersion: 'TLSv1.2' }, onResponse);
    } else if (url.protocol === 'http:') {
      req = http.request(url, { method: 'POST', headers }, onResponse);
    } else {
      reject(unavailable('is not an http(s) URL'));
      return;
    }
    const timer = setTimeout(() => req.destroy(unavailable(`did not answer within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof DcvError ? e : unavailable(`cannot be reached: ${e.message}`));
    });
    req.end(body);
  });
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e.toLowerCase()] !== undefined) return named[e.toLowerCase()]!;
    const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
  });
}

/** Reads the verifier's XML; null when it is not the documented shape (or names an impossible user). */
export function parseVerifierAnswer(xml: string): TokenVerdict | null {
  const auth = /<auth\s+result\s*=\s*["'](yes|no)["']\s*>([\s\S]*?)<\/auth>/i.exec(xml);
  if (auth === null) return null;
  if (auth[1]!.toLowerCase() === 'no') {
    const m = /<message>([\s\S]*?)<\/message>/i.exec(auth[2]!);
    return { ok: false, message: m === null ? '' : unescapeXml(m[1]!).trim().slice(0, 200) };
  }
  const u = /<username>([\s\S]*?)<\/username>/i.exec(auth[2]!);
  const username = u === null ? '' : unescapeXml(u[1]!).trim();
  return USER_NAME.test(username) ? { ok: true, username } : null;
}

// The HTTPS and WebSocket endpoint on [connectivity] web-port: serves the web client, the session list
// the page shows, and the viewer WebSocket, with the Host/Origin checks and security headers DCV has.
import { readdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { DcvConfig } from '../../config/index.js';
import { DcvError } from '../../errors.js';
import { formatHostPort, parseListenEndpoint } from '../../config/listen-endpoint.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../protocol/index.js';
import type { Session } from '../../session/session.js';
import type { SessionTable } from '../../session/session-table.js';
import type { Logger } from '../logger.js';
import type { TlsIdentity } from '../tls-identity.js';
import type { ViewerHub } from './viewer-hub.js';
import { sessionScreenshot } from '../session-screenshot.js';

export const WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * What the web client's pages may load: only their own scripts, styles, worker and sockets (no inline code,
 * so injected markup cannot run); images also from blob: and data: (session thumbnails, pasted images).
 * `web-extra-http-headers` may replace it.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** The session list's thumbnails: small, and taken again at most this often per session. */
const THUMBNAIL = { maxWidth: 320, maxHeight: 200, format: 'jpeg' } as const;
const THUMBNAIL_MAX_AGE_MS = 5000;

/**
 * A connection must have sent a request's headers this long after it opened (or after its previous answer):
 * the HTTPS server is handed connections, so Node's own header and request timeouts never apply to them.
 */
const HEADERS_TIMEOUT_MS = 20_000;
/** Connections one client address may hold open at once; more are closed as they arrive. */
export const MAX_CONNECTIONS_PER_ADDRESS = 64;

/** A login is two short strings; anything longer is not one. */
const LOGIN_BODY_LIMIT = 8 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('too large'));
        req.removeAllListeners('data');
        req.resume(); // the answer closes the connection; what is still coming is not kept
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** One connection's name, the same for the TCP socket and the TLS socket over it. */
function connectionKey(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? 0}`;
}

export interface WebEndpointDeps {
  readonly config: DcvConfig;
  readonly tls: TlsIdentity;
  readonly sessions: SessionTable;
  readonly viewers: ViewerHub;
  readonly log: Logger;
  readonly webRoot?: string;
}

export class WebEndpoint {
  /** What listens: each connection is handed to TLS, or, when it speaks plain HTTP, redirected to https. */
  private readonly fronts: net.Server[] = [];
  /** Every open connection, so stopping the server does not wait on an idle keep-alive or a half handshake. */
  private readonly sockets = new Set<net.Socket>();
  /** Open connections by client address (the per-address cap). */
  private readonly perAddress = new Map<string, number>();
  /** The headers deadline of each connection waiting for a request, by its `address|port` (TLS or not). */
  private readonly headerDeadlines = new Map<string, NodeJS.Timeout>();
  /** Addresses told about in the log for reaching the cap, so a flood is one line, not thousands. */
  private readonly capReported = new Set<string>();
  private readonly wss: WebSocketServer;
  private readonly files = new Map<string, Buffer>();
  private readonly prefix: string;
  private readonly hostRegex: RegExp;
  /** null: only the page's own origin (the key is empty, opendcv's default). */
  private readonly originRegex: RegExp | null;
  /** Recent thumbnails by session id, so a page that refreshes its list does not run ffmpeg each time. */
  private readonly thumbnails = new Map<string, { at: number; image: Promise<Buffer> }>();
  /** Every address and port it listens on (an IPv6 `::` the host lacks is left out). */
  readonly listening: { readonly host: string; readonly port: number }[] = [];

  private constructor(private readonly deps: WebEndpointDeps) {
    const path = deps.config.connectivity['web-url-path'];
    this.prefix = path.endsWith('/') ? path : `${path}/`;
    this.hostRegex = new RegExp(deps.config.security['allowed-http-host-regex'], 'i');
    const origins = deps.config.security['allowed-ws-origin-regex'];
    this.originRegex = origins === '' ? null : new RegExp(origins, 'i');
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
    const root = deps.webRoot ?? WEB_ROOT;
    try {
      for (const name of readdirSync(root)) this.files.set(name, readFileSync(join(root, name)));
    } catch {
      deps.log.warn(`The web client is missing from ${root} (run 'npm run build'); only the WebSocket endpoint works.`);
    }
  }

  /** The listening addresses as `host:port`, IPv6 hosts in brackets, for logs. */
  get addresses(): string[] {
    return this.listening.map(({ host, port }) => formatHostPort(host, port));
  }

  static async start(deps: WebEndpointDeps): Promise<WebEndpoint> {
    const e = new WebEndpoint(deps);
    const { connectivity } = deps.config;
    const endpoints = connectivity['web-listen-endpoints'].map((s) => parseListenEndpoint(s, connectivity['web-port']));
    const hasV4Any = endpoints.some((p) => p.host === '0.0.0.0');
    for (const { host, port } of endpoints) {
      const server = https.createServer({ cert: deps.tls.cert, key: deps.tls.key, minVersion: 'TLSv1.2', ciphers: deps.config.security.ciphers });
      server.on('request', (req, res) => e.request(req, res));
      server.on('upgrade', (req, socket, head) => e.upgrade(req, socket, head));
      server.on('tlsClientError', () => undefined);
      const front = net.createServer((socket) => e.sniff(socket, server, port));
      try {
        await new Promise<void>((resolve, reject) => {
          front.once('error', reject);
          // '::' alone would also take IPv4; beside '0.0.0.0' it must stay IPv6-only to avoid EADDRINUSE.
          front.listen({ host, port, ipv6Only: host === '::' && hasV4Any }, () => resolve());
        });
        e.fronts.push(front);
        e.listening.push({ host, port });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (host === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) continue; // no IPv6 on this host
        await e.close();
        const why = code === 'EADDRINUSE' ? 'the port is in use by another program' : (code ?? (err as Error).message);
        throw new DcvError('WEB_LISTEN_FAILED', `dcvserver cannot listen on ${host}:${port}: ${why}; change [connectivity] web-port in dcv.conf or stop that program.`);
      }
    }
    return e;
  }

  /**
   * TLS handshakes start with byte 0x16; anything else on the web port is plain HTTP, which gets a redirect
   * to the same URL over https (credentials never travel in the clear, and a mistyped http:// still works).
   */
  private sniff(socket: net.Socket, tls: https.Server, port: number): void {
    const address = socket.remoteAddress ?? '?';
    const open = (this.perAddress.get(address) ?? 0) + 1;
    if (open > MAX_CONNECTIONS_PER_ADDRESS) {
      if (!this.capReported.has(address)) {
        this.capReported.add(address);
        this.deps.log.warn(`${address} holds ${MAX_CONNECTIONS_PER_ADDRESS} connections to the web port; further ones are closed`);
      }
      socket.destroy();
      return;
    }
    this.perAddress.set(address, open);
    this.sockets.add(socket);
    const key = connectionKey(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.disarmHeaders(key);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else {
        this.perAddress.delete(address);
        this.capReported.delete(address);
      }
    });
    this.armHeaders(key, socket);
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === 0x16) {
        tls.emit('connection', socket);
        process.nextTick(() => socket.resume());
        return;
      }
      const head = first.toString('latin1');
      const path = /^[A-Z]+ (\/[^ \r\n]*) HTTP\/1\.[01]\r\n/.exec(head)?.[1];
      const host = /\r\nhost: *([^\r\n]+)/i.exec(head)?.[1]?.trim();
      if (path === undefined || host === undefined || !this.hostRegex.test(host) || !/^[\w.:[\]-]+$/.test(host)) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const target = `https://${host.includes(':') && !host.endsWith(']') ? host : `${host}:${port}`}${path}`;
      socket.end(`HTTP/1.1 301 Moved Permanently\r\nLocation: ${target}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
  }

  /** Closes the connection unless a request's headers arrive within HEADERS_TIMEOUT_MS. */
  private armHeaders(key: string, socket: Duplex): void {
    this.disarmHeaders(key);
    const timer = setTimeout(() => {
      this.headerDeadlines.delete(key);
      socket.destroy();
    }, HEADERS_TIMEOUT_MS);
    timer.unref();
    this.headerDeadlines.set(key, timer);
  }

  private disarmHeaders(key: string): void {
    const timer = this.headerDeadlines.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.headerDeadlines.delete(key);
  }

  private headers(res: ServerResponse): void {
    const { connectivity } = this.deps.config;
    if (connectivity['web-use-hsts']) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    if (connectivity['web-x-frame-options'] !== '') res.setHeader('X-Frame-Options', connectivity['web-x-frame-options']);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    // `?authToken=` may be in the page address; no link or fetch may carry it elsewhere in a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    for (const [name, value] of connectivity['web-extra-http-headers']) res.setHeader(name, value);
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    // Headers are in; the next request on a kept-alive connection gets a deadline of its own.
    const key = connectionKey(req.socket);
    this.disarmHeaders(key);
    res.once('finish', () => {
      if (!req.socket.destroyed) this.armHeaders(key, req.socket);
    });
    this.headers(res);
    if (!this.hostRegex.test(req.headers.host ?? '')) {
      res.writeHead(403).end('Forbidden\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (!url.pathname.startsWith(this.prefix) && `${url.pathname}/` !== this.prefix) {
      res.writeHead(404).end('Not found\n');
      return;
    }
    const rest = url.pathname.slice(this.prefix.length);
    if (rest === 'api/login') {
      void this.login(req, res);
      return;
    }
    if (rest === 'api/logout') {
      this.logout(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (rest === 'api/sessions') {
      this.sessionList(req, res);
      return;
    }
    const thumbnail = /^api\/sessions\/([^/]+)\/thumbnail$/.exec(rest);
    if (thumbnail !== null) {
      void this.thumbnail(req, res, decodeURIComponent(thumbnail[1]!));
      return;
    }
    if (`${url.pathname}/` === this.prefix) {
      res.writeHead(301, { Location: this.prefix }).end();
      return;
    }
    const name = rest === '' ? 'index.html' : rest;
    const body = this.files.get(name); // only files of the web client directory, so no path escapes it
    if (body === undefined) {
      res.writeHead(404).end('Not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /**
   * The sessions the page offers: those the viewer may open (`display` granted). With authentication 'none'
   * every viewer acts as each session's owner; otherwise the page sends the token of its login.
   */
  private sessionList(req: IncomingMessage, res: ServerResponse): void {
    const json = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
    const visible = this.visibleSessions(req, res);
    if (visible === null) return;
    const list = visible.map((s) => ({
      id: s.id,
      name: s.name ?? '',
      owner: s.owner,
      type: s.type,
      creationTime: s.creationTime.toISOString(),
      connections: this.deps.viewers.forSession(s.id).length,
    }));
    res.writeHead(200, json).end(req.method === 'HEAD' ? undefined : JSON.stringify(list));
  }

  /**
   * The sessions this request may see: those whose `display` the viewer is granted (with authentication
   * 'none' all of them, every viewer acting as each session's owner); null after answering 401.
   */
  private visibleSessions(req: IncomingMessage, res: ServerResponse): Session[] | null {
    const { auth, access } = this.deps.viewers;
    const all = this.deps.sessions.all();
    if (auth.mode === 'none') return all;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const user = bearer === null ? null : auth.tickets.redeem(bearer[1]!);
    if (user === null) {
      res.writeHead(401, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'WWW-Authenticate': 'Bearer realm="opendcv"' });
      res.end(JSON.stringify({ error: 'Log in first.', login: auth.mode === 'system' ? 'password' : 'token' }));
      return null;
    }
    return all.filter((s) => access.grantsSync(s, user).has('display'));
  }

  /** GET api/sessions/ID/thumbnail: a small JPEG of the screen, for a session the viewer may see. */
  private async thumbnail(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const visible = this.visibleSessions(req, res);
    if (visible === null) return;
    const session = visible.find((s) => s.id === id);
    if (session === undefined) {
      res.writeHead(404).end('Not found\n');
      return;
    }
    const now = Date.now();
    for (const [k, v] of this.thumbnails) if (now - v.at > THUMBNAIL_MAX_AGE_MS) this.thumbnails.delete(k);
    let cached = this.thumbnails.get(id);
    if (cached === undefined || now - cached.at > THUMBNAIL_MAX_AGE_MS) {
      cached = { at: now, image: sessionScreenshot(session, THUMBNAIL) };
      cached.image.catch(() => this.thumbnails.delete(id));
      this.thumbnails.set(id, cached);
    }
    try {
      const image = await cached.image;
      res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : image);
    } catch (e) {
      this.deps.log.warn(`No thumbnail of session '${id}': ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(503, { 'Cache-Control': 'no-store' }).end();
    }
  }

  /** POST api/logout: the login token of the request stops working, here and in any ClientHello. */
  private logout(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (bearer !== null) this.deps.viewers.auth.tickets.revoke(bearer[1]!);
    req.resume();
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  }

  /**
   * POST api/login: a JSON {username, password} (or {authToken, sessionId} for a verifier's token) in, a token for the
   * ClientHello and api/sessions out. JSON only, so a cross-site form cannot post here.
   */
  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
    const answer = (status: number, body: unknown): void => {
      if (!res.headersSent) res.writeHead(status, json).end(JSON.stringify(body));
    };
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      answer(415, { error: 'Send the login as application/json.' });
      return;
    }
    let body: { username?: unknown; password?: unknown; authToken?: unknown; sessionId?: unknown };
    try {
      body = JSON.parse(await readBody(req, LOGIN_BODY_LIMIT)) as typeof body;
      if (typeof body !== 'object' || body === null) throw new Error('not an object');
    } catch {
      res.setHeader('Connection', 'close');
      answer(400, { error: 'The login request is not a JSON object of at most 8 KiB.' });
      return;
    }
    const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`.replace(/^::ffff:/, '');
    const { auth } = this.deps.viewers;
    const result =
      typeof body.authToken === 'string'
        ? // The session the link names goes to the verifier, which may insist on it (DCV-REFERENCE.md §5).
          await auth.authenticate({ authToken: body.authToken, sessionId: typeof body.sessionId === 'string' ? body.sessionId : '', clientAddress: address })
        : await auth.passwordLogin(String(body.username ?? ''), String(body.password ?? ''), address);
    if (!result.ok) {
      const status = result.code === 'AUTHENTICATION_THROTTLED' ? 429 : result.code === 'AUTHENTICATION_UNAVAILABLE' ? 503 : 401;
      answer(status, { error: result.reason });
      return;
    }
    if (result.username === null) {
      answer(200, { username: '', token: '' }); // authentication 'none': nothing to present
      return;
    }
    const token = 'token' in result && typeof result.token === 'string' ? result.token : auth.tickets.issue(result.username);
    answer(200, { username: result.username, token });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // From here the viewer's own handshake timeout applies (viewer-connection.ts).
    this.disarmHeaders(connectionKey(req.socket));
    const url = new URL(req.url ?? '/', 'https://localhost');
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== `${this.prefix}ws`) return refuse(404, 'Not Found');
    if (!this.hostRegex.test(req.headers.host ?? '')) return refuse(403, 'Forbidden');
    if (!this.originAllowed(req)) {
      this.deps.log.warn(`WebSocket from ${req.socket.remoteAddress ?? '?'} refused: Origin ${JSON.stringify(req.headers.origin ?? '')} is not allowed (allowed-ws-origin-regex)`);
      return refuse(403, 'Forbidden');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`.replace(/^::ffff:/, '');
      this.deps.viewers.accept(ws, address, req.headers['user-agent'] ?? '');
    });
  }

  /**
   * Cross-site WebSocket hijacking: a page elsewhere may open a socket here from the visitor's browser. By
   * default only the origin the page was served from (https and this request's Host) may; the DCV key widens it.
   */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin ?? '';
    if (this.originRegex !== null) return this.originRegex.test(origin);
    try {
      const url = new URL(origin);
      return url.protocol === 'https:' && url.host === (req.headers.host ?? '').toLowerCase() && url.pathname === '/';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.deps.viewers.closeAll();
    for (const c of this.wss.clients) c.terminate();
    const closed = this.fronts.map((f) => new Promise<void>((resolve) => f.close(() => resolve())));
    for (const socket of this.sockets) socket.destroy();
    for (const timer of this.headerDeadlines.values()) clearTimeout(timer);
    this.headerDeadlines.clear();
    await Promise.all(closed);
  }
}

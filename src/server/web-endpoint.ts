// The HTTPS and WebSocket endpoint on [connectivity] web-port: serves the web client, the session list
// the page shows, and the viewer WebSocket, with the Host/Origin checks and security headers DCV has.
import { readdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { DcvConfig } from '../config/index.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../protocol/index.js';
import type { SessionTable } from '../session/session-table.js';
import type { Logger } from './logger.js';
import type { TlsIdentity } from './tls-identity.js';
import type { ViewerHub } from './viewer-hub.js';

export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface WebEndpointDeps {
  readonly config: DcvConfig;
  readonly tls: TlsIdentity;
  readonly sessions: SessionTable;
  readonly viewers: ViewerHub;
  readonly log: Logger;
  readonly webRoot?: string;
}

function parseEndpoint(spec: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  if (bracketed !== null) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(spec);
  if (v4 !== null) return { host: v4[1]!, port: v4[2] ? Number(v4[2]) : defaultPort };
  return { host: spec, port: defaultPort }; // a bare IPv6 address
}

export class WebEndpoint {
  private readonly servers: https.Server[] = [];
  private readonly wss: WebSocketServer;
  private readonly files = new Map<string, Buffer>();
  private readonly prefix: string;
  private readonly hostRegex: RegExp;
  private readonly originRegex: RegExp;
  readonly addresses: string[] = [];

  private constructor(private readonly deps: WebEndpointDeps) {
    const path = deps.config.connectivity['web-url-path'];
    this.prefix = path.endsWith('/') ? path : `${path}/`;
    this.hostRegex = new RegExp(deps.config.security['allowed-http-host-regex'], 'i');
    this.originRegex = new RegExp(deps.config.security['allowed-ws-origin-regex'], 'i');
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
    const root = deps.webRoot ?? WEB_ROOT;
    try {
      for (const name of readdirSync(root)) this.files.set(name, readFileSync(join(root, name)));
    } catch {
      deps.log.warn(`The web client is missing from ${root} (run 'npm run build'); only the WebSocket endpoint works.`);
    }
  }

  static async start(deps: WebEndpointDeps): Promise<WebEndpoint> {
    const e = new WebEndpoint(deps);
    const { connectivity } = deps.config;
    const endpoints = connectivity['web-listen-endpoints'].map((s) => parseEndpoint(s, connectivity['web-port']));
    const hasV4Any = endpoints.some((p) => p.host === '0.0.0.0');
    for (const { host, port } of endpoints) {
      const server = https.createServer({ cert: deps.tls.cert, key: deps.tls.key, minVersion: 'TLSv1.2', ciphers: deps.config.security.ciphers });
      server.on('request', (req, res) => e.request(req, res));
      server.on('upgrade', (req, socket, head) => e.upgrade(req, socket, head));
      server.on('tlsClientError', () => undefined);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          // '::' alone would also take IPv4; beside '0.0.0.0' it must stay IPv6-only to avoid EADDRINUSE.
          server.listen({ host, port, ipv6Only: host === '::' && hasV4Any }, () => resolve());
        });
        e.servers.push(server);
        e.addresses.push(`${host.includes(':') ? `[${host}]` : host}:${port}`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (host === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) continue; // no IPv6 on this host
        await e.close();
        throw new Error(`cannot listen on ${host}:${port}: ${code ?? (err as Error).message}`);
      }
    }
    return e;
  }

  private headers(res: ServerResponse): void {
    const { connectivity } = this.deps.config;
    if (connectivity['web-use-hsts']) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    if (connectivity['web-x-frame-options'] !== '') res.setHeader('X-Frame-Options', connectivity['web-x-frame-options']);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    for (const [name, value] of connectivity['web-extra-http-headers']) res.setHeader(name, value);
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
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
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const rest = url.pathname.slice(this.prefix.length);
    if (rest === 'api/sessions') {
      const list = this.listForViewer();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(list));
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

  /** The sessions the page offers. With authentication 'none' every viewer acts as each session's owner. */
  private listForViewer(): { id: string; name: string; owner: string }[] {
    if (this.deps.config.security.authentication !== 'none') return [];
    return this.deps.sessions.all().map((s) => ({ id: s.id, name: s.name ?? '', owner: s.owner }));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== `${this.prefix}ws`) return refuse(404, 'Not Found');
    if (!this.hostRegex.test(req.headers.host ?? '')) return refuse(403, 'Forbidden');
    if (!this.originRegex.test(req.headers.origin ?? '')) return refuse(403, 'Forbidden');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`.replace(/^::ffff:/, '');
      this.deps.viewers.accept(ws, address, req.headers['user-agent'] ?? '');
    });
  }

  async close(): Promise<void> {
    this.deps.viewers.closeAll();
    for (const c of this.wss.clients) c.terminate();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }
}

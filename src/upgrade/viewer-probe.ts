// Whether a started server accepts viewers: an HTTPS request to the first [connectivity] web endpoint gets an
// answer. The control socket answers a moment before the web endpoint listens, and downtime ends only here.
import https from 'node:https';
import { readConfigFile } from '../host/dcv-conf-file.js';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { formatHostPort, parseListenEndpoint } from '../config/listen-endpoint.js';

const PROBE_TIMEOUT_MS = 15_000;

/** host:port a viewer on this host would use for the first listen endpoint (a wildcard means loopback). */
export function viewerAddress(paths: HostPaths): { host: string; port: number; path: string } {
  const c = readConfigFile(paths.configFile, 'defaults').config.connectivity;
  const { host, port } = parseListenEndpoint(c['web-listen-endpoints'][0] ?? '0.0.0.0', c['web-port']);
  const loopback = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return { host: loopback, port, path: c['web-url-path'] || '/' };
}

function answers(host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    // The certificate is often self-signed; this asks only whether the endpoint serves, not whom to trust.
    const req = https.get({ host, port, path, rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Waits until the web endpoint answers; resolves to when it first did (ms since the epoch). */
export async function waitForViewerEndpoint(paths: HostPaths): Promise<number> {
  const { host, port, path } = viewerAddress(paths);
  const deadline = Date.now() + PROBE_TIMEOUT_MS;
  for (;;) {
    if (await answers(host, port, path)) return Date.now();
    if (Date.now() > deadline) {
      throw new DcvError(
        'SERVER_NOT_RUNNING',
        `the server does not answer viewers on https://${formatHostPort(host, port)}${path} within ${PROBE_TIMEOUT_MS / 1000} s.`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

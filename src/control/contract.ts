// What crosses the control socket: method names and the shapes of their answers. Pure: the server, `dcv`
// and the upgrade share it. Session descriptions use DCV's own JSON keys (`describe-session --json`), so
// `dcv` prints them as they come.

export const CONTROL_METHODS = [
  'version',
  'create-session',
  'list-sessions',
  'describe-session',
  'close-session',
  'list-connections',
  'close-connection',
  'get-screenshot',
  'create-viewer-token',
  'get-permissions',
  'set-permissions',
  'set-name',
  'set-display-layout',
  'reload-licenses',
  'list-endpoints',
] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

export interface SessionDescription {
  id: string;
  owner: string;
  user: string;
  name?: string;
  'num-of-connections': number;
  'creation-time': string;
  'last-disconnection-time': string;
  licenses: { product: string; status: string; 'check-timestamp': string; 'expiration-date': string }[];
  'licensing-mode': string;
  'storage-root': string;
  type: 'virtual' | 'console';
  status: string;
  'x11-display': string;
  'x11-authority': string;
  'display-layout': { width: number; height: number; x: number; y: number }[];
}

export interface ConnectionDescription {
  id: number;
  username: string;
  'user-agent': string;
  'client-version': string;
  'client-address': string;
  'connection-time': string;
  'last-interaction-time': string;
  transport: string;
}

export interface ScreenshotResult {
  format: 'png' | 'jpeg';
  /** base64 */
  data: string;
}

/** RFC 3339 UTC with microseconds, as DCV prints times. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** `dcv list-endpoints`: where viewers connect, and the certificate they should see there. */
export interface EndpointsDescription {
  endpoints: { address: string; port: number; protocols: string[] }[];
  certificate: { path: string; 'sha256-fingerprint': string };
}

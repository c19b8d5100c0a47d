// What crosses the control socket: method names and the shapes of their answers. Session descriptions
// use DCV's own JSON keys (`describe-session --json`), so `dcv` prints them as they come.
import type { Session } from '../session/session.js';

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

export interface SessionRuntimeInfo {
  connections: number;
  lastDisconnection: Date | null;
  licensingMode: string;
  licenses: SessionDescription['licenses'];
}

export function describeSession(s: Session, info: SessionRuntimeInfo): SessionDescription {
  // Key order as DCV prints it; `name` only when set.
  return {
    id: s.id,
    owner: s.owner,
    user: s.user,
    ...(s.name === null ? {} : { name: s.name }),
    'num-of-connections': info.connections,
    'creation-time': rfc3339(s.creationTime),
    'last-disconnection-time': info.lastDisconnection === null ? '' : rfc3339(info.lastDisconnection),
    licenses: info.licenses,
    'licensing-mode': info.licensingMode,
    'storage-root': s.storageRoot,
    type: s.type,
    status: 'created',
    'x11-display': s.x11Display,
    'x11-authority': s.x11Authority,
    'display-layout': s.layout().map((h) => ({ width: h.width, height: h.height, x: h.x, y: h.y })),
  };
}

/** `dcv list-endpoints`: where viewers connect, and the certificate they should see there. */
export interface EndpointsDescription {
  endpoints: { address: string; port: number; protocols: string[] }[];
  certificate: { path: string; 'sha256-fingerprint': string };
}

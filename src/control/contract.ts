// What crosses the control socket: one table of method → {params, result}. Pure: dcvserver dispatches on it,
// `dcv` and the upgrade call through it (channel.ts), and neither side casts. Params are zod schemas because
// they arrive from any local process and are checked once, here; results are types, because the server writes
// them. Session descriptions use DCV's own JSON keys (`describe-session --json`), so `dcv` prints them as they
// come.
import { z } from 'zod';
import type { PermissionSources } from '../config/permissions-file.js';

const sessionId = z.string({ error: 'A session id is required.' });
const optionalString = z.string().optional();
const wholeNumber = z.number().int();
const none = z.object({});
const session = z.object({ id: sessionId });

/** What each method takes. An unknown key is dropped; a known one of the wrong type is a USAGE error. */
export const CONTROL_PARAMS = {
  version: none,
  'create-session': z.object({
    id: sessionId,
    type: z.enum(['virtual', 'console'], { error: "type must be 'virtual' or 'console'." }).optional(),
    owner: optionalString,
    name: optionalString,
    init: optionalString,
    maxConcurrentClients: wholeNumber.optional(),
    storageRoot: optionalString,
    /** --permissions-file as `dcv` read it (src/cli/permissions.ts); the server parses it again, trusting nothing. */
    permissions: z.custom<PermissionSources>().optional(),
  }),
  'list-sessions': none,
  'describe-session': session,
  'close-session': z.object({ id: sessionId, logoutUser: z.boolean().optional() }),
  'list-connections': session,
  'close-connection': z.object({
    id: sessionId,
    connection: z.number({ error: 'A connection id is required.' }).int(),
  }),
  'get-screenshot': z.object({
    id: sessionId,
    format: z.enum(['png', 'jpeg']).optional(),
    maxWidth: wholeNumber.optional(),
    maxHeight: wholeNumber.optional(),
  }),
  'create-viewer-token': session,
  'get-permissions': z.object({ id: sessionId, user: optionalString }),
  'set-permissions': z.discriminatedUnion(
    'mode',
    [
      z.object({ id: sessionId, mode: z.literal('none') }),
      z.object({ id: sessionId, mode: z.literal('reset-builtin') }),
      z.object({ id: sessionId, mode: z.literal('file'), permissions: z.custom<PermissionSources>() }),
    ],
    { error: 'set-permissions needs one of --none, --reset-builtin or --file PATH.' },
  ),
  'set-name': z.object({
    id: sessionId,
    name: z.string({ error: 'A name (or null, for none) is required.' }).nullable(),
  }),
  'set-display-layout': z.object({
    id: sessionId,
    heads: z
      .array(
        z.object({
          width: z.number().int().min(1).max(65535),
          height: z.number().int().min(1).max(65535),
          x: z.number().int().min(-65535).max(65535),
          y: z.number().int().min(-65535).max(65535),
        }),
        { error: 'A display layout is a list of heads {width, height, x, y} in whole pixels.' },
      )
      .min(1, 'A display layout has at least one head.')
      .max(64, 'A display layout has at most 64 heads.'),
  }),
  'reload-licenses': none,
  'list-endpoints': none,
} as const;

export type ControlMethod = keyof typeof CONTROL_PARAMS;

export function isControlMethod(method: string): method is ControlMethod {
  return Object.hasOwn(CONTROL_PARAMS, method);
}

/** What a client sends for `M` (optional keys may be left out). */
export type ControlParams<M extends ControlMethod> = z.input<(typeof CONTROL_PARAMS)[M]>;
/** What a server handler receives for `M`, checked. */
export type CheckedParams<M extends ControlMethod> = z.output<(typeof CONTROL_PARAMS)[M]>;

/** What each method answers. */
export interface ControlResults {
  version: { version: string };
  'create-session': SessionDescription;
  'list-sessions': SessionDescription[];
  'describe-session': SessionDescription;
  'close-session': null;
  'list-connections': ConnectionDescription[];
  'close-connection': null;
  'get-screenshot': ScreenshotResult;
  'create-viewer-token': { token: string };
  'get-permissions': PermissionsDescription;
  'set-permissions': null;
  'set-name': null;
  'set-display-layout': null;
  'reload-licenses': { usable: boolean; reason: string };
  'list-endpoints': EndpointsDescription;
}
export type ControlResult<M extends ControlMethod> = ControlResults[M];

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

export interface PermissionsDescription {
  'session-id': string;
  /** 'builtin' (DCV's owner-only default), or 'custom' (create-session --permissions-file, set-permissions). */
  source: 'builtin' | 'custom';
  /** The session's own permissions, as a file. */
  permissions: string;
  'default-file': string;
  'default-file-exists': boolean;
  /** With --user: that user's features in the session (the default file merged in). */
  user?: string;
  features?: string[];
}

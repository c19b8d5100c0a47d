// The control requests on permissions: `dcv get-permissions` and `dcv set-permissions`. Root and the session
// owner may use them; a change reaches the session's live viewers before the request returns.
import { existsSync } from 'node:fs';
import {
  EMPTY_PERMISSIONS,
  BUILTIN_PERMISSIONS,
  permissionsFromSources,
  serializePermissions,
  PERMISSION_FEATURES,
} from '../../config/permissions-file.js';
import { DcvError } from '../../errors.js';
import type { Caller, SessionTable } from '../../session/session-table.js';
import type { ControlMethod } from '../../control/contract.js';
import type { Logger } from '../logger.js';
import type { ViewerHub } from '../viewer/viewer-hub.js';

export const PERMISSION_METHODS = ['get-permissions', 'set-permissions'] as const;
export type PermissionMethod = (typeof PERMISSION_METHODS)[number];

export function isPermissionMethod(method: ControlMethod | string): method is PermissionMethod {
  return (PERMISSION_METHODS as readonly string[]).includes(method);
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

export interface PermissionRequestContext {
  readonly sessions: SessionTable;
  readonly viewers: ViewerHub | null;
  readonly log: Logger;
}

export async function handlePermissionRequest(
  ctx: PermissionRequestContext,
  caller: Caller,
  method: PermissionMethod,
  p: Record<string, unknown>,
): Promise<unknown> {
  const id = typeof p['id'] === 'string' ? p['id'] : undefined;
  if (id === undefined) throw new DcvError('USAGE', 'A session id is required (--session).');
  if (ctx.viewers === null) throw new DcvError('INTERNAL', 'The viewer endpoint is not running.');
  const access = ctx.viewers.access;
  if (method === 'get-permissions') {
    const session = ctx.sessions.get(caller, id);
    const own = ctx.sessions.permissionsOf(id);
    const out: PermissionsDescription = {
      'session-id': id,
      source: own === null ? 'builtin' : 'custom',
      permissions: serializePermissions(own ?? BUILTIN_PERMISSIONS),
      'default-file': access.defaultFile,
      'default-file-exists': existsSync(access.defaultFile),
    };
    if (typeof p['user'] === 'string' && p['user'] !== '') {
      const granted = await access.grants(session, p['user']);
      out.user = p['user'];
      out.features = PERMISSION_FEATURES.filter((f) => granted.has(f));
    }
    return out;
  }
  const mode = p['mode'];
  let doc;
  if (mode === 'none') doc = EMPTY_PERMISSIONS;
  else if (mode === 'reset-builtin') doc = null;
  else if (mode === 'file') doc = permissionsFromSources(p['permissions']);
  else throw new DcvError('USAGE', 'set-permissions needs one of --none, --reset-builtin or --file PATH.');
  ctx.sessions.setPermissions(caller, id, doc);
  ctx.log.info(
    `Permissions of session '${id}' set by ${caller.name} (uid ${caller.uid}): ${mode === 'file' ? 'from a file' : String(mode)}`,
  );
  await ctx.viewers.permissionsChanged(id);
  return null;
}

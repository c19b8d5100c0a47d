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
import type { CheckedParams, PermissionsDescription } from '../../control/contract.js';
import type { Logger } from '../logger.js';
import type { ViewerHub } from '../viewer/viewer-hub.js';

export interface PermissionRequestContext {
  readonly sessions: SessionTable;
  viewers(): ViewerHub | null;
  readonly log: Logger;
}

function liveAccess(ctx: PermissionRequestContext): ViewerHub {
  const viewers = ctx.viewers();
  if (viewers === null) throw new DcvError('INTERNAL', 'The viewer endpoint is not running.');
  return viewers;
}

export async function getPermissions(
  ctx: PermissionRequestContext,
  caller: Caller,
  { id, user }: CheckedParams<'get-permissions'>,
): Promise<PermissionsDescription> {
  const access = liveAccess(ctx).access;
  const session = ctx.sessions.get(caller, id);
  const own = ctx.sessions.permissionsOf(id);
  const out: PermissionsDescription = {
    'session-id': id,
    source: own === null ? 'builtin' : 'custom',
    permissions: serializePermissions(own ?? BUILTIN_PERMISSIONS),
    'default-file': access.defaultFile,
    'default-file-exists': existsSync(access.defaultFile),
  };
  if (user !== undefined && user !== '') {
    const granted = await access.grants(session, user);
    out.user = user;
    out.features = PERMISSION_FEATURES.filter((f) => granted.has(f));
  }
  return out;
}

export async function setPermissions(
  ctx: PermissionRequestContext,
  caller: Caller,
  p: CheckedParams<'set-permissions'>,
): Promise<null> {
  const viewers = liveAccess(ctx);
  const doc =
    p.mode === 'none'
      ? EMPTY_PERMISSIONS
      : p.mode === 'reset-builtin'
        ? null
        : permissionsFromSources(p.permissions);
  ctx.sessions.setPermissions(caller, p.id, doc);
  ctx.log.info(
    `Permissions of session '${p.id}' set by ${caller.name} (uid ${caller.uid}): ${p.mode === 'file' ? 'from a file' : p.mode}`,
  );
  await viewers.permissionsChanged(p.id);
  return null;
}

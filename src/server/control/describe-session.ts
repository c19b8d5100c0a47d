// A session as the control socket describes it: the table's session plus what the server knows at run time
// (its viewers, the license), in DCV's `describe-session --json` shape.
import type { Session } from '../../session/session.js';
import { rfc3339, type SessionDescription } from '../../control/contract.js';

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

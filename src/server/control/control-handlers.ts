// What dcvserver answers on its control socket: one handler per method of the contract
// (src/control/contract.ts), each given the caller the kernel vouched for and params already checked.
import type { ControlHandlers } from '../../control/channel.js';
import type { EndpointsDescription, SessionDescription } from '../../control/contract.js';
import { formatLayout, type DisplayHead, type LayoutRequester } from '../../display/display-layout.js';
import { DcvError } from '../../errors.js';
import { isAdministrator, type Caller, type SessionTable } from '../../session/session-table.js';
import type { Session } from '../../session/session.js';
import { SERVER_VERSION } from '../../version/current.js';
import type { LicenseStatus } from '../license-gate.js';
import type { Logger } from '../logger.js';
import { sessionScreenshot } from '../session-screenshot.js';
import type { ViewerHub } from '../viewer/viewer-hub.js';
import { getPermissions, setPermissions } from './permission-requests.js';

/** What the handlers need of the running server. */
export interface ControlServices {
  readonly sessions: SessionTable;
  readonly log: Logger;
  /** Null until the web endpoint runs. */
  viewers(): ViewerHub | null;
  describe(s: Session): SessionDescription;
  checkLicense(): Promise<LicenseStatus>;
  endpoints(): EndpointsDescription;
  setLayout(s: Session, heads: readonly DisplayHead[], who: LayoutRequester): Promise<void>;
  logOutConsoleUser(s: Session): Promise<void>;
}

export function controlHandlers(server: ControlServices): ControlHandlers<Caller> {
  const { sessions, log } = server;
  const by = (caller: Caller): string => `${caller.name} (uid ${caller.uid})`;
  return {
    version: async () => ({ version: SERVER_VERSION }),

    'create-session': async (caller, p) => {
      const s = await sessions.create(caller, p);
      log.info(`Session '${s.id}' created by ${by(caller)}`);
      return server.describe(s);
    },

    'list-sessions': async (caller) => sessions.list(caller).map((s) => server.describe(s)),

    'describe-session': async (caller, { id }) => server.describe(sessions.get(caller, id)),

    'close-session': async (caller, { id, logoutUser }) => {
      const session = sessions.get(caller, id);
      await sessions.close(caller, id);
      log.info(`Session '${id}' closed by ${by(caller)}`);
      // A virtual session's programs end with it; on a console the owner's desktop stays unless asked.
      if (logoutUser === true && session.type === 'console') await server.logOutConsoleUser(session);
      return null;
    },

    'list-connections': async (caller, { id }) => {
      sessions.get(caller, id);
      return server.viewers()?.describe(id) ?? [];
    },

    'close-connection': async (caller, { id, connection }) => {
      sessions.get(caller, id);
      server.viewers()?.closeConnection(id, connection);
      log.info(`Connection ${connection} of session '${id}' closed by ${by(caller)}`);
      return null;
    },

    // A login token for the caller's own account, as the web login hands out: lets a local tool (the
    // upgrade's smoke test) open a session over the viewer protocol without anyone's password.
    'create-viewer-token': async (caller, { id }) => {
      const s = sessions.get(caller, id);
      if (!isAdministrator(caller) && s.owner !== caller.name) {
        throw new DcvError(
          'PERMISSION_DENIED',
          `Only root or the owner of '${s.id}' may ask for a viewer token.`,
        );
      }
      const viewers = server.viewers();
      if (viewers === null) throw new DcvError('SERVER_NOT_RUNNING', 'The viewer endpoint is not running.');
      return { token: viewers.auth.tickets.issue(caller.name) };
    },

    'get-screenshot': async (caller, { id, format = 'png', maxWidth, maxHeight }) => {
      const image = await sessionScreenshot(sessions.get(caller, id), { maxWidth, maxHeight, format });
      return { format, data: image.toString('base64') };
    },

    'set-name': async (caller, { id, name }) => {
      const s = sessions.rename(caller, id, name);
      const named = name === null ? 'has no name now' : `is now named '${name}'`;
      // Renaming is cheap and anyone may repeat it: one user's renames share one rate limit in the log.
      log.info(`Session '${s.id}' ${named} (by ${by(caller)})`, `set-name by uid ${caller.uid}`);
      return null;
    },

    'set-display-layout': async (caller, { id, heads }) => {
      const s = sessions.get(caller, id);
      if (!isAdministrator(caller) && s.owner !== caller.name)
        throw new DcvError(
          'PERMISSION_DENIED',
          `Only root or the owner of '${s.id}' may set its display layout.`,
        );
      await server.setLayout(s, heads, 'administrator');
      log.info(
        `Session '${s.id}' display layout ${formatLayout(s.layout())} (by ${by(caller)})`,
        `set-display-layout by uid ${caller.uid}`,
      );
      return null;
    },

    'reload-licenses': async (caller) => {
      if (!isAdministrator(caller))
        throw new DcvError('PERMISSION_DENIED', 'Only root may reload the licenses.');
      const status = await server.checkLicense();
      return { usable: status.usable, reason: status.reason };
    },

    'list-endpoints': async () => server.endpoints(),

    'get-permissions': async (caller, p) => getPermissions(server, caller, p),
    'set-permissions': async (caller, p) => setPermissions(server, caller, p),
  };
}

// Every viewer connection of the server: admission (who the viewer is, which session it may open and with
// which rights, license, client limits), the per-session connection lists behind `dcv list-connections`,
// permission changes on live connections, telling each viewer who else is connected (the owner may
// disconnect them), and closing them.
import type { WebSocket } from 'ws';
import { Authenticator } from '../../auth/authenticator.js';
import { featureMask, SessionAccess } from '../../auth/session-access.js';
import type { DcvConfig } from '../../config/index.js';
import { DcvError } from '../../errors.js';
import {
  CloseCode,
  Feature,
  hasFeature,
  MAX_CLIENT_ADDRESS_BYTES,
  MAX_LISTED_CONNECTIONS,
  type ClientHello,
} from '../../protocol/index.js';
import type { Session } from '../../session/session.js';
import type { SessionTable } from '../../session/session-table.js';
import { rfc3339, type ConnectionDescription } from '../../control/contract.js';
import type { Logger } from '../logger.js';
import type { SessionMedia } from './session-media.js';
import { AgentEvent, AgentMethod, isClipboardMime, type ClipboardMime } from '../../agent/agent-api.js';
import type { SessionAgents } from '../session-agents.js';
import { ViewerConnection, type Admission, type Refusal, type ViewerHost } from './viewer-connection.js';

export interface ViewerHubDeps {
  readonly config: DcvConfig;
  readonly sessions: SessionTable;
  readonly log: Logger;
  /** The default permissions file: [session-management/defaults] permissions-file, else paths.defaultPermissionsFile. */
  readonly defaultPermissionsFile: string;
  /** The shared media pipeline of a session, created on first use. */
  mediaFor(session: Session): Promise<SessionMedia>;
  /** Why the license refuses new connections, or null. */
  licenseRefusal(): Promise<DcvError | null>;
  /** The sessions' agents: clipboard and file storage go through them. */
  readonly agents: SessionAgents;
}

export class ViewerHub implements ViewerHost {
  private nextId = 1;
  private readonly connections = new Map<number, ViewerConnection>();
  private readonly lastDisconnection = new Map<string, Date>();
  readonly log: Logger;
  readonly auth: Authenticator;
  readonly access: SessionAccess;

  constructor(private readonly deps: ViewerHubDeps) {
    this.log = deps.log;
    this.auth = new Authenticator(deps.config.security, deps.log.child('auth'));
    const file = deps.config['session-management/defaults']['permissions-file'] || deps.defaultPermissionsFile;
    this.access = new SessionAccess(deps.sessions, file, deps.log.child('permissions'));
    deps.sessions.setAccessPolicy(this.access);
    deps.agents.setListener({
      connected: () => undefined,
      event: (sessionId, name, params, body) => {
        if (name !== AgentEvent.ClipboardChanged || !isClipboardMime(params['mime'])) return;
        const mime = params['mime'];
        for (const c of this.forSession(sessionId)) c.clipboardCopied(mime, body);
      },
    });
    for (const line of this.auth.describe()) {
      if (line.warn) deps.log.warn(line.text);
      else deps.log.info(line.text);
    }
  }

  accept(socket: WebSocket, clientAddress: string, userAgent: string): void {
    const c = new ViewerConnection(this.nextId++, socket, clientAddress, this);
    c.userAgent = userAgent;
  }

  async admit(hello: ClientHello, c: ViewerConnection): Promise<Admission | Refusal> {
    const { config, sessions } = this.deps;
    // Who first, so an unauthenticated viewer learns nothing about which sessions exist.
    const who = await this.auth.authenticate({
      username: hello.username,
      password: hello.password,
      authToken: hello.authToken,
      sessionId: hello.sessionId,
      clientAddress: c.clientAddress,
    });
    if (!who.ok) {
      const closeCode = who.code === 'AUTHENTICATION_UNAVAILABLE' ? CloseCode.ServerError : CloseCode.AuthenticationFailed;
      return { closeCode, reason: who.reason };
    }
    const session = sessions.all().find((s) => s.id === hello.sessionId);
    const notFound: Refusal = {
      closeCode: CloseCode.SessionNotFound,
      reason: hello.sessionId === '' ? 'No session available.' : `The ${hello.sessionId} session is not available.`,
    };
    if (session === undefined) return notFound;
    // With authentication 'none' DCV treats every viewer as the session owner; permissions still apply.
    const username = who.username ?? session.owner;
    const features = this.clipboardGate(featureMask(await this.access.grants(session, username)));
    // Without `display` the session is not theirs to see: refused exactly as a session that does not exist.
    if (!hasFeature(features, Feature.Display)) {
      this.log.warn(`User '${username}' from ${c.clientAddress} may not open session '${session.id}' (no display permission)`);
      return notFound;
    }
    const license = await this.deps.licenseRefusal();
    if (license !== null) return { closeCode: CloseCode.LicenseRefused, reason: license.message };
    const limit = session.maxConcurrentClients >= 0 ? session.maxConcurrentClients : config['session-management']['max-concurrent-clients'];
    const current = this.forSession(session.id);
    if (limit >= 0 && current.length >= limit) {
      return {
        closeCode: CloseCode.TooManyClients,
        reason: `Session ${session.id} already has ${current.length} of its ${limit} allowed clients (max-concurrent-clients).`,
      };
    }
    const perUser = config.security['max-connections-per-user'];
    const ofUser = [...this.connections.values()].filter((x) => x.username === username).length;
    if (perUser > 0 && ofUser >= perUser) {
      return { closeCode: CloseCode.TooManyClients, reason: `${username} already has ${ofUser} connections (max-connections-per-user).` };
    }
    let media: SessionMedia;
    try {
      media = await this.deps.mediaFor(session);
    } catch (e) {
      this.log.error(`Session '${session.id}': the screen cannot be streamed: ${(e as Error).message}`);
      return { closeCode: CloseCode.ServerError, reason: 'The session screen cannot be streamed; the server log has details.' };
    }
    if (this.deps.sessions.all().find((s) => s.id === session.id) !== session) {
      return { closeCode: CloseCode.SessionClosed, reason: `The ${session.id} session was closed.` };
    }
    return { session, media, username, features };
  }

  async paste(c: ViewerConnection, mime: ClipboardMime, data: Uint8Array): Promise<void> {
    const limit = this.deps.config.clipboard['max-payload-size'];
    if (!this.deps.config.clipboard.enabled) return;
    if (data.byteLength > limit) {
      this.log.warn(
        `Connection ${c.id}: a paste of ${data.byteLength} bytes is over [clipboard] max-payload-size (${limit}); dropped`,
      );
      return;
    }
    const link = await this.deps.agents.link(c.sessionId, 2000);
    if (link === null) {
      this.log.warn(`Connection ${c.id}: paste dropped, the session agent of '${c.sessionId}' is not running`);
      return;
    }
    try {
      await link.request(AgentMethod.ClipboardSet, { mime }, data);
    } catch (e) {
      this.log.warn(`Connection ${c.id}: paste into session '${c.sessionId}' failed: ${(e as Error).message}`);
    }
  }

  joined(c: ViewerConnection): void {
    this.connections.set(c.id, c);
    this.log.info(`Client ${c.id} (user: ${c.username}) connected to session '${c.sessionId}' from ${c.clientAddress} (client ${c.clientVersion})`);
    this.announce(c.sessionId);
  }

  left(c: ViewerConnection): void {
    if (!this.connections.delete(c.id)) return;
    this.lastDisconnection.set(c.sessionId, new Date());
    this.log.info(`Client ${c.id} (user: ${c.username}) disconnected from session '${c.sessionId}'`);
    this.announce(c.sessionId);
  }

  /** Tells every viewer of the session who is connected; only the owner's list says it may disconnect them. */
  private announce(sessionId: string): void {
    const owner = this.deps.sessions.all().find((s) => s.id === sessionId)?.owner;
    const viewers = this.forSession(sessionId);
    const connections = viewers.slice(0, MAX_LISTED_CONNECTIONS).map((v) => ({
      connectionId: v.id,
      username: v.username,
      address: v.clientAddress.slice(0, MAX_CLIENT_ADDRESS_BYTES),
      owner: v.username === owner,
    }));
    for (const v of viewers) {
      v.tellConnections({ type: 'connection-list', canDisconnect: v.username === owner, connections });
    }
  }

  /**
   * DCV's collaborators panel: the session's owner may disconnect another viewer of it. Anyone else is refused
   * here, whatever their page shows; the refusal is logged, and the asker's connection stays.
   */
  disconnectViewer(by: ViewerConnection, connectionId: number): void {
    const session = this.deps.sessions.all().find((s) => s.id === by.sessionId);
    if (session === undefined || by.username !== session.owner) {
      this.log.warn(`User '${by.username}' (client ${by.id}) may not disconnect viewers of session '${by.sessionId}': only its owner may`);
      return;
    }
    const target = this.connections.get(connectionId);
    if (target === undefined || target.sessionId !== by.sessionId) {
      this.log.warn(`Client ${by.id} asked to disconnect client ${connectionId}, which is not connected to session '${by.sessionId}'`);
      return;
    }
    this.log.info(`Client ${target.id} (user: ${target.username}) disconnected from session '${by.sessionId}' by its owner '${by.username}'`);
    target.close(CloseCode.ClosedByAdministrator, `The session's owner (${by.username}) disconnected you.`);
  }

  /** With [clipboard] enabled=false no viewer gets the clipboard features, whatever its permissions. */
  private clipboardGate(features: number): number {
    return this.deps.config.clipboard.enabled
      ? features
      : features & ~(Feature.ClipboardCopy | Feature.ClipboardPaste);
  }

  forSession(id: string): ViewerConnection[] {
    return [...this.connections.values()].filter((c) => c.sessionId === id);
  }

  lastDisconnectionOf(id: string): Date | null {
    return this.lastDisconnection.get(id) ?? null;
  }

  describe(id: string): ConnectionDescription[] {
    return this.forSession(id).map((c) => ({
      id: c.id,
      username: c.username,
      'user-agent': c.userAgent,
      'client-version': c.clientVersion,
      'client-address': c.clientAddress,
      'connection-time': rfc3339(c.connectionTime),
      'last-interaction-time': rfc3339(c.lastInteraction),
      transport: 'websocket',
    }));
  }

  closeConnection(sessionId: string, connectionId: number): void {
    const c = this.connections.get(connectionId);
    if (c === undefined || c.sessionId !== sessionId) {
      throw new DcvError('CONNECTION_NOT_FOUND', `Session '${sessionId}' has no connection ${connectionId}.`);
    }
    c.close(CloseCode.ClosedByAdministrator, 'An administrator closed this connection.');
  }

  /**
   * The session's permissions changed (`dcv set-permissions`): each viewer gets its new rights at once; one
   * that lost `display` is disconnected.
   */
  async permissionsChanged(sessionId: string): Promise<void> {
    const session = this.deps.sessions.all().find((s) => s.id === sessionId);
    if (session === undefined) return;
    await Promise.all(
      this.forSession(sessionId).map(async (c) => {
        const features = this.clipboardGate(featureMask(await this.access.grants(session, c.username)));
        if (!hasFeature(features, Feature.Display)) {
          c.close(CloseCode.PermissionDenied, `Your permissions on session ${sessionId} no longer include display.`);
        } else c.setFeatures(features);
      }),
    );
  }

  /** The session ended: its viewers are told so and disconnected. */
  sessionEnded(id: string): void {
    for (const c of this.forSession(id)) c.close(CloseCode.SessionClosed, `The ${id} session was closed.`);
  }

  closeAll(): void {
    for (const c of this.connections.values()) c.close(CloseCode.GoingAway, 'The server is shutting down.');
  }
}

// Every viewer connection of the server: admission (authentication mode, session, license, client
// limits), the per-session connection lists behind `dcv list-connections`, and closing them.
import type { WebSocket } from 'ws';
import type { DcvConfig } from '../config/index.js';
import { DcvError } from '../errors.js';
import { ALL_FEATURES, CloseCode, type ClientHello } from '../protocol/index.js';
import type { Session } from '../session/session.js';
import type { SessionTable } from '../session/session-table.js';
import { rfc3339, type ConnectionDescription } from './control-api.js';
import type { Logger } from './logger.js';
import type { SessionMedia } from './session-media.js';
import { ViewerConnection, type Admission, type Refusal, type ViewerHost } from './viewer-connection.js';

export interface ViewerHubDeps {
  readonly config: DcvConfig;
  readonly sessions: SessionTable;
  readonly log: Logger;
  /** The shared media pipeline of a session, created on first use. */
  mediaFor(session: Session): Promise<SessionMedia>;
  /** Why the license refuses new connections, or null. */
  licenseRefusal(): Promise<DcvError | null>;
}

export class ViewerHub implements ViewerHost {
  private nextId = 1;
  private readonly connections = new Map<number, ViewerConnection>();
  private readonly lastDisconnection = new Map<string, Date>();
  readonly log: Logger;

  constructor(private readonly deps: ViewerHubDeps) {
    this.log = deps.log;
  }

  accept(socket: WebSocket, clientAddress: string, userAgent: string): void {
    const c = new ViewerConnection(this.nextId++, socket, clientAddress, this);
    c.userAgent = userAgent;
  }

  async admit(hello: ClientHello, c: ViewerConnection): Promise<Admission | Refusal> {
    const { config, sessions } = this.deps;
    const session = sessions.all().find((s) => s.id === hello.sessionId);
    if (session === undefined) {
      return {
        closeCode: CloseCode.SessionNotFound,
        reason: hello.sessionId === '' ? 'No session available.' : `The ${hello.sessionId} session is not available.`,
      };
    }
    if (config.security.authentication !== 'none') {
      return {
        closeCode: CloseCode.AuthenticationFailed,
        reason:
          "This server is set to [security] authentication='system', which viewers cannot use yet in this build; " +
          "an administrator can set authentication='none' in dcv.conf for a trusted network.",
      };
    }
    const license = await this.deps.licenseRefusal();
    if (license !== null) return { closeCode: CloseCode.PermissionDenied, reason: license.message };
    // With authentication 'none' DCV treats every viewer as the session owner.
    const username = session.owner;
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
    void c;
    return { session, media, username, features: ALL_FEATURES };
  }

  joined(c: ViewerConnection): void {
    this.connections.set(c.id, c);
    this.log.info(`Client ${c.id} (user: ${c.username}) connected to session '${c.sessionId}' from ${c.clientAddress} (client ${c.clientVersion})`);
  }

  left(c: ViewerConnection): void {
    if (!this.connections.delete(c.id)) return;
    this.lastDisconnection.set(c.sessionId, new Date());
    this.log.info(`Client ${c.id} (user: ${c.username}) disconnected from session '${c.sessionId}'`);
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

  /** The session ended: its viewers are told so and disconnected. */
  sessionEnded(id: string): void {
    for (const c of this.forSession(id)) c.close(CloseCode.SessionClosed, `The ${id} session was closed.`);
  }

  closeAll(): void {
    for (const c of this.connections.values()) c.close(CloseCode.GoingAway, 'The server is shutting down.');
  }
}

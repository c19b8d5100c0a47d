// Every session's agent as dcvserver sees it: one AgentSupervisor per session, started with the session
// (as its owner) and disposed with it, configured from dcv.conf and the session's storage root.
import { join } from 'node:path';
import { AgentSupervisor } from '../agent/agent-supervisor.js';
import type { AgentConfiguration } from '../agent/agent-api.js';
import type { LinkPeer } from '../agent/link-peer.js';
import type { DcvConfig } from '../config/index.js';
import { findUserByName, type UserAccount } from '../host/user-account.js';
import type { Session } from '../session/session.js';
import type { Logger } from './logger.js';

export interface AgentListener {
  /** A (re)started agent of the session is configured and on its link. */
  connected(sessionId: string, link: LinkPeer): void;
  event(sessionId: string, name: string, params: Record<string, unknown>, body: Uint8Array): void;
}

/** `%home%` is the owner's home, as in DCV. */
export function resolveStorageRoot(root: string, owner: UserAccount): string {
  return root.replace(/%home%/g, owner.home);
}

export class SessionAgents {
  private readonly agents = new Map<string, Promise<AgentSupervisor | null>>();
  private readonly owners = new Map<string, UserAccount>();
  /** Agents being stopped, so stopAll() waits for those a session's end already began to stop. */
  private readonly stopping = new Set<Promise<void>>();
  private listener: AgentListener = { connected: () => undefined, event: () => undefined };

  constructor(
    private readonly config: DcvConfig,
    private readonly runDir: string,
    private readonly logDir: string,
    private readonly log: Logger,
  ) {}

  setListener(listener: AgentListener): void {
    this.listener = listener;
  }

  /** Starts the session's agent; a failure is logged (the session still runs, without clipboard or storage). */
  start(session: Session): void {
    const started = this.launch(session).catch((e: unknown) => {
      this.log.error(`Session agent of '${session.id}' not started: ${(e as Error).message}`);
      return null;
    });
    this.agents.set(session.id, started);
  }

  private async launch(session: Session): Promise<AgentSupervisor> {
    const owner = await findUserByName(session.owner);
    if (owner === null) throw new Error(`the owner '${session.owner}' has no account on this host`);
    this.owners.set(session.id, owner);
    return AgentSupervisor.start(session.id, {
      owner,
      socketDir: join(this.runDir, 'agents'),
      logFile: join(this.logDir, `dcvagent.${session.owner}.${session.id}.log`),
      log: this.log,
      configuration: () => this.configuration(session, owner),
      connected: (link) => this.listener.connected(session.id, link),
      event: (name, params, body) => this.listener.event(session.id, name, params, body),
    });
  }

  private configuration(session: Session, owner: UserAccount): AgentConfiguration {
    const c = this.config.clipboard;
    return {
      sessionId: session.id,
      display: session.x11Display,
      xauthority: session.x11Authority,
      clipboard: {
        enabled: c.enabled,
        primarySelectionCopy: c['primary-selection-copy'],
        primarySelectionPaste: c['primary-selection-paste'],
        maxPayloadSize: c['max-payload-size'],
        maxTextLen: c['max-text-len'],
        maxImageArea: c['max-image-area'],
        updateTimeoutMs: c['update-timeout'],
      },
      storageRoot: session.storageRoot === '' ? '' : resolveStorageRoot(session.storageRoot, owner),
    };
  }

  /** The storage folder of the session as its agent uses it ('' = none). */
  storageRootOf(session: Session): string {
    const owner = this.owners.get(session.id);
    if (session.storageRoot === '' || owner === undefined) return '';
    return resolveStorageRoot(session.storageRoot, owner);
  }

  /** The session's supervisor, once started (null if it could not be). */
  async supervisor(sessionId: string): Promise<AgentSupervisor | null> {
    return (await this.agents.get(sessionId)) ?? null;
  }

  /** The agent's link, waiting up to `timeoutMs` for a (re)starting agent. */
  async link(sessionId: string, timeoutMs = 5000): Promise<LinkPeer | null> {
    const s = await this.supervisor(sessionId);
    return s === null ? null : s.whenConnected(timeoutMs);
  }

  stop(sessionId: string): Promise<void> {
    const s = this.agents.get(sessionId);
    this.agents.delete(sessionId);
    this.owners.delete(sessionId);
    const stopped = (async () => (await s)?.dispose())();
    this.stopping.add(stopped);
    void stopped.finally(() => this.stopping.delete(stopped));
    return stopped;
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.agents.keys()]) void this.stop(id);
    await Promise.all([...this.stopping]);
  }
}

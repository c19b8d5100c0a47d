// The server's sessions: who may create, see and close which, the limits from dcv.conf, and the
// bookkeeping when a session ends by itself. Callers are identified by the server, never by themselves.
import { mkdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { DcvError } from '../errors.js';
import { permissionsFromSources, type PermissionsDocument } from '../config/permissions-file.js';
import { canExecuteAs } from '../host/spawn-as-user.js';
import { findUserByName, type UserAccount } from '../host/user-account.js';
import { ConsoleSession } from './console-session.js';
import type { DisplayHead, Session, SessionType } from './session.js';
import { validateSessionId, validateSessionName } from './session-id.js';
import { DEFAULT_INIT, sessionLogFile, VirtualSession } from './virtual-session.js';

const run = promisify(execFile);

export interface Caller {
  readonly uid: number;
  readonly name: string;
}

export function isAdministrator(caller: Caller): boolean {
  return caller.uid === 0;
}

export interface SessionSettings {
  /** Init program for virtual sessions when --init is not given ('' = the built-in desktop). */
  readonly defaultInit: string;
  readonly sourceProfile: boolean;
  /** The layout a virtual session starts with (normalised; virtual-session-default-layout). */
  readonly defaultLayout: readonly DisplayHead[];
  /** Applied to the console's display at start when not empty (console-session-default-layout). */
  readonly consoleDefaultLayout: readonly DisplayHead[];
  readonly maxConcurrentSessions: number;
  readonly maxSessionsPerUser: number;
  readonly consoleDisplay: string;
  readonly consoleXauthority: string;
  readonly xvfbArgs: readonly string[];
  readonly runDir: string;
  readonly logDir: string;
}

export interface CreateSessionRequest {
  readonly id: string;
  readonly type?: SessionType;
  readonly owner?: string;
  readonly name?: string;
  readonly init?: string;
  readonly maxConcurrentClients?: number;
  readonly storageRoot?: string;
  /** The session's own permissions file as `dcv` read it (absent: DCV's built-in owner-only default). */
  readonly permissions?: unknown;
}

/**
 * Who besides root and the owner may see a session, decided from its permissions (src/auth plugs in here,
 * since only it knows the default permissions file and the users' OS groups).
 */
export interface SessionAccessPolicy {
  /** Whether `caller` (neither root nor the owner) may list and open the session: `display` is granted. */
  mayView(caller: Caller, session: Session): boolean;
  /** Refuses permissions that cannot be evaluated (names a group or alias nobody defines); throws DcvError. */
  check(permissions: PermissionsDocument): void;
}

export interface SessionEvents {
  created(session: Session): void;
  ended(session: Session, reason: string): void;
}

/** A gate consulted before any new session (the license check plugs in here). */
export type AdmissionCheck = (sessionsRunning: number) => Promise<void>;

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  /** Ids being created right now: a second create of one of them is refused as a duplicate. */
  private readonly starting = new Set<string>();
  /** Sessions still starting that passed the limits and the license: they count like running ones. */
  private readonly admitted = new Map<string, { readonly type: SessionType; readonly owner: string }>();
  private admission: AdmissionCheck = async () => undefined;
  /**
   * Admissions run one at a time, in the order the creates arrived: a create counts only the sessions admitted
   * before it, never one still waiting that may yet be refused (three creates at once under max-sessions 2:
   * exactly two start).
   */
  private admissionTurn: Promise<void> = Promise.resolve();
  /** Each session's own permissions; a session without an entry has the built-in default. */
  private readonly permissions = new Map<string, PermissionsDocument>();
  private access: SessionAccessPolicy = { mayView: () => false, check: () => undefined };

  constructor(
    private readonly settings: SessionSettings,
    private readonly events: SessionEvents,
  ) {}

  setAdmissionCheck(check: AdmissionCheck): void {
    this.admission = check;
  }

  setAccessPolicy(policy: SessionAccessPolicy): void {
    this.access = policy;
  }

  /** The session's own permissions, or null for the built-in default (only the owner, with everything). */
  permissionsOf(id: string): PermissionsDocument | null {
    return this.permissions.get(id) ?? null;
  }

  /** Replaces a session's own permissions (null: back to the built-in default); root and the owner only. */
  setPermissions(caller: Caller, id: string, permissions: PermissionsDocument | null): Session {
    const s = this.get(caller, id);
    if (permissions === null) this.permissions.delete(id);
    else {
      this.access.check(permissions);
      this.permissions.set(id, permissions);
    }
    return s;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions the caller may see: all for root, their own and those whose permissions grant them `display`. */
  list(caller: Caller): Session[] {
    return [...this.sessions.values()].filter(
      (s) => this.maySee(caller, s) || this.access.mayView(caller, s),
    );
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  /**
   * The session, if the caller may manage it (root, the owner); an unknown and a hidden session look the same.
   * Collaborators granted `display` see it in list() and open it in a viewer, but do not manage it here.
   */
  get(caller: Caller, id: string): Session {
    const s = this.sessions.get(id);
    if (s === undefined || !this.maySee(caller, s)) {
      throw new DcvError('SESSION_NOT_FOUND', `Session '${id}' not found.`);
    }
    return s;
  }

  private maySee(caller: Caller, s: Session): boolean {
    return isAdministrator(caller) || s.owner === caller.name;
  }

  async create(caller: Caller, req: CreateSessionRequest): Promise<Session> {
    const id = validateSessionId(req.id);
    const name = req.name === undefined ? null : validateSessionName(req.name);
    const type = req.type ?? 'virtual';
    const ownerName = req.owner ?? caller.name;
    if (!isAdministrator(caller) && ownerName !== caller.name) {
      throw new DcvError(
        'PERMISSION_DENIED',
        `Only root may create a session for another user ('${ownerName}').`,
      );
    }
    if (type === 'console' && !isAdministrator(caller)) {
      throw new DcvError('PERMISSION_DENIED', 'Only root may create the console session.');
    }
    if (this.sessions.has(id) || this.starting.has(id)) {
      throw new DcvError('SESSION_EXISTS', `Session '${id}' already exists.`);
    }
    // Claimed before the first await, so concurrent creates of one id cannot both pass.
    this.starting.add(id);
    try {
      const owner = await findUserByName(ownerName);
      if (owner === null)
        throw new DcvError('OWNER_UNKNOWN', `Owner '${ownerName}' is not a user on this host.`);
      if (
        req.maxConcurrentClients !== undefined &&
        (!Number.isInteger(req.maxConcurrentClients) || req.maxConcurrentClients < -1)
      ) {
        throw new DcvError(
          'USAGE',
          '--max-concurrent-clients must be -1 (no limit) or a non-negative integer.',
        );
      }
      // The session's own permissions (--permissions-file) are checked before anything starts.
      const permissions = req.permissions === undefined ? null : permissionsFromSources(req.permissions);
      if (permissions !== null) this.access.check(permissions);
      await this.admit(id, type, owner);
      const session =
        type === 'console'
          ? await this.startConsole(id, name, owner, req)
          : await this.startVirtual(id, name, owner, req);
      this.sessions.set(id, session);
      if (permissions !== null) this.permissions.set(id, permissions);
      void session.whenEnded().then((reason) => this.ended(session, reason));
      this.events.created(session);
      return session;
    } finally {
      this.starting.delete(id);
      this.admitted.delete(id);
    }
  }

  /** The limits and the license, checked in arrival order; `id` counts from here until it runs or fails. */
  private admit(id: string, type: SessionType, owner: UserAccount): Promise<void> {
    const turn = this.admissionTurn.then(async () => {
      this.checkLimits(type, owner);
      await this.admission(this.sessions.size + this.admitted.size);
      this.admitted.set(id, { type, owner: owner.name });
    });
    this.admissionTurn = turn.catch(() => undefined);
    return turn;
  }

  /** Limits count the sessions running and those starting that were admitted before this one. */
  private checkLimits(type: SessionType, owner: UserAccount): void {
    const running: { readonly type: SessionType; readonly owner: string }[] = [
      ...this.sessions.values(),
      ...this.admitted.values(),
    ];
    if (type === 'console' && running.length > 0) {
      throw new DcvError(
        'CONSOLE_SESSION_CONFLICT',
        running.some((s) => s.type === 'console')
          ? 'A console session already exists; there can be only one.'
          : 'Close the virtual sessions first: console and virtual sessions cannot run at the same time.',
      );
    }
    if (type === 'virtual' && running.some((s) => s.type === 'console')) {
      throw new DcvError(
        'CONSOLE_SESSION_CONFLICT',
        'Close the console session first: console and virtual sessions cannot run at the same time.',
      );
    }
    const { maxConcurrentSessions, maxSessionsPerUser } = this.settings;
    if (type === 'virtual' && maxConcurrentSessions > 0 && running.length >= maxConcurrentSessions) {
      throw new DcvError(
        'SESSION_LIMIT',
        `The server already runs ${running.length} sessions (max-concurrent-sessions).`,
      );
    }
    const own = running.filter((s) => s.owner === owner.name).length;
    if (type === 'virtual' && maxSessionsPerUser > 0 && own >= maxSessionsPerUser) {
      throw new DcvError(
        'SESSION_LIMIT',
        `'${owner.name}' already has ${own} sessions (max-sessions-per-user).`,
      );
    }
  }

  private async startVirtual(
    id: string,
    name: string | null,
    owner: UserAccount,
    req: CreateSessionRequest,
  ): Promise<Session> {
    const init = req.init ?? (this.settings.defaultInit || DEFAULT_INIT);
    await checkExecutable(owner, init);
    mkdirSync(this.settings.logDir, { recursive: true });
    try {
      return await VirtualSession.start({
        id,
        name,
        owner,
        init,
        sourceProfile: this.settings.sourceProfile,
        layout: this.settings.defaultLayout,
        runDir: join(this.settings.runDir, id),
        logFile: sessionLogFile(this.settings.logDir, owner.name, id),
        maxConcurrentClients: req.maxConcurrentClients ?? -1,
        storageRoot: req.storageRoot ?? '',
        xvfbArgs: this.settings.xvfbArgs,
      });
    } catch (e) {
      throw new DcvError('SESSION_START_FAILED', `Session '${id}' could not start: ${(e as Error).message}`);
    }
  }

  private async startConsole(
    id: string,
    name: string | null,
    owner: UserAccount,
    req: CreateSessionRequest,
  ): Promise<Session> {
    const display = this.settings.consoleDisplay;
    const layout = await probeDisplay(display, this.settings.consoleXauthority).catch(() => {
      throw new DcvError(
        'SESSION_START_FAILED',
        `Console session '${id}' could not attach to display ${display}: no X server answers there (see console-session-display in dcv.conf).`,
      );
    });
    const session = new ConsoleSession({
      id,
      name,
      owner: owner.name,
      display,
      xauthority: this.settings.consoleXauthority,
      layout,
      maxConcurrentClients: req.maxConcurrentClients ?? -1,
      storageRoot: req.storageRoot ?? '',
    });
    if (this.settings.consoleDefaultLayout.length > 0) {
      await session.setLayout(this.settings.consoleDefaultLayout).catch((e: Error) => {
        throw new DcvError(
          'SESSION_START_FAILED',
          `Console session '${id}' could not take [display] console-session-default-layout: ${e.message}`,
        );
      });
    }
    return session;
  }

  /** `dcv set-name`: root or the owner names the session, or (null) removes its name. */
  rename(caller: Caller, id: string, name: string | null): Session {
    const valid = name === null ? null : validateSessionName(name);
    const s = this.get(caller, id);
    s.name = valid;
    return s;
  }

  async close(caller: Caller, id: string): Promise<void> {
    const s = this.get(caller, id);
    if (s.type === 'console' && !isAdministrator(caller)) {
      throw new DcvError('PERMISSION_DENIED', 'Only root may close the console session.');
    }
    this.sessions.delete(id);
    this.permissions.delete(id);
    await s.dispose();
    this.events.ended(s, 'closed');
  }

  private ended(s: Session, reason: string): void {
    if (this.sessions.get(s.id) !== s) return; // closed on purpose, already accounted for
    this.sessions.delete(s.id);
    this.permissions.delete(s.id);
    void s.dispose().then(() => this.events.ended(s, reason));
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    this.permissions.clear();
    await Promise.all(
      all.map(async (s) => {
        await s.dispose();
        this.events.ended(s, 'server stopping');
      }),
    );
  }
}

/** The init program runs as the owner, so it is checked as the owner: root's view would leak what they cannot see. */
async function checkExecutable(owner: UserAccount, path: string): Promise<void> {
  if (!(await canExecuteAs(owner, path))) {
    // One message whether the file is missing, not executable, or behind a directory the owner cannot search.
    throw new DcvError('INIT_NOT_EXECUTABLE', `Init program '${path}' does not exist or is not executable.`);
  }
}

/** Asks the X server on `display` for its size; fails when none answers. */
async function probeDisplay(display: string, xauthority: string): Promise<DisplayHead[]> {
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', DISPLAY: display };
  if (xauthority !== '') env['XAUTHORITY'] = xauthority;
  const { stdout } = await run('xdpyinfo', ['-display', display], { env, timeout: 5000 });
  const m = /dimensions:\s+(\d+)x(\d+) pixels/.exec(stdout);
  if (m === null) throw new Error('xdpyinfo printed no dimensions');
  return [{ width: Number(m[1]), height: Number(m[2]), x: 0, y: 0 }];
}

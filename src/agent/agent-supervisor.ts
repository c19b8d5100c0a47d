// dcvserver's side of one session's agent: starts `…/dcv/dcvagent --mode full --session-id ID` as the
// session owner, listens for it on a socket in a root-owned folder, admits only that process (the kernel's
// SO_PEERCRED pid and uid, never anything the agent says), configures it, and restarts it if it dies.
import { closeSync, chmodSync, mkdirSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { peerCredentials } from '../host/peer-credentials.js';
import { cleanEnvironment, spawnAsUser } from '../host/spawn-as-user.js';
import type { UserAccount } from '../host/user-account.js';
import { AgentMethod, type AgentConfiguration } from './agent-api.js';
import type { LinkPeer } from './link-peer.js';
import { linkOverSocket } from './link-socket.js';

/** The launcher, shipped in libexec/dcv/ of the release (DCV keeps it in …/lib/dcv/dcvagent). */
export const AGENT_EXECUTABLE = fileURLToPath(new URL('../../../libexec/dcv/dcvagent', import.meta.url));

/** Restart delays after consecutive quick deaths: at once at first, slower if the agent keeps crashing. */
const RESTART_DELAYS_MS = [100, 500, 2000, 5000];
/** An agent that lived this long was healthy: the next death restarts it at once again. */
const HEALTHY_AFTER_MS = 10_000;
const STOP_GRACE_MS = 2000;

export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface AgentSupervisorOptions {
  readonly owner: UserAccount;
  /** Root-owned folder for the agents' sockets (paths.runDir/agents). */
  readonly socketDir: string;
  /** The agent's stdout and stderr go here. */
  readonly logFile: string;
  readonly log: AgentLog;
  /** What the agent gets on each (re)connect; read afresh, so a changed storage root applies on restart. */
  configuration(): AgentConfiguration;
  /** A configured agent is on the link (first start or restart). */
  connected(link: LinkPeer): void;
  event(name: string, params: Record<string, unknown>, body: Uint8Array): void;
}

export class AgentSupervisor {
  private child: ChildProcess | null = null;
  private startedAt = 0;
  private quickDeaths = 0;
  private current: LinkPeer | null = null;
  private waiters: ((link: LinkPeer) => void)[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private disposed: Promise<void> | null = null;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly sessionId: string,
    private readonly o: AgentSupervisorOptions,
    private readonly server: net.Server,
    private readonly socketPath: string,
  ) {}

  static async start(sessionId: string, o: AgentSupervisorOptions): Promise<AgentSupervisor> {
    // Root's folder, so no one but dcvserver can put a socket where the agent looks for it.
    mkdirSync(o.socketDir, { recursive: true, mode: 0o755 });
    const socketPath = join(o.socketDir, `${sessionId}.sock`);
    rmSync(socketPath, { force: true });
    const server = net.createServer();
    const self = new AgentSupervisor(sessionId, o, server, socketPath);
    server.on('connection', (s) => self.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    // The agent runs as the owner; who actually connected is checked per connection.
    chmodSync(socketPath, 0o666);
    self.spawn();
    return self;
  }

  /** The agent's pid, or -1 while it is being restarted. */
  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** The configured agent's link, or null while it is (re)starting. */
  get link(): LinkPeer | null {
    return this.current !== null && !this.current.isClosed ? this.current : null;
  }

  /** The link once the agent is up, waiting at most `timeoutMs`; null if it is not up by then. */
  whenConnected(timeoutMs: number): Promise<LinkPeer | null> {
    const now = this.link;
    if (now !== null || this.disposed !== null) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(null);
      }, timeoutMs);
      const done = (l: LinkPeer): void => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push(done);
    });
  }

  private spawn(): void {
    if (this.disposed !== null) return;
    const { owner } = this.o;
    const env = cleanEnvironment(owner, {
      DCV_SESSION_ID: this.sessionId,
      DCV_AGENT_SOCKET: this.socketPath,
    });
    const log = openSync(this.o.logFile, 'a', 0o640);
    let child: ChildProcess;
    try {
      child = spawnAsUser(
        owner,
        process.execPath,
        [AGENT_EXECUTABLE, '--mode', 'full', '--session-id', this.sessionId],
        {
          env,
          stdio: ['ignore', log, log],
        },
      );
    } finally {
      closeSync(log);
    }
    this.child = child;
    this.startedAt = performance.now();
    child.once('error', (e) =>
      this.o.log.error(`Session agent of '${this.sessionId}' cannot start: ${e.message}`),
    );
    child.once('exit', (code, signal) => this.exited(child, code, signal));
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.current?.close('the session agent exited');
    this.current = null;
    if (this.disposed !== null) return;
    const lived = performance.now() - this.startedAt;
    this.quickDeaths = lived > HEALTHY_AFTER_MS ? 0 : this.quickDeaths + 1;
    const delay = RESTART_DELAYS_MS[Math.min(this.quickDeaths, RESTART_DELAYS_MS.length) - 1] ?? 100;
    this.o.log.warn(
      `Session agent of '${this.sessionId}' (pid ${child.pid}) exited (${signal ?? `status ${code}`}); restarting it in ${delay} ms`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.spawn();
    }, delay);
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let cred;
    try {
      cred = peerCredentials(socket);
    } catch (e) {
      this.o.log.error(`Session agent socket of '${this.sessionId}': ${(e as Error).message}`);
      socket.destroy();
      return;
    }
    // Only the process this supervisor started, running as the owner, may be the session's agent.
    if (this.child === null || cred.pid !== this.child.pid || cred.uid !== this.o.owner.uid) {
      this.o.log.warn(
        `Session agent socket of '${this.sessionId}': refused pid ${cred.pid} uid ${cred.uid} (expected pid ${this.pid} uid ${this.o.owner.uid})`,
      );
      socket.destroy();
      return;
    }
    const link = linkOverSocket('server', socket, (e) =>
      this.o.log.error(
        `Session agent of '${this.sessionId}' sent a malformed frame (${e.message}); dropping it`,
      ),
    );
    link.onEvent((name, params, body) => this.o.event(name, params, body));
    void this.configure(link, socket);
  }

  private async configure(link: LinkPeer, socket: net.Socket): Promise<void> {
    try {
      await link.request(AgentMethod.Configure, this.o.configuration());
    } catch (e) {
      this.o.log.error(
        `Session agent of '${this.sessionId}' refused its configuration: ${(e as Error).message}`,
      );
      socket.destroy();
      return;
    }
    if (this.disposed !== null || link.isClosed) return;
    this.current?.close('replaced by a new agent connection');
    this.current = link;
    this.o.log.info(
      `Session agent of '${this.sessionId}' is up (pid ${this.pid}, user ${this.o.owner.name})`,
    );
    this.o.connected(link);
    for (const w of this.waiters.splice(0)) w(link);
  }

  /** The running agent gets its configuration again (the storage root changed). */
  async reconfigure(): Promise<void> {
    await this.link?.request(AgentMethod.Configure, this.o.configuration());
  }

  dispose(): Promise<void> {
    this.disposed ??= this.stop();
    return this.disposed;
  }

  private async stop(): Promise<void> {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.current?.close('the session ended');
    this.current = null;
    for (const s of this.sockets) s.destroy();
    const child = this.child;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const kill = (signal: NodeJS.Signals): void => {
        try {
          process.kill(-child.pid!, signal); // its process group: xclip helpers too
        } catch {
          // gone
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.socketPath, { force: true });
  }
}

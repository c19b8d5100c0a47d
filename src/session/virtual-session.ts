// A virtual session: its own X server (Xvnc, resizable) plus the owner's init program, started as the owner with a clean
// environment. As in DCV, the session ends when the init program exits.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { boundingBox } from '../display/display-layout.js';
import { RandrScreen } from '../display/randr-layout.js';
import { XServer } from '../display/x-server.js';
import { cleanEnvironment, spawnAsUser } from '../host/spawn-as-user.js';
import { killAll, processesWithEnvironment } from '../host/process-sweep.js';
import type { UserAccount } from '../host/user-account.js';
import type { DisplayHead, Session } from './session.js';

/** The built-in desktop (window manager + terminal), shipped in share/. */
export const DEFAULT_INIT = fileURLToPath(new URL('../../../share/opendcv-default-init', import.meta.url));

export interface VirtualSessionOptions {
  readonly id: string;
  readonly name: string | null;
  readonly owner: UserAccount;
  readonly init: string;
  readonly sourceProfile: boolean;
  /** The layout it starts with (normalised, at least one head). */
  readonly layout: readonly DisplayHead[];
  readonly runDir: string;
  readonly logFile: string;
  readonly maxConcurrentClients: number;
  readonly storageRoot: string;
  readonly xvfbArgs: readonly string[];
}

const STOP_GRACE_MS = 3000;

export class VirtualSession implements Session {
  readonly type = 'virtual' as const;
  readonly creationTime = new Date();
  name: string | null;
  private disposed: Promise<void> | null = null;
  private readonly ended: Promise<string>;
  private heads: DisplayHead[];
  /** Layout changes run one at a time, in the order asked. */
  private layoutQueue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: VirtualSessionOptions,
    private readonly xserver: XServer,
    private readonly init: ChildProcess,
    private readonly marker: string,
    private readonly randr: RandrScreen,
  ) {
    this.name = options.name;
    this.heads = [...options.layout];
    this.ended = Promise.race([
      new Promise<string>((resolve) =>
        init.once('exit', (code, signal) => resolve(`init program exited (${signal ?? `status ${code}`})`)),
      ),
      xserver.whenExited().then(() => 'X server exited'),
    ]);
  }

  get id(): string {
    return this.options.id;
  }
  get owner(): string {
    return this.options.owner.name;
  }
  get user(): string {
    return this.options.owner.name;
  }
  get maxConcurrentClients(): number {
    return this.options.maxConcurrentClients;
  }
  get storageRoot(): string {
    return this.options.storageRoot;
  }
  get x11Display(): string {
    return this.xserver.display;
  }
  get x11Authority(): string {
    return this.xserver.xauthority;
  }
  get initPid(): number {
    return this.init.pid ?? -1;
  }
  get xserverPid(): number {
    return this.xserver.pid;
  }

  layout(): DisplayHead[] {
    return [...this.heads];
  }

  setLayout(heads: readonly DisplayHead[]): Promise<void> {
    const run = this.layoutQueue.then(async () => {
      await this.randr.apply(heads);
      this.heads = [...heads];
    });
    this.layoutQueue = run.catch(() => undefined);
    return run;
  }

  whenEnded(): Promise<string> {
    return this.ended;
  }

  static async start(o: VirtualSessionOptions): Promise<VirtualSession> {
    const screen = boundingBox(o.layout);
    const xserver = await XServer.start({
      owner: o.owner,
      runDir: o.runDir,
      width: screen.width,
      height: screen.height,
      firstDisplay: 1,
      extraArgs: o.xvfbArgs,
    });
    const randr = new RandrScreen({
      display: xserver.display,
      xauthority: xserver.xauthority,
      account: o.owner,
    });
    if (o.layout.length > 1) {
      // Several heads: the screen is their bounding box already; RANDR monitors mark each head.
      try {
        await randr.apply(o.layout);
      } catch (e) {
        await xserver.dispose();
        throw e;
      }
    }
    // A random marker in the environment lets close find every process the session started.
    const marker = `OPENDCV_SESSION=${o.id}:${randomBytes(8).toString('hex')}`;
    const env = cleanEnvironment(o.owner, {
      DISPLAY: xserver.display,
      XAUTHORITY: xserver.xauthority,
      XDG_SESSION_TYPE: 'x11',
      DCV_SESSION_ID: o.id,
      OPENDCV_SESSION: marker.slice('OPENDCV_SESSION='.length),
    });
    const log = openSync(o.logFile, 'a', 0o640);
    try {
      // DCV runs the starter under `bash --noprofile --norc` unless virtual-session-source-profile is set.
      const shell = o.sourceProfile ? ['-l', '-c'] : ['--noprofile', '--norc', '-c'];
      const cwd = existsSync(o.owner.home) ? o.owner.home : '/';
      const init = spawnAsUser(o.owner, '/bin/bash', [...shell, 'exec "$0" "$@"', o.init], {
        env,
        cwd,
        stdio: ['ignore', log, log],
      });
      const started = await new Promise<Error | null>((resolve) => {
        init.once('spawn', () => resolve(null));
        init.once('error', (e) => resolve(e));
      });
      if (started !== null) {
        await xserver.dispose();
        throw started;
      }
      return new VirtualSession(o, xserver, init, marker, randr);
    } finally {
      closeSync(log);
    }
  }

  dispose(): Promise<void> {
    this.disposed ??= this.stop();
    return this.disposed;
  }

  private async stop(): Promise<void> {
    const pgid = this.init.pid;
    const signalGroup = (signal: NodeJS.Signals): void => {
      if (pgid === undefined) return;
      try {
        process.kill(-pgid, signal);
      } catch {
        // the whole group is gone
      }
    };
    // The init program may be gone while its background children (a terminal…) still run in its group.
    signalGroup('SIGTERM');
    if (this.init.exitCode === null && this.init.signalCode === null) {
      const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS);
      await new Promise<void>((resolve) => this.init.once('exit', () => resolve()));
      clearTimeout(timer);
    }
    await this.xserver.dispose();
    // Whatever left the process group (daemons, double forks) still carries the marker.
    let stragglers = processesWithEnvironment(this.marker);
    if (stragglers.length > 0) {
      killAll(stragglers, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      stragglers = processesWithEnvironment(this.marker);
      killAll(stragglers, 'SIGKILL');
    }
  }
}

export function sessionLogFile(logDir: string, user: string, id: string): string {
  return join(logDir, `dcv-session.${user}.${id}.log`);
}

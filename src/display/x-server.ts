// Owns one virtual session's X server, TigerVNC's Xvnc with its VNC listener off (a resizable RANDR screen;
// docs/display.md says why not Xvfb): picks a free display number, gives it a cookie, starts it as the
// session owner, and stops it leaving no lock or socket behind. Capture reads it with MIT-SHM.
// The display's directory is root's (the owner cannot swap the cookie file root writes there for a symlink);
// only its `fb` subdirectory, the X server's working directory, belongs to the owner (docs/security.md,
// "Files root touches").
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createNewDirectory, createNewFile, removeSessionDirectory } from '../host/root-files.js';
import { spawnAsUser } from '../host/spawn-as-user.js';
import type { UserAccount } from '../host/user-account.js';
import { xauthorityFile } from './xauthority.js';

export interface XServerOptions {
  readonly owner: UserAccount;
  /**
   * This display's directory, in a directory only root writes to: created new (root's, mode 711; its `fb`
   * subdirectory the owner's), removed on dispose.
   */
  readonly runDir: string;
  readonly width: number;
  readonly height: number;
  /** Lowest display number to try (virtual sessions stay clear of :0, which belongs to a console). */
  readonly firstDisplay?: number;
  readonly extraArgs?: readonly string[];
}

const X11_UNIX = '/tmp/.X11-unix';
const STOP_GRACE_MS = 3000;

export class XServer {
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly displayNumber: number,
    readonly xauthority: string,
    readonly runDir: string,
    readonly width: number,
    readonly height: number,
    private readonly child: ChildProcess,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', () => {
        this.exited = true;
        resolve();
      });
    });
  }

  get display(): string {
    return `:${this.displayNumber}`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves when the X server exits for any reason. */
  whenExited(): Promise<void> {
    return this.exitPromise;
  }

  static async start(options: XServerOptions): Promise<XServer> {
    const { owner, runDir } = options;
    checkX11SocketDirectory();
    // A directory left by a crash is removed the safe way first; anything still there is an error.
    await removeSessionDirectory(runDir);
    createNewDirectory(runDir, 0o711);
    createNewDirectory(join(runDir, 'fb'), 0o700, owner);
    const cookie = randomBytes(16);
    const xauthority = join(runDir, 'Xauthority');
    let lastError = '';
    for (let n = options.firstDisplay ?? 1; n < (options.firstDisplay ?? 1) + 200; n++) {
      // A display whose socket or lock exists is taken (or being cleaned up): don't even try it.
      if (existsSync(`${X11_UNIX}/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
      rmSync(xauthority, { force: true }); // root's directory: removes the entry, follows nothing
      createNewFile(xauthority, xauthorityFile(n, cookie), 0o600, owner);
      const attempt = await XServer.tryStart(n, xauthority, options);
      if (attempt instanceof XServer) return attempt;
      lastError = attempt;
      // Another server won the race for this number: try the next one. Anything else is fatal.
      if (!/already active|another X server|Cannot establish any listening sockets|lock file/i.test(attempt))
        break;
    }
    await removeSessionDirectory(runDir);
    throw new Error(
      `The X server (Xvnc) did not start: ${lastError.trim().split('\n').slice(-3).join(' ') || 'no free display'}`,
    );
  }

  private static async tryStart(n: number, xauthority: string, o: XServerOptions): Promise<XServer | string> {
    const args = [
      `:${n}`,
      // No VNC listener at all (-rfbport -1, no -rfbunixpath): viewers reach the screen only through dcvserver.
      '-rfbport',
      '-1',
      '-SecurityTypes',
      'None',
      '-geometry',
      `${o.width}x${o.height}`,
      '-depth',
      '24',
      '-auth',
      xauthority,
      '-nolisten',
      'tcp',
      '-noreset',
      '-displayfd',
      '3',
      ...(o.extraArgs ?? []),
    ];
    const child = spawnAsUser(o.owner, 'Xvnc', args, {
      env: { PATH: '/usr/bin:/bin', HOME: o.owner.home },
      cwd: join(o.runDir, 'fb'),
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const ready = new Promise<boolean>((resolve) => {
      let out = '';
      const fd3 = child.stdio[3] as NodeJS.ReadableStream | undefined;
      fd3?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(true);
      });
      // 'close', not 'exit': it fires once stderr has been read to the end, and stderr is what says whether
      // another server won the race for this display number (then the next number is tried).
      child.once('close', () => resolve(false));
      child.once('error', () => resolve(false));
    });
    if (!(await ready)) return stderr || 'Xvnc exited at start';
    // The server runs for the session's lifetime; don't let its pipes keep dcvserver's event loop busy.
    child.stderr?.removeAllListeners('data');
    child.stderr?.resume();
    (child.stdio[3] as NodeJS.ReadableStream | undefined)?.resume();
    return new XServer(n, xauthority, o.runDir, o.width, o.height, child);
  }

  async dispose(): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exitPromise;
      clearTimeout(timer);
    }
    await removeSessionDirectory(this.runDir);
  }
}

/**
 * The X sockets' directory must be root's and sticky (as systemd-tmpfiles makes it), so no user can replace
 * another's socket; created so when it is absent.
 */
function checkX11SocketDirectory(): void {
  if (!existsSync(X11_UNIX)) {
    mkdirSync(X11_UNIX);
    chmodSync(X11_UNIX, 0o1777); // mkdir's mode is narrowed by the umask
  }
  const st = lstatSync(X11_UNIX);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o1000) === 0) {
    throw new Error(`${X11_UNIX} must be a sticky directory owned by root (remove it and start again)`);
  }
}

// Puts a display layout on an X screen with RANDR, through the `xrandr` program run as the session's owner:
// the screen becomes the layout's bounding box (one mode on the server's output), and a layout of several
// heads becomes that many RANDR 1.5 monitors (`xrandr --listmonitors`), which window managers place windows on.
import { spawn } from 'node:child_process';
import { DcvError } from '../errors.js';
import { spawnAsUser } from '../host/spawn-as-user.js';
import type { UserAccount } from '../host/user-account.js';
import { boundingBox, formatLayout, type DisplayHead } from './display-layout.js';

export interface RandrTarget {
  readonly display: string;
  readonly xauthority: string;
  /** Runs xrandr as this account (a virtual session's owner); absent: as dcvserver (a console display). */
  readonly account?: UserAccount;
}

/** Modes and monitors opendcv adds carry this prefix, so it removes only its own. */
const PREFIX = 'odcv-';
const XRANDR_TIMEOUT_MS = 5000;
/** Physical sizes for the monitors, at 96 dpi (what X reports for a screen of unknown size). */
const MM_PER_PX = 25.4 / 96;

/**
 * One X screen's layout changes. Remembers the output, the modes it added and the monitors it set, so a
 * resize to a size seen before is a single xrandr run (each run costs a process start).
 */
export class RandrScreen {
  private output: string | undefined;
  private readonly modes = new Set<string>();
  private monitors: string[] | undefined;

  constructor(private readonly target: RandrTarget) {}

  /** Applies `heads` (normalised: offsets from 0, even sizes); LAYOUT_FAILED when the server refuses. */
  async apply(heads: readonly DisplayHead[]): Promise<void> {
    const { width, height } = boundingBox(heads);
    if (this.output === undefined || this.monitors === undefined) {
      const query = await xrandr(this.target, ['--query']);
      const output = /^(\S+) connected/m.exec(query.stdout)?.[1];
      if (output === undefined)
        throw failed(heads, `the X server on ${this.target.display} reports no connected RANDR output`);
      for (const m of query.stdout.matchAll(new RegExp(`^\\s+(${PREFIX}\\d+x\\d+)\\s`, 'gm')))
        this.modes.add(m[1]!);
      const listed = await xrandr(this.target, ['--listmonitors']);
      this.monitors = [...listed.stdout.matchAll(new RegExp(`^\\s*\\d+: [+*]*(${PREFIX}\\d+) `, 'gm'))].map(
        (m) => m[1]!,
      );
      this.output = output;
    }
    const output = this.output;
    const mode = `${PREFIX}${width}x${height}`;
    if (!this.modes.has(mode)) {
      // A mode with no timings: a virtual screen never scans out, and Xvnc/Xorg dummy accept any.
      const timings = [width, width, width, width, height, height, height, height].map(String);
      const created = await xrandr(this.target, ['--newmode', mode, '0', ...timings]);
      if (created.code !== 0 && !/already exists/i.test(created.stderr))
        throw failed(heads, created.stderr.trim());
      const added = await xrandr(this.target, ['--addmode', output, mode]);
      if (added.code !== 0) throw failed(heads, added.stderr.trim());
      this.modes.add(mode);
    }
    const args = this.monitors.flatMap((m) => ['--delmonitor', m]);
    args.push('--fb', `${width}x${height}`, '--output', output, '--mode', mode, '--pos', '0x0');
    const monitors: string[] = [];
    if (heads.length > 1) {
      heads.forEach((h, i) => {
        const mm = (px: number): number => Math.round(px * MM_PER_PX);
        const geometry = `${h.width}/${mm(h.width)}x${h.height}/${mm(h.height)}+${h.x}+${h.y}`;
        monitors.push(`${PREFIX}${i}`);
        args.push('--setmonitor', `${PREFIX}${i}`, geometry, i === 0 ? output : 'none');
      });
    }
    const set = await xrandr(this.target, args);
    // Whatever happened, ask the server again next time rather than trust what it may not have done.
    this.monitors = set.code === 0 ? monitors : undefined;
    if (set.code !== 0) throw failed(heads, set.stderr.trim() || `xrandr exited with status ${set.code}`);
  }
}

/** Applies `heads` once (see RandrScreen). */
export function applyLayout(target: RandrTarget, heads: readonly DisplayHead[]): Promise<void> {
  return new RandrScreen(target).apply(heads);
}

function failed(heads: readonly DisplayHead[], why: string): DcvError {
  return new DcvError(
    'LAYOUT_FAILED',
    `The X server did not take the display layout ${formatLayout(heads)}: ${why}.`,
  );
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function xrandr(target: RandrTarget, args: string[]): Promise<Run> {
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', DISPLAY: target.display };
  if (target.xauthority !== '') env['XAUTHORITY'] = target.xauthority;
  const child = target.account
    ? spawnAsUser(target.account, 'xrandr', args, {
        env,
        cwd: '/',
        stdio: ['ignore', 'pipe', 'pipe'],
        processGroup: false,
      })
    : spawn('xrandr', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), XRANDR_TIMEOUT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `cannot run xrandr: ${e.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr: signal ? `xrandr was killed (${signal})` : stderr });
    });
  });
}

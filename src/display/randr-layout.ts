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

/** Applies `heads` (normalised: offsets from 0, even sizes) to the target's screen; LAYOUT_FAILED on refusal. */
export async function applyLayout(target: RandrTarget, heads: readonly DisplayHead[]): Promise<void> {
  const { width, height } = boundingBox(heads);
  const query = await xrandr(target, ['--query']);
  const output = /^(\S+) connected/m.exec(query.stdout)?.[1];
  if (output === undefined)
    throw failed(heads, `the X server on ${target.display} reports no connected RANDR output`);
  const mode = `${PREFIX}${width}x${height}`;
  if (!new RegExp(`^\\s+${mode}\\s`, 'm').test(query.stdout)) {
    // A mode with no timings: a virtual screen never scans out, and Xvnc/Xorg dummy accept any.
    const timings = [width, width, width, width, height, height, height, height].map(String);
    const created = await xrandr(target, ['--newmode', mode, '0', ...timings]);
    if (created.code !== 0 && !/already exists/i.test(created.stderr))
      throw failed(heads, created.stderr.trim());
    const added = await xrandr(target, ['--addmode', output, mode]);
    if (added.code !== 0) throw failed(heads, added.stderr.trim());
  }
  const monitors = await xrandr(target, ['--listmonitors']);
  const ours = [...monitors.stdout.matchAll(new RegExp(`^\\s*\\d+: [+*]*(${PREFIX}\\d+) `, 'gm'))].map(
    (m) => m[1]!,
  );
  const args = [...ours.flatMap((m) => ['--delmonitor', m])];
  args.push('--fb', `${width}x${height}`, '--output', output, '--mode', mode, '--pos', '0x0');
  if (heads.length > 1) {
    heads.forEach((h, i) => {
      const geometry = `${h.width}/${Math.round(h.width * MM_PER_PX)}x${h.height}/${Math.round(h.height * MM_PER_PX)}+${h.x}+${h.y}`;
      args.push('--setmonitor', `${PREFIX}${i}`, geometry, i === 0 ? output : 'none');
    });
  }
  const set = await xrandr(target, args);
  if (set.code !== 0) throw failed(heads, set.stderr.trim() || `xrandr exited with status ${set.code}`);
}

function failed(heads: readonly DisplayHead[], why: string): DcvError {
  return new DcvError('LAYOUT_FAILED', `The X server did not take the display layout ${formatLayout(heads)}: ${why}.`);
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
    ? spawnAsUser(target.account, 'xrandr', args, { env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], processGroup: false })
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

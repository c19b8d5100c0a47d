// Benchmark (not a test) behind docs/display.md's choice of X server for virtual sessions: starts Xvfb (today's
// server), TigerVNC's Xvnc (VNC listener off) and Xorg with the dummy driver at 1920x1080 and reports for each
// the start time, resident memory, what RANDR lets a client do (new size, new mode, monitors), and the cost of
// capturing a 1080p frame and a damaged 400x300 area (framebuffer file, core GetImage, MIT-SHM GetImage).
// Run: node dist/bench/x-server-choice.js [frames=30]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ShmExt, ShmSegment, X11Client } from 'x11';
import { Framebuffer } from '../src/display/framebuffer.js';
import { call, closeXClient, openXClient } from '../src/display/x-client.js';
import { killAndWait } from '../src/display/test-xvfb.js';
import { applyLayout } from '../src/display/randr-layout.js';
import { percentile } from './percentile.js';

const W = 1920;
const H = 1080;
const FRAMES = Number(process.argv[2] ?? 30);

interface Started {
  child: ChildProcess;
  display: string;
  auth: string;
  startMs: number;
  fbPath?: string;
}

const DUMMY_CONF = `Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam 256000
EndSection
Section "Monitor"
  Identifier "monitor"
  HorizSync 5.0-1000.0
  VertRefresh 5.0-200.0
EndSection
Section "Screen"
  Identifier "screen"
  Device "dummy"
  Monitor "monitor"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Modes "1920x1080"
    Virtual 7680 4320
  EndSubSection
EndSection
`;

async function start(kind: string, dir: string): Promise<Started> {
  const n = 600 + Math.floor(Math.random() * 300);
  const auth = join(dir, 'xauth');
  spawnSync('xauth', ['-f', auth, 'add', `:${n}`, '.', randomBytes(16).toString('hex')]);
  const common = [`:${n}`, '-auth', auth, '-nolisten', 'tcp', '-noreset', '-displayfd', '3'];
  let cmd: string;
  let args: string[];
  if (kind === 'Xvfb') {
    cmd = 'Xvfb';
    args = [...common, '-screen', '0', `${W}x${H}x24`, '-fbdir', dir];
  } else if (kind === 'Xvnc') {
    cmd = 'Xvnc';
    args = [...common, '-rfbport', '-1', '-SecurityTypes', 'None', '-geometry', `${W}x${H}`, '-depth', '24'];
  } else {
    writeFileSync(join(dir, 'dummy.conf'), DUMMY_CONF);
    cmd = 'Xorg';
    args = [...common, '-config', join(dir, 'dummy.conf'), '-logfile', join(dir, 'Xorg.log')];
  }
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    (child.stdio[3] as NodeJS.ReadableStream).once('data', () => resolve());
    child.once('exit', () => reject(new Error(`${kind} exited at start`)));
  });
  const startMs = performance.now() - t0;
  return {
    child,
    display: `:${n}`,
    auth,
    startMs,
    fbPath: kind === 'Xvfb' ? join(dir, 'Xvfb_screen0') : undefined,
  };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

function x11(s: Started, cmd: string, args: string[]): string {
  return spawnSync(cmd, args, {
    env: { ...process.env, DISPLAY: s.display, XAUTHORITY: s.auth },
  }).stdout.toString();
}

/** ms per capture of `rect`, p50 and p95 over FRAMES runs. */
async function timeIt(run: () => Promise<unknown> | unknown): Promise<string> {
  await run();
  const t: number[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const t0 = performance.now();
    await run();
    t.push(performance.now() - t0);
  }
  return `${percentile(t, 50).toFixed(2)} / ${percentile(t, 95).toFixed(2)} ms`;
}

async function measure(kind: string): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'opendcv-xchoice-'));
  const out: Record<string, string> = {};
  let s: Started | undefined;
  let client: X11Client | undefined;
  try {
    s = await start(kind, dir);
    out['start (to displayfd)'] = `${s.startMs.toFixed(0)} ms`;
    out['memory after start'] = `${rssMiB(s.child.pid!).toFixed(1)} MiB`;
    const opened = await openXClient(s.display, s.auth, { shm: true });
    client = opened.client;
    const root = opened.display.screen[0]!.root;
    const full = { x: 0, y: 0, width: W, height: H };
    const damaged = { x: 300, y: 200, width: 400, height: 300 };
    const core = (r: typeof full) => () =>
      call((cb) => client!.GetImage(2, root, r.x, r.y, r.width, r.height, 0xffffffff, cb as never));
    out['core GetImage 1080p p50/p95'] = await timeIt(core(full));
    out['core GetImage 400x300'] = await timeIt(core(damaged));
    const shm = await call<ShmExt>((cb) => client!.require('shm', cb as never)).catch(() => undefined);
    if (shm?.provider) {
      const seg = await call<ShmSegment>((cb) => shm.createSegment(W * H * 4, cb));
      const grab = (r: typeof full) => () =>
        call((cb) => seg.getImage(root, r.x, r.y, r.width, r.height, 0xffffffff, 2, 0, cb as never));
      out['MIT-SHM GetImage 1080p (zero copy)'] = await timeIt(grab(full));
      out['MIT-SHM GetImage 400x300'] = await timeIt(grab(damaged));
      seg.detach();
    } else out['MIT-SHM GetImage'] = 'no usable segment';
    if (s.fbPath && existsSync(s.fbPath)) {
      const fb = Framebuffer.open(s.fbPath);
      const buf = Buffer.allocUnsafe(W * H * 4);
      out['framebuffer file 1080p'] = await timeIt(() => fb.readFull(buf));
      out['framebuffer file 400x300'] = await timeIt(() => fb.readRect(damaged, buf));
      fb.dispose();
    }
    out['memory after captures'] = `${rssMiB(s.child.pid!).toFixed(1)} MiB`;
    // The RANDR steps virtual sessions use (src/display/randr-layout.ts), timed.
    const target = { display: s.display, xauthority: s.auth };
    for (const [label, heads] of [
      ['resize to 1280x720', [{ width: 1280, height: 720, x: 0, y: 0 }]],
      ['resize to 2560x1440', [{ width: 2560, height: 1440, x: 0, y: 0 }]],
      [
        'two heads 1920x1080 side by side',
        [
          { width: 1920, height: 1080, x: 0, y: 0 },
          { width: 1920, height: 1080, x: 1920, y: 0 },
        ],
      ],
    ] as const) {
      const t0 = performance.now();
      try {
        await applyLayout(target, heads);
        const dims = /dimensions:\s+(\S+)/.exec(x11(s, 'xdpyinfo', []))?.[1];
        const monitors = /Monitors: (\d+)/.exec(x11(s, 'xrandr', ['--listmonitors']))?.[1];
        out[label] = `ok in ${(performance.now() - t0).toFixed(0)} ms (screen ${dims}, ${monitors} monitors)`;
      } catch (e) {
        out[label] = `FAILS: ${(e as Error).message.slice(0, 90)}`;
      }
    }
  } catch (e) {
    out['error'] = (e as Error).message;
  } finally {
    if (client) closeXClient(client);
    if (s) await killAndWait(s.child);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

for (const kind of ['Xvfb', 'Xvnc', 'Xorg-dummy']) {
  console.log(`\n## ${kind}`);
  for (const [k, v] of Object.entries(await measure(kind))) console.log(`  ${k.padEnd(36)} ${v}`);
}

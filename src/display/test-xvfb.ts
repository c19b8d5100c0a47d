// Test support (not a test): starts a private Xvfb the way the session code does (-fbdir, -auth cookie,
// DAMAGE/XFIXES/XTEST/RANDR) in a temp dir, and paints on it; dispose() kills it and removes the dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { X11Client, X11Display } from 'x11';
import { closeXClient, openXClient, sync } from './x-client.js';

export interface TestXvfb {
  display: string;
  displayNum: number;
  dir: string;
  fbPath: string;
  authFile: string;
  /** Environment for X clients started against this display. */
  env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

export async function startTestXvfb(width = 640, height = 480): Promise<TestXvfb> {
  const dir = mkdtempSync(join(tmpdir(), 'opendcv-xvfb-'));
  const authFile = join(dir, 'xauth');
  const cookie = randomBytes(16).toString('hex');
  for (let attempt = 0; attempt < 20; attempt++) {
    const n = 200 + Math.floor(Math.random() * 700);
    if (existsSync(`/tmp/.X${n}-lock`) || existsSync(`/tmp/.X11-unix/X${n}`)) continue;
    const add = spawnSync('xauth', ['-f', authFile, 'add', `:${n}`, '.', cookie]);
    if (add.status !== 0) throw new Error(`xauth failed: ${add.stderr.toString()}`);
    const child = spawn(
      'Xvfb',
      [
        `:${n}`,
        '-screen',
        '0',
        `${width}x${height}x24`,
        '-fbdir',
        dir,
        '-auth',
        authFile,
        '-nolisten',
        'tcp',
        '-noreset',
        '+extension',
        'DAMAGE',
        '+extension',
        'XFIXES',
        '+extension',
        'XTEST',
        '+extension',
        'RANDR',
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    if (
      await waitFor(
        () => existsSync(`/tmp/.X11-unix/X${n}`) && existsSync(join(dir, 'Xvfb_screen0')),
        exited,
        10_000,
      )
    ) {
      const display = `:${n}`;
      return {
        display,
        displayNum: n,
        dir,
        fbPath: join(dir, 'Xvfb_screen0'),
        authFile,
        env: { ...process.env, DISPLAY: display, XAUTHORITY: authFile },
        dispose: async () => {
          await killAndWait(child, exited);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await killAndWait(child, exited);
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('could not start Xvfb on a free display');
}

async function waitFor(pred: () => boolean, exited: Promise<void>, ms: number): Promise<boolean> {
  let dead = false;
  void exited.then(() => (dead = true));
  const end = Date.now() + ms;
  while (Date.now() < end && !dead) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

export async function killAndWait(child: ChildProcess, exited?: Promise<void>): Promise<void> {
  if (!exited && (child.exitCode !== null || child.signalCode !== null)) return;
  const done = exited ?? new Promise<void>((r) => child.once('exit', () => r()));
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await done;
  clearTimeout(t);
}

/** An X client that paints the root window, as xsetroot would. */
export class RootPainter {
  private gc = 0;
  private constructor(
    readonly client: X11Client,
    readonly xdisplay: X11Display,
  ) {}

  static async open(x: TestXvfb): Promise<RootPainter> {
    const { client, display } = await openXClient(x.display, x.authFile);
    const p = new RootPainter(client, display);
    p.gc = client.AllocID();
    client.CreateGC(p.gc, p.root, { foreground: 0, subwindowMode: 1 });
    return p;
  }

  get root(): number {
    return this.xdisplay.screen[0]!.root;
  }

  /** Sets the root background to 0xRRGGBB and repaints it; resolves once the server has done so. */
  async solid(rgb: number): Promise<void> {
    this.client.ChangeWindowAttributes(this.root, { backgroundPixel: rgb });
    this.client.ClearArea(this.root, 0, 0, 0, 0, 0);
    await sync(this.client);
  }

  async fill(x: number, y: number, w: number, h: number, rgb: number): Promise<void> {
    await this.fillRects([x, y, w, h], rgb);
  }

  /** Fills rectangles given flat as [x, y, w, h, ...]. */
  async fillRects(rects: number[], rgb: number): Promise<void> {
    this.client.ChangeGC(this.gc, { foreground: rgb });
    this.client.PolyFillRectangle(this.root, this.gc, rects);
    await sync(this.client);
  }

  dispose(): void {
    closeXClient(this.client);
  }
}

/** Polls (without blocking the event loop) until a visible window of `cls` exists on the display. */
export async function waitForWindow(x: TestXvfb, cls: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const found = await new Promise<boolean>((resolve) => {
      const p = spawn('xdotool', ['search', '--onlyvisible', '--class', cls], {
        env: x.env,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.on('close', (code) => resolve(code === 0 && out.trim().length > 0));
      p.on('error', () => resolve(false));
    });
    if (found) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no visible ${cls} window on ${x.display} within ${ms} ms`);
}

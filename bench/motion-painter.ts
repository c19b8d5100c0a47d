// Benchmark workload (a program, not a test): an X client that paints a session's screen the same way for
// every peer. Each painted frame carries its number in eight black/white cells across the top (bits of
// n mod 256, robust to lossy video) and its paint time goes to a log, so a viewer that reads the cells
// knows how long painted → shown took. A key press toggles a block, for the input round trip.
//   node dist/bench/motion-painter.js MODE LOGFILE     (MODE: motion | typing | idle; DISPLAY/XAUTHORITY from env)
import { appendFileSync, writeFileSync } from 'node:fs';
import { openXClient, sync } from '../src/display/x-client.js';

export const CODE_BAND_HEIGHT = 80;
/** The code band: eight cells, each a tenth of the width, from the left; the key block in the band's last tenth but one. */
export function probePoints(width: number): { y: number; cells: number[]; key: number } {
  const cell = Math.floor(width / 10);
  return {
    y: CODE_BAND_HEIGHT / 2,
    cells: [...Array(8).keys()].map((b) => b * cell + (cell >> 1)),
    key: Math.floor(width * 0.9),
  };
}
const KEY_COLORS = [0xff0000, 0x00ff00];

if (process.argv[1]?.endsWith('motion-painter.js')) await paint();

async function paint(): Promise<void> {
  const [mode = 'motion', logFile = '/dev/null', fpsArg = '60'] = process.argv.slice(2);
  const fps = Number(fpsArg);
  const { client, display } = await openXClient(process.env['DISPLAY'] ?? ':0', process.env['XAUTHORITY']);
  const screen = display.screen[0]!;
  const { root } = screen;
  const W = screen.pixel_width;
  const H = screen.pixel_height;
  const KEY_BLOCK = { x: Math.floor(W * 0.85), y: 0, w: Math.floor(W * 0.1), h: CODE_BAND_HEIGHT };
  const gc = client.AllocID();
  client.CreateGC(gc, root, { foreground: 0 });

  function fill(color: number, rects: number[]): void {
    client.ChangeGC(gc, { foreground: color });
    client.PolyFillRectangle(root, gc, rects);
  }

  function now(): number {
    return performance.timeOrigin + performance.now();
  }

  function paintCode(n: number): void {
    const cell = Math.floor(W / 10);
    const on: number[] = [];
    const off: number[] = [];
    for (let bit = 0; bit < 8; bit++) ((n >> bit) & 1 ? on : off).push(bit * cell, 0, cell, CODE_BAND_HEIGHT);
    if (on.length) fill(0xffffff, on);
    if (off.length) fill(0x000000, off);
  }

  /**
   * Full-screen motion like a panning video or a fast scroll: a photo-like texture (gradients and grain,
   * made once in a server-side pixmap twice the screen's width) slides 8 pixels a frame under the code band.
   */
  const textureH = H - CODE_BAND_HEIGHT;
  const texture = client.AllocID();
  client.CreatePixmap(texture, root, screen.root_depth, 2 * W, textureH);
  const STRIP = 16; // rows per PutImage, under the core protocol's request size
  let seed = 12345;
  const strip = Buffer.alloc(2 * W * STRIP * 4);
  for (let y0 = 0; y0 < textureH; y0 += STRIP) {
    const rows = Math.min(STRIP, textureH - y0);
    for (let dy = 0; dy < rows; dy++) {
      const y = y0 + dy;
      for (let x = 0; x < 2 * W; x++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const grain = (seed >> 16) % 24;
        const o = (dy * 2 * W + x) * 4;
        const u = x % W; // the texture repeats after one screen width, so the slide wraps seamlessly
        strip[o] = (((u * 255) / W + grain + (y >> 3)) & 0xff) >>> 0; // blue
        strip[o + 1] = ((Math.sin(u / 97 + y / 53) * 100 + 128 + grain) & 0xff) >>> 0; // green
        strip[o + 2] = ((((y * 255) / textureH) ^ (u >> 4)) + grain) & 0xff; // red
        strip[o + 3] = 0;
      }
    }
    client.PutImage(
      2,
      texture,
      gc,
      2 * W,
      rows,
      0,
      y0,
      0,
      screen.root_depth,
      strip.subarray(0, 2 * W * rows * 4),
    );
    await sync(client);
  }

  function paintMotion(n: number): void {
    client.CopyArea(texture, root, gc, (n * 8) % W, 0, 0, CODE_BAND_HEIGHT, W, textureH);
  }

  writeFileSync(logFile, '');
  let n = 0;
  let keyState = 0;
  fill(0x202020, [0, 0, W, H]);
  fill(KEY_COLORS[0]!, [KEY_BLOCK.x, KEY_BLOCK.y, KEY_BLOCK.w, KEY_BLOCK.h]);
  paintCode(0);
  await sync(client);

  // Keys anywhere on the screen toggle the block (the root window gets them: no window manager runs).
  client.ChangeWindowAttributes(root, { eventMask: 0x1 /* KeyPress */ });
  client.on('event', (ev: { name?: string; type?: number }) => {
    if (ev.type !== 2) return;
    keyState ^= 1;
    fill(KEY_COLORS[keyState]!, [KEY_BLOCK.x, KEY_BLOCK.y, KEY_BLOCK.w, KEY_BLOCK.h]);
    void sync(client).then(() => appendFileSync(logFile, `key ${keyState} ${now().toFixed(3)}\n`));
  });

  if (mode === 'motion') {
    const interval = 1000 / fps;
    let next = now();
    const tick = async (): Promise<void> => {
      n++;
      paintMotion(n);
      paintCode(n);
      await sync(client);
      appendFileSync(logFile, `frame ${n & 0xff} ${now().toFixed(3)}\n`);
      next += interval;
      setTimeout(() => void tick(), Math.max(0, next - now()));
    };
    void tick();
  }
  // typing and idle: nothing more is painted until a key arrives.
  process.on('SIGTERM', () => process.exit(0));
}

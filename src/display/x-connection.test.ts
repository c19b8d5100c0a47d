import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { X11Event } from 'x11';
import type { CursorImage } from '../protocol/index.js';
import { XConnection } from './x-connection.js';
import { RootPainter, killAndWait, startTestXvfb, waitForWindow, type TestXvfb } from './test-xvfb.js';
import { call, sync } from './x-client.js';

let x: TestXvfb;
let conn: XConnection;
let painter: RootPainter;
before(async () => {
  x = await startTestXvfb(800, 600);
  conn = await XConnection.open({ display: x.display, authFile: x.authFile });
  painter = await RootPainter.open(x);
});
after(async () => {
  conn?.dispose();
  painter?.dispose();
  await x?.dispose();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nextEvent<T extends unknown[]>(
  emitter: XConnection,
  name: 'damage' | 'cursor',
  ms = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${name} within ${ms} ms`)), ms);
    emitter.once(name, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args as T);
    });
  });
}

async function waitUntil(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('damage fires when the screen is painted, names the area, and stays quiet while idle', async () => {
  await conn.takeDamage(); // start clean
  const fired = nextEvent(conn, 'damage');
  await painter.fill(100, 50, 40, 30, 0x123456);
  await fired;
  const rects = await conn.takeDamage();
  assert.ok(rects.length >= 1);
  const covers = rects.some((r) => r.x <= 100 && r.y <= 50 && r.x + r.width >= 140 && r.y + r.height >= 80);
  assert.ok(covers, JSON.stringify(rects));

  let idleDamage = 0;
  const count = (): void => void idleDamage++;
  conn.on('damage', count);
  await sleep(400);
  conn.off('damage', count);
  assert.equal(idleDamage, 0, 'no damage while nothing paints');

  // A second paint after takeDamage() fires again (the damage object was repaired).
  const again = nextEvent(conn, 'damage');
  await painter.fill(0, 0, 10, 10, 0xffffff);
  await again;
  assert.deepEqual(await conn.takeDamage(), [{ x: 0, y: 0, width: 10, height: 10 }]);
});

test('cursor shape comes as RGBA with a hotspot, and a cursor change is notified', async () => {
  const first = await conn.getCursor();
  assert.ok(first.width > 0 && first.height > 0);
  assert.equal(first.rgba.length, first.width * first.height * 4);
  assert.ok(first.hotspotX < first.width && first.hotspotY < first.height);

  const c = painter.client;
  const font = c.AllocID();
  const cursor = c.AllocID();
  (c as unknown as { OpenFont(id: number, name: string): void }).OpenFont(font, 'cursor');
  // XC_hand2 (60) from the core cursor font
  (c as unknown as { CreateGlyphCursor(...a: unknown[]): void }).CreateGlyphCursor(
    cursor,
    font,
    font,
    60,
    61,
    [0, 0, 0],
    [0xffff, 0xffff, 0xffff],
  );
  const changed = nextEvent<[CursorImage]>(conn, 'cursor');
  c.ChangeWindowAttributes(painter.root, { cursor });
  await sync(c);
  const [shape] = await changed;
  assert.notEqual(shape.cursorId, first.cursorId);
  assert.equal(shape.rgba.length, shape.width * shape.height * 4);
  assert.ok(
    shape.rgba.some((v, i) => i % 4 === 3 && v === 255),
    'has opaque pixels',
  );
});

test('pointer motion and a click reach an X client window', async () => {
  const c = painter.client;
  const wid = c.AllocID();
  const mask = 0x4 | 0x8 | 0x40; // ButtonPress | ButtonRelease | PointerMotion
  c.CreateWindow(wid, painter.root, 300, 300, 100, 100, 0, 0, 1, 0, {
    eventMask: mask,
    backgroundPixel: 0x00ff00,
  });
  c.MapWindow(wid);
  await sync(c);
  const seen: X11Event[] = [];
  const onEv = (ev: X11Event): void => {
    if (ev.wid === wid || ev.event === wid) seen.push(ev);
  };
  c.on('event', onEv);
  try {
    conn.input.pointer(350, 340, 0);
    conn.input.pointer(350, 340, 1); // left down
    conn.input.pointer(350, 340, 0); // left up
    conn.input.pointer(350, 340, 4); // right down
    conn.input.releaseAll(); // lifts the right button
    await conn.input.flush();
    await waitUntil(() => seen.filter((e) => e.name === 'ButtonRelease').length >= 2, 5000, 'button events');
    const buttons = seen
      .filter((e) => e.name === 'ButtonPress' || e.name === 'ButtonRelease')
      .map((e) => `${e.name}:${e.keycode}`);
    assert.deepEqual(buttons, ['ButtonPress:1', 'ButtonRelease:1', 'ButtonPress:3', 'ButtonRelease:3']);
    assert.deepEqual(await conn.pointerPosition(), { x: 350, y: 340 });
  } finally {
    c.off('event', onEv);
    c.DestroyWindow(wid);
    await sync(c);
  }
});

test('wheel clicks arrive as buttons 4-7', async () => {
  const c = painter.client;
  const wid = c.AllocID();
  c.CreateWindow(wid, painter.root, 0, 0, 200, 200, 0, 0, 1, 0, { eventMask: 0x4, backgroundPixel: 0 });
  c.MapWindow(wid);
  await sync(c);
  const presses: number[] = [];
  const onEv = (ev: X11Event): void => {
    if (ev.name === 'ButtonPress' && ev.wid === wid) presses.push(Number(ev.keycode));
  };
  c.on('event', onEv);
  try {
    conn.input.pointer(50, 50, 0);
    conn.input.wheel(0, -2);
    conn.input.wheel(1, 1);
    await conn.input.flush();
    await waitUntil(() => presses.length >= 4, 5000, 'wheel presses');
    assert.deepEqual(presses, [4, 4, 5, 7]);
  } finally {
    c.off('event', onEv);
    c.DestroyWindow(wid);
    await sync(c);
  }
});

test('keys typed by keysym reach xterm, including characters the keymap lacks (é, €)', async (t) => {
  const out = join(x.dir, 'typed.txt');
  const xterm: ChildProcess = spawn(
    'xterm',
    ['-geometry', '40x5+0+0', '-u8', '-e', 'sh', '-c', `read x; printf '%s' "$x" > ${out}`],
    {
      env: { ...x.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  t.after(() => killAndWait(xterm));
  await waitForWindow(x, 'xterm');
  await sleep(300); // xterm reads its keymap after mapping
  conn.input.pointer(20, 20, 0); // focus follows the pointer (no window manager)
  const keysyms = [0x53 /* S */, 0x61, 0x20 /* space */, 0xe9 /* é */, 0x20ac /* € */, 0x21 /* ! */];
  conn.input.key(0xffe1, true); // Shift_L
  conn.input.key(0x53, true);
  conn.input.key(0x53, false);
  conn.input.key(0xffe1, false);
  for (const ks of keysyms.slice(1)) {
    conn.input.key(ks, true);
    conn.input.key(ks, false);
  }
  conn.input.key(0xff0d, true); // Return
  conn.input.key(0xff0d, false);
  await conn.input.flush();
  await waitUntil(() => existsSync(out) && readFileSync(out, 'utf8').length > 0, 10_000, 'the typed file');
  await sleep(100);
  assert.equal(readFileSync(out, 'utf8'), 'Sa é€!');
});

test('releaseAll lifts keys still held, so no modifier sticks after a viewer leaves', async () => {
  const c = painter.client;
  conn.input.key(0xffe3, true); // Control_L
  conn.input.key(0xffe1, true); // Shift_L
  await conn.input.flush();
  const down = await call<Buffer>((cb) => c.QueryKeymap(cb));
  assert.ok(
    down.some((b) => b !== 0),
    'keys are down',
  );
  assert.equal(conn.input.pressedKeysyms().length, 2);
  conn.input.releaseAll();
  await conn.input.flush();
  const after = await call<Buffer>((cb) => c.QueryKeymap(cb));
  assert.ok(
    after.every((b) => b === 0),
    'no key is down',
  );
  assert.equal(conn.input.pressedKeysyms().length, 0);
});

// The browser client in real headless Chromium against a small in-test server that speaks the viewer protocol:
// real H.264 from ffmpeg is decoded onto the canvas, FrameShown comes back, and keys and clicks on the page
// arrive as the right keysyms and remote coordinates. The real dcvserver end to end is the server's test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import {
  ALL_FEATURES,
  CloseCode,
  MAX_CLIENT_MESSAGE_BYTES,
  decodeClientMessage,
  encodeMessage,
  isKeyframe,
  splitAccessUnits,
  type FromClient,
  type Message,
} from '../../src/protocol/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const WEB = join(REPO, 'dist/web');
const W = 640;
const H = 480;
const FRAMES = 30;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/** Mean |Δ| of the RGB channels of two W-wide RGBA pictures inside an area, and the range of the first. */
function compare(
  a: Buffer,
  b: Buffer,
  area: { x: number; y: number; width: number; height: number },
): { meanDiff: number; lo: number; hi: number } {
  let diff = 0;
  let lo = 255;
  let hi = 0;
  for (let y = area.y; y < area.y + area.height; y++) {
    for (let x = area.x; x < area.x + area.width; x++) {
      const i = (y * W + x) * 4;
      for (let k = 0; k < 3; k++) {
        diff += Math.abs(a[i + k]! - b[i + k]!);
        lo = Math.min(lo, a[i + k]!);
        hi = Math.max(hi, a[i + k]!);
      }
    }
  }
  return { meanDiff: diff / (area.width * area.height * 3), lo, hi };
}

/** One viewer connection as the test server sees it. */
interface Conn {
  readonly ws: WebSocket;
  readonly received: FromClient[];
}

/** window.opendcv as the page exposes it (web/viewer-state.ts), for code that runs in the page. */
interface PageGlobals {
  opendcv: {
    readonly state: string;
    readonly framesDecoded: number;
    readonly lastFrameSeq: number | undefined;
    readonly losslessRects: number;
    readonly reconnects: number;
    readonly closeCode: number | undefined;
    readonly clipboardText: string;
    readonly remoteWidth: number;
    readonly remoteHeight: number;
    readonly codec: string | undefined;
    readonly decoder: string | undefined;
    readonly painter: string | undefined;
    readonly cursor: string;
    screenshot(): Promise<string>;
    pixels(): Promise<{ width: number; height: number; rgbaBase64: string }>;
  };
}

type OnHello = (c: Conn, hello: Extract<FromClient, { type: 'client-hello' }>) => void;

function ffmpeg(args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 1 << 28 });
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('web client in Chromium', () => {
  let http: Server;
  let wss: WebSocketServer;
  let base: string;
  let browser: Browser;
  let page: Page;
  let units: Uint8Array[];
  let reference: Buffer; // RGBA of every frame, as ffmpeg decodes the same stream
  let redPng: Uint8Array;
  const conns: Conn[] = [];
  let onHello: OnHello = () => undefined;

  const send = (c: Conn, m: Message): void => c.ws.send(encodeMessage(m));
  const serverHello = (c: Conn, sessionId: string): void =>
    send(c, {
      type: 'server-hello',
      protocolVersion: 1,
      serverVersion: '2026.0.0',
      sessionId,
      connectionId: conns.indexOf(c) + 1,
      screenWidth: W,
      screenHeight: H,
      codec: 'h264',
      features: ALL_FEATURES,
    });

  before(async () => {
    const h264 = ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${W}x${H}:rate=30`,
      '-frames:v',
      String(FRAMES),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-bf',
      '0',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'h264',
      '-',
    ]);
    const split = splitAccessUnits(h264);
    units = [...split.units, split.rest];
    assert.equal(units.length, FRAMES, 'one access unit per frame');
    assert.ok(isKeyframe(units[0]!));
    reference = execFileSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'h264',
        '-i',
        '-',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgba',
        '-',
      ],
      {
        input: h264,
        maxBuffer: 1 << 28,
      },
    );
    assert.equal(reference.length, W * H * 4 * FRAMES);
    // From raw RGB, so the PNG holds exactly 255,0,0 (a lavfi colour source would go through YUV).
    const red = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < red.length; i += 3) red[i] = 255;
    redPng = execFileSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-s',
        '64x64',
        '-i',
        '-',
        '-frames:v',
        '1',
        '-c:v',
        'png',
        '-f',
        'image2pipe',
        '-',
      ],
      { input: red },
    );

    http = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/api/sessions') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify([
            { id: 'test-session', name: 'Test session', owner: 'alice' },
            { id: 'other', name: 'other', owner: 'bob' },
          ]),
        );
        return;
      }
      const file = path === '/' ? 'index.html' : path.slice(1);
      if (!/^[a-z0-9.-]+$/.test(file)) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = readFileSync(join(WEB, file));
        res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: MAX_CLIENT_MESSAGE_BYTES });
    wss.on('connection', (ws) => {
      const c: Conn = { ws, received: [] };
      conns.push(c);
      ws.on('message', (data: Buffer, isBinary) => {
        assert.ok(isBinary, 'the client sends binary frames only');
        const r = decodeClientMessage(data);
        assert.ok(r.ok, r.ok ? '' : r.error.message);
        c.received.push(r.message);
        if (r.message.type === 'client-hello') onHello(c, r.message);
        if (r.message.type === 'ping')
          send(c, { type: 'pong', nonce: r.message.nonce, timestampUs: performance.now() * 1000 });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    // 127.0.0.1 is a secure context, which WebCodecs requires, without a certificate.
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  after(async () => {
    await browser?.close();
    for (const c of conns) c.ws.terminate();
    wss?.close();
    await new Promise((r) => http?.close(r));
  });

  test('without a session id the page lists the sessions as links', async () => {
    await page.goto(base);
    const links = await waitFor('session links', async () => {
      const l = await page.$$eval('#sessions a', (as) =>
        as.map((a) => [a.getAttribute('href'), a.textContent]),
      );
      return l.length === 2 ? l : undefined;
    });
    assert.deepEqual(links[0], ['#test-session', 'Test session (test-session)']);
    assert.deepEqual(links[1], ['#other', 'other']);
  });

  test('streams H.264 onto the canvas, reports each frame shown, paints lossless rects and the cursor', async () => {
    // All frames but the last are whole; the last changes only a strip at the top and a bottom corner.
    const STRIP = { x: 0, y: 0, width: W, height: 50 };
    const CORNER = { x: W - 64, y: H - 64, width: 64, height: 64 };
    const shownBefore = conns.length;
    onHello = (c, hello) => {
      serverHello(c, hello.sessionId);
      // A 2x2 cursor, opaque blue, hotspot at 1,1.
      send(c, {
        type: 'cursor-shape',
        cursorId: 1,
        hotspotX: 1,
        hotspotY: 1,
        width: 2,
        height: 2,
        rgba: new Uint8Array(16).map((_, i) => (i % 4 === 2 || i % 4 === 3 ? 255 : 0)),
      });
      let i = 0;
      const timer = setInterval(() => {
        if (i >= FRAMES - 1 || c.ws.readyState !== c.ws.OPEN) return clearInterval(timer);
        send(c, {
          type: 'video-frame',
          keyframe: isKeyframe(units[i]!),
          sequence: 1000 + i,
          timestampUs: 5_000_000 + i * 33_333,
          width: W,
          height: H,
          rects: [],
          data: units[i]!,
        });
        i++;
      }, 33);
    };
    await page.goto(`${base}#test-session`);
    const c = await waitFor('a connection', () => conns[shownBefore]);
    const hello = await waitFor('ClientHello', () => c.received.find((m) => m.type === 'client-hello'));
    assert.equal(hello.clientVersion, '2026.0.0');
    assert.equal(hello.protocolVersion, 1);
    assert.equal(hello.sessionId, 'test-session');
    assert.ok(
      hello.codecs.includes('h264'),
      `codecs ${hello.codecs.join(',')}: Chromium's WebCodecs must decode H.264`,
    );

    await waitFor('the frames decoded', () =>
      page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.framesDecoded >= 29),
    );
    const shown = await waitFor('29 FrameShown', () => {
      const s = c.received.filter((m) => m.type === 'frame-shown');
      return s.length >= FRAMES - 1 ? s : undefined;
    });
    assert.deepEqual(
      shown.map((m) => [m.sequence, m.timestampUs]),
      Array.from({ length: FRAMES - 1 }, (_, i) => [1000 + i, 5_000_000 + i * 33_333]),
    );
    const state = await page.evaluate(() => ({ ...(globalThis as unknown as PageGlobals).opendcv }));
    assert.equal(state.state, 'connected');
    assert.equal(state.lastFrameSeq, 1000 + FRAMES - 2);
    // Chromium converts frames with VideoFrame.copyTo; drawImage is the fallback (docs/protocol.md "Painting").
    assert.equal(state.painter, 'copyTo');
    assert.equal(state.remoteWidth, W);
    assert.equal(state.remoteHeight, H);
    assert.equal(state.codec, 'h264');
    assert.equal(state.decoder, 'worker');
    assert.match(state.cursor, /^url\("?data:image\/png;base64,.*"?\) 1 1, default$/);
    assert.equal(
      await page.$eval(
        '#status',
        (e) => (e as unknown as { dataset: Record<string, string> }).dataset['state'],
      ),
      'connected',
    );

    // The canvas holds the newest frame: compare it with ffmpeg's decode of the same access unit.
    const px = await page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.pixels());
    assert.equal(px.width, W);
    assert.equal(px.height, H);
    const canvas = Buffer.from(px.rgbaBase64, 'base64');
    const whole = { x: 0, y: 0, width: W, height: H };
    const { meanDiff, lo, hi } = compare(canvas, reference.subarray(W * H * 4 * (FRAMES - 2)), whole);
    assert.ok(hi - lo > 200, 'the canvas is not blank');
    assert.ok(meanDiff < 12, `canvas differs from the reference frame by ${meanDiff.toFixed(2)} on average`);

    // Lossless refinement: a red PNG painted over the video at 100,60.
    send(c, { type: 'lossless-rect', x: 100, y: 60, width: 64, height: 64, png: redPng });
    await waitFor('lossless rect painted', () =>
      page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.losslessRects >= 1),
    );
    const after = Buffer.from(
      (await page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.pixels())).rgbaBase64,
      'base64',
    );
    const at = (x: number, y: number): number[] => [...after.subarray((y * W + x) * 4, (y * W + x) * 4 + 4)];
    assert.deepEqual(at(100, 60), [255, 0, 0, 255]);
    assert.deepEqual(at(163, 123), [255, 0, 0, 255]);
    assert.notDeepEqual(at(164, 124), [255, 0, 0, 255]);

    // A frame that changed only the strip and the corner: they show it, the lossless rect between them stays exact.
    send(c, {
      type: 'video-frame',
      keyframe: false,
      sequence: 1000 + FRAMES - 1,
      timestampUs: 5_000_000 + (FRAMES - 1) * 33_333,
      width: W,
      height: H,
      rects: [STRIP, CORNER],
      data: units[FRAMES - 1]!,
    });
    await waitFor('the last frame shown', () =>
      page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.lastFrameSeq === 1000 + 29),
    );
    const final = Buffer.from(
      (await page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.pixels())).rgbaBase64,
      'base64',
    );
    for (const area of [STRIP, CORNER]) {
      const { meanDiff } = compare(final, reference.subarray(W * H * 4 * (FRAMES - 1)), area);
      assert.ok(meanDiff < 12, `${JSON.stringify(area)} differs from its frame by ${meanDiff.toFixed(2)}`);
    }
    for (const [x, y] of [
      [100, 60],
      [163, 123],
      [130, 90],
    ] as const)
      assert.deepEqual([...final.subarray((y * W + x) * 4, (y * W + x) * 4 + 4)], [255, 0, 0, 255]);
    const png = await page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.screenshot());
    assert.match(png, /^data:image\/png;base64,/);
  });

  test('a key press arrives as keysym down and up, Shift+a keeps its keysym on release', async () => {
    const c = conns.at(-1)!;
    await page.focus('#screen');
    const keysBefore = c.received.length;
    await page.keyboard.press('a');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+A');
    await page.keyboard.press('F5');
    // Playwright's US layout has no €; a synthetic event is what a European layout's browser would deliver.
    await page.dispatchEvent('#screen', 'keydown', {
      key: '€',
      code: 'KeyE',
      bubbles: true,
      cancelable: true,
    });
    await page.dispatchEvent('#screen', 'keyup', { key: '€', code: 'KeyE', bubbles: true, cancelable: true });
    const keys = await waitFor('key events', () => {
      const k = c.received.slice(keysBefore).filter((m) => m.type === 'key');
      return k.length >= 12 ? k : undefined;
    });
    assert.deepEqual(
      keys.map((k) => [k.keysym, k.down]),
      [
        [0x61, true],
        [0x61, false],
        [0xff0d, true],
        [0xff0d, false],
        [0xffe1, true],
        [0x41, true],
        [0x41, false],
        [0xffe1, false],
        [0xffc2, true],
        [0xffc2, false],
        [0x010020ac, true],
        [0x010020ac, false],
      ],
    );
  });

  test('the full screen button gives the remote screen the whole display, with the keyboard on it', async () => {
    await page.click('#tb-fullscreen');
    // Page-side expressions as text: this file compiles without the DOM's types.
    const inFullscreen = await waitFor('full screen', async () =>
      (await page.evaluate("document.fullscreenElement?.id === 'app'")) === true ? true : undefined,
    );
    assert.equal(inFullscreen, true);
    assert.equal(await page.evaluate('document.activeElement?.id'), 'screen');
    await page.evaluate('document.exitFullscreen()');
    await waitFor('windowed again', async () =>
      (await page.evaluate('document.fullscreenElement === null')) === true ? true : undefined,
    );
  });

  test('a click arrives as pointer button events at the remote coordinates, scaled, 1:1 or not', async () => {
    const c = conns.at(-1)!;
    const box = (await page.locator('#screen').boundingBox())!;
    assert.equal(Math.round(box.width), W, 'shown 1:1 when the window is large enough');
    let before = c.received.length;
    await page.mouse.click(box.x + 100.5, box.y + 50.5);
    const clicks = await waitFor('pointer events', () => {
      const p = c.received.slice(before).filter((m) => m.type === 'pointer');
      // The release after the press: a move to the point (buttons 0) may come first.
      const pressed = p.findIndex((m) => m.buttons === 1);
      return pressed >= 0 && p.slice(pressed + 1).some((m) => m.buttons === 0) ? p : undefined;
    });
    assert.deepEqual(clicks.filter((p) => p.buttons === 1).at(-1), {
      type: 'pointer',
      x: 100,
      y: 50,
      buttons: 1,
    });
    assert.deepEqual(clicks.at(-1), { type: 'pointer', x: 100, y: 50, buttons: 0 });

    // A window smaller than the screen: the canvas scales down, coordinates still land on remote pixels.
    await page.setViewportSize({ width: 400, height: 330 });
    const small = await waitFor('canvas scaled down', async () => {
      const b = (await page.locator('#screen').boundingBox())!;
      return b.width < W ? b : undefined;
    });
    before = c.received.length;
    await page.mouse.click(small.x + small.width * 0.75, small.y + small.height * 0.5, { button: 'right' });
    const right = await waitFor('right click', () => {
      const p = c.received.slice(before).filter((m) => m.type === 'pointer');
      return p.some((m) => m.buttons === 4) && p.at(-1)?.buttons === 0 ? p : undefined;
    });
    const pressed = right.find((m) => m.buttons === 4)!;
    assert.ok(Math.abs(pressed.x - W * 0.75) <= 2, `x ${pressed.x}`);
    assert.ok(Math.abs(pressed.y - H * 0.5) <= 2, `y ${pressed.y}`);

    // 1:1 on the small window: remote pixels as they are, the stage scrolls, clicks still land exactly.
    await page.click('#tb-scale');
    const native = await waitFor('canvas at 1:1', async () => {
      const b = (await page.locator('#screen').boundingBox())!;
      return Math.round(b.width) === W ? b : undefined;
    });
    assert.equal(Math.round(native.height), H);
    assert.equal(await page.textContent('#tb-scale'), 'fit');
    before = c.received.length;
    await page.mouse.click(native.x + 30.5, native.y + 20.5);
    const at = await waitFor('a click at 1:1', () =>
      c.received
        .slice(before)
        .find((m): m is Extract<typeof m, { type: 'pointer' }> => m.type === 'pointer' && m.buttons === 1),
    );
    assert.deepEqual([at.x, at.y], [30, 20]);
    await page.click('#tb-scale');
    await waitFor('fitted again', async () =>
      (await page.locator('#screen').boundingBox())!.width < W ? true : undefined,
    );

    await page.mouse.move(small.x + small.width * 0.5, small.y + small.height * 0.5); // off the button, onto the screen
    before = c.received.length;
    await page.mouse.wheel(0, 100);
    const wheel = await waitFor('wheel', () => c.received.slice(before).find((m) => m.type === 'wheel'));
    assert.ok(wheel.dy > 0 && wheel.dx === 0, JSON.stringify(wheel));
    await page.setViewportSize({ width: 1024, height: 768 });
  });

  test('clipboard text arrives from the session, and a paste reaches it before the Ctrl+V keys', async () => {
    const c = conns.at(-1)!;
    send(c, { type: 'clipboard-text', text: 'from the session ✓' });
    await waitFor('clipboard text', () =>
      page.evaluate(
        () => (globalThis as unknown as PageGlobals).opendcv.clipboardText === 'from the session ✓',
      ),
    );

    await page.focus('#screen');
    const before = c.received.length;
    await page.evaluate(() => {
      // Runs in the page; this file is compiled without the DOM's types.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DOM constructors, absent from Node's types
      const g = globalThis as any;
      const screen = g.document.getElementById('screen');
      const init = { key: 'Control', code: 'ControlLeft', ctrlKey: true, bubbles: true, cancelable: true };
      screen.dispatchEvent(new g.KeyboardEvent('keydown', init));
      screen.dispatchEvent(new g.KeyboardEvent('keydown', { ...init, key: 'v', code: 'KeyV' }));
      const data = new g.DataTransfer();
      data.setData('text/plain', 'pasted text');
      screen.dispatchEvent(
        new g.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
      screen.dispatchEvent(new g.KeyboardEvent('keyup', { ...init, key: 'v', code: 'KeyV' }));
      screen.dispatchEvent(new g.KeyboardEvent('keyup', { ...init, ctrlKey: false }));
    });
    const got = await waitFor('paste and keys', () => {
      const m = c.received.slice(before).filter((x) => x.type === 'key' || x.type === 'clipboard-text');
      return m.length >= 5 ? m : undefined;
    });
    assert.deepEqual(
      got.map((m) => (m.type === 'key' ? [m.keysym, m.down] : m.text)),
      [[0xffe3, true], 'pasted text', [0x76, true], [0x76, false], [0xffe3, false]],
    );
  });

  test('a lost connection is re-established; a refusal is shown with its reason and not retried', async () => {
    onHello = (c, hello) => serverHello(c, hello.sessionId);
    const before = conns.length;
    conns.at(-1)!.ws.terminate();
    await waitFor(
      'reconnected',
      () => conns.length > before && conns.at(-1)!.received.some((m) => m.type === 'client-hello'),
    );
    await waitFor('connected again', () =>
      page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.state === 'connected'),
    );
    assert.ok((await page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.reconnects)) >= 1);

    const reason =
      'Client 2016.0.0 is older than 2017.0.0, the oldest this server (2026.0.0) accepts; update the client.';
    const c = conns.at(-1)!;
    send(c, { type: 'close', code: CloseCode.VersionRefused, reason });
    c.ws.close(CloseCode.VersionRefused);
    await waitFor('closed state', () =>
      page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.state === 'closed'),
    );
    assert.equal(await page.$eval('#status-text', (e) => e.textContent), `Disconnected: ${reason}`);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).opendcv.closeCode),
      CloseCode.VersionRefused,
    );
    const count = conns.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(conns.length, count, 'no reconnect after a refusal');
  });
});

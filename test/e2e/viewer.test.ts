// The browser viewer end to end: a real dcvserver streams a real Xvfb session over HTTPS/WSS to Debian's
// Chromium; typing and clicking in the page reach the session, and the canvas shows the session's pixels.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { decodeImage } from '../../src/codec/test-decode.js';
import { freePort, launchChromium, openViewer, viewerScreenshot, viewerState } from './browser.js';
import { dcv, dcvserver, makeDcvRoot, removeDcvRoot, sleep, waitFor, writeInit } from './harness.js';

const W = 1024;
const H = 768;

function meanAbsDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe('the browser viewer', () => {
  let root: string;
  let port: number;
  let browser: Browser;
  let page: Page;
  let typedFile: string;
  let clicksFile: string;

  before(async () => {
    port = await freePort();
    root = makeDcvRoot(
      `[connectivity]\nweb-port=${port}\nweb-listen-endpoints=['127.0.0.1']\n[security]\nauthentication='none'\n` +
        `[session-management]\nvirtual-session-default-layout=[{'w':<${W}>, 'h':<${H}>, 'x':<0>, 'y':<0>}]\n`,
    );
    typedFile = join(root, 'typed.txt');
    clicksFile = join(root, 'clicks.txt');
    // No window manager: xev may then listen for button presses on the root window, next to a terminal.
    const init = writeInit(
      root,
      'viewer-init',
      `xsetroot -solid '#336699'\nxev -root -event button > ${clicksFile} &\n` +
        `exec xterm -geometry 80x20+0+0 -fa Monospace -fs 11 -e /bin/bash --noprofile --norc`,
    );
    const up = await dcvserver(root, ['start']);
    assert.equal(up.code, 0, up.stderr);
    const created = await dcv(root, ['create-session', '--init', init, 'view-1']);
    assert.equal(created.code, 0, created.stderr);
    browser = await launchChromium();
    page = await openViewer(browser, `https://127.0.0.1:${port}/#view-1`);
  });

  after(async () => {
    await browser?.close();
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  test('the page connects and decodes the session at its remote size', async () => {
    const s = await waitFor('frames on the canvas', async () => {
      const v = await viewerState(page);
      return v.state === 'connected' && v.framesDecoded > 0 ? v : undefined;
    });
    assert.equal(s.remoteWidth, W);
    assert.equal(s.remoteHeight, H);
    const list = await dcv(root, ['list-connections', 'view-1']);
    assert.match(
      list.stdout,
      /^Connection: \d+ \(user:root client-address:127\.0\.0\.1:\d+ client-version:2026\.0\.0\)\n$/,
    );
    const json = JSON.parse((await dcv(root, ['describe-session', '-j', 'view-1'])).stdout) as Record<
      string,
      unknown
    >;
    assert.equal(json['num-of-connections'], 1);
    // The encoder choice is logged once, with why each hardware encoder was not used (none on a plain host).
    const log = readFileSync(join(root, 'var/log/dcv/server.log'), 'utf8');
    assert.match(log, /H\.264 encoder: (libx264; not used: h264_nvenc: .+|h264_\w+ \(hardware\))\n/);
  });

  test('plain HTTP on the web port is redirected to https, never served', async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet(`http://127.0.0.1:${port}/some/path?x=1`, resolve).on('error', reject),
    );
    res.resume();
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, `https://127.0.0.1:${port}/some/path?x=1`);
  });

  test('a shell command typed into the page runs in the session', async () => {
    const box = (await page.locator('#screen').boundingBox())!;
    await page.mouse.click(box.x + 60, box.y + 60); // focus the page and the terminal
    await page.keyboard.type(`echo "typed in the browser" > ${typedFile}`);
    await page.keyboard.press('Enter');
    const text = await waitFor('the file the shell writes', () =>
      existsSync(typedFile) && readFileSync(typedFile, 'utf8').length > 0
        ? readFileSync(typedFile, 'utf8')
        : undefined,
    );
    assert.equal(text, 'typed in the browser\n');
  });

  test('a click on the page reaches the session', async () => {
    const box = (await page.locator('#screen').boundingBox())!;
    const scale = box.width / W;
    await page.mouse.click(box.x + 900 * scale, box.y + 700 * scale);
    const log = await waitFor('xev to log the click', () => {
      const t = existsSync(clicksFile) ? readFileSync(clicksFile, 'utf8') : '';
      return t.includes('ButtonRelease') ? t : undefined;
    });
    assert.match(log, /ButtonPress event[^]*?button 1,/);
    // xev: "ButtonPress event, serial …, (X,Y), root:(X,Y), state 0x0, button 1, …"
    const at = /ButtonPress event[^]*?root:\((\d+),(\d+)\)/.exec(log);
    assert.ok(at !== null, log);
    assert.ok(
      Math.abs(Number(at[1]) - 900) <= 2 && Math.abs(Number(at[2]) - 700) <= 2,
      `click at ${at[1]},${at[2]}`,
    );
  });

  test("the canvas shows the session's pixels, as dcv get-screenshot does", async () => {
    await sleep(1500); // let the screen settle so the lossless refinement lands
    const shotFile = join(root, 'server.png');
    const r = await dcv(root, ['get-screenshot', '-o', shotFile, 'view-1']);
    assert.equal(r.code, 0, r.stderr);
    const server = decodeImage(readFileSync(shotFile));
    const client = decodeImage(await viewerScreenshot(page));
    assert.equal(client.width, server.width);
    assert.equal(client.height, server.height);
    const diff = meanAbsDiff(client.rgb, server.rgb);
    assert.ok(diff < 2, `mean absolute difference ${diff.toFixed(2)} per channel`);
    // And it is not a uniform frame: the terminal text and the blue root both appear.
    const blue = [0x33, 0x66, 0x99];
    const px = (x: number, y: number): number[] => [
      ...client.rgb.subarray((y * W + x) * 3, (y * W + x) * 3 + 3),
    ];
    assert.ok(
      px(1000, 740).every((v, i) => Math.abs(v - blue[i]!) < 6),
      `root colour, got ${px(1000, 740).join(',')}`,
    );
  });

  test('dcv close-connection drops the viewer, which says why', async () => {
    const list = JSON.parse((await dcv(root, ['list-connections', '-j', 'view-1'])).stdout) as {
      id: number;
    }[];
    assert.equal(list.length, 1);
    const r = await dcv(root, ['close-connection', 'view-1', String(list[0]!.id)]);
    assert.equal(r.code, 0, r.stderr);
    const s = await waitFor('the viewer to close', async () => {
      const v = await viewerState(page);
      return v.state === 'closed' ? v : undefined;
    });
    assert.equal(s.closeCode, 4008);
    assert.match(s.closeReason ?? '', /administrator/);
    assert.equal(
      (await dcv(root, ['list-connections', 'view-1'])).stdout,
      'There are no connections available.\n',
    );
  });

  test('--max-concurrent-clients refuses the viewer past the limit', async () => {
    const init = writeInit(root, 'idle-init', 'exec sleep 600');
    assert.equal(
      (await dcv(root, ['create-session', '--max-concurrent-clients', '1', '--init', init, 'one-only'])).code,
      0,
    );
    const first = await openViewer(browser, `https://127.0.0.1:${port}/#one-only`);
    await waitFor('the first viewer', async () =>
      (await viewerState(first)).state === 'connected' ? true : undefined,
    );
    const second = await openViewer(browser, `https://127.0.0.1:${port}/#one-only`);
    // 4007 is worth retrying later (a seat may free up), so the page shows it and keeps trying.
    const s = await waitFor('the second viewer to be refused', async () => {
      const v = await viewerState(second);
      return v.closeCode === 4007 ? v : undefined;
    });
    assert.equal(s.closeCode, 4007);
    assert.match(s.closeReason ?? '', /max-concurrent-clients/);
    await first.close();
    await second.close();
    assert.equal((await dcv(root, ['close-session', 'one-only'])).code, 0);
  });

  test('a session closed under its viewer tells the viewer', async () => {
    const v = await openViewer(browser, `https://127.0.0.1:${port}/#view-1`);
    await waitFor('connected', async () => ((await viewerState(v)).state === 'connected' ? true : undefined));
    assert.equal((await dcv(root, ['close-session', 'view-1'])).code, 0);
    // The page says so and keeps checking, in case the session is created again.
    const s = await waitFor('told the session ended', async () => {
      const x = await viewerState(v);
      return x.state === 'waiting' ? x : undefined;
    });
    assert.equal(s.closeCode, 4009);
    assert.equal(await v.getAttribute('#connection-card', 'data-kind'), 'ended');
    await v.close();
  });

  test('after dcvserver stop, start and the session created again, an open page shows it again without a reload', async () => {
    const init = writeInit(root, 'again-init', `xsetroot -solid '#993366'\nexec sleep 600`);
    assert.equal((await dcv(root, ['create-session', '--init', init, 'again'])).code, 0);
    const v = await openViewer(browser, `https://127.0.0.1:${port}/#again`);
    await waitFor('connected', async () => {
      const x = await viewerState(v);
      return x.state === 'connected' && x.framesDecoded > 0 ? true : undefined;
    });
    await v.evaluate('window.__samePage = true');

    assert.equal((await dcvserver(root, ['stop'])).code, 0);
    await waitFor('reconnecting', async () => ((await viewerState(v)).state === 'reconnecting' ? true : undefined));
    assert.equal(await v.evaluate("getComputedStyle(document.getElementById('stage')).visibility"), 'hidden');
    assert.equal((await dcvserver(root, ['start'])).code, 0);
    // The server is back, the session is not: the page says so and keeps checking.
    await waitFor(
      'session not found',
      async () => ((await viewerState(v)).closeCode === 4004 ? true : undefined),
      40_000,
    );
    assert.equal(await v.getAttribute('#connection-card', 'data-kind'), 'not-found');
    assert.equal((await dcv(root, ['create-session', '--init', init, 'again'])).code, 0);
    const back = await waitFor(
      'the session shown again',
      async () => {
        const x = await viewerState(v);
        return x.state === 'connected' ? x : undefined;
      },
      30_000,
    );
    assert.equal(back.remoteWidth, W);
    const png = await waitFor('its picture', async () => {
      const shot = decodeImage(await viewerScreenshot(v));
      const i = (10 * shot.width + 10) * 3;
      const rgb = [shot.rgb[i]!, shot.rgb[i + 1]!, shot.rgb[i + 2]!];
      return Math.abs(rgb[0]! - 0x99) < 12 && Math.abs(rgb[1]! - 0x33) < 12 && Math.abs(rgb[2]! - 0x66) < 12 ? rgb : undefined;
    });
    assert.ok(png);
    assert.equal(await v.evaluate('window.__samePage'), true, 'the same page, never reloaded');
    assert.equal(await v.isHidden('#connection-card'), true);
    await v.close();
    assert.equal((await dcv(root, ['close-session', 'again'])).code, 0);
  });
});

describe('the browser viewer on a console session', () => {
  // The host's own X server, as a physical console would be: started here, without a framebuffer file, so
  // the server reads the screen with MIT-SHM GetImage.
  const CW = 800;
  const CH = 600;
  let root: string;
  let port: number;
  let display: string;
  let xvfb: ChildProcess;
  let browser: Browser;

  before(async () => {
    const n = 150 + Math.floor(Math.random() * 100);
    display = `:${n}`;
    xvfb = spawn('Xvfb', [display, '-screen', '0', `${CW}x${CH}x24`, '-nolisten', 'tcp', '-noreset'], {
      stdio: 'ignore',
    });
    await waitFor('the host display', () => (existsSync(`/tmp/.X11-unix/X${n}`) ? true : undefined));
    execFileSync('xsetroot', ['-display', display, '-solid', '#00ff00']);
    port = await freePort();
    root = makeDcvRoot(
      `[connectivity]\nweb-port=${port}\nweb-listen-endpoints=['127.0.0.1']\n[security]\nauthentication='none'\n` +
        `[session-management]\nconsole-session-display='${display}'\n`,
    );
    assert.equal((await dcvserver(root, ['start'])).code, 0);
    const created = await dcv(root, ['create-session', '--type', 'console', 'console']);
    assert.equal(created.code, 0, created.stderr);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
    xvfb?.kill('SIGTERM');
  });

  test('streams the display, follows what is painted on it, and matches dcv get-screenshot', async () => {
    const page = await openViewer(browser, `https://127.0.0.1:${port}/#console`);
    const s = await waitFor('frames on the canvas', async () => {
      const v = await viewerState(page);
      return v.state === 'connected' && v.framesDecoded > 0 ? v : undefined;
    });
    assert.deepEqual([s.remoteWidth, s.remoteHeight], [CW, CH]);
    const centre = async (): Promise<number[]> => {
      const img = decodeImage(await viewerScreenshot(page));
      const at = ((CH / 2) * CW + CW / 2) * 3;
      return [...img.rgb.subarray(at, at + 3)];
    };
    await waitFor('green on the canvas', async () => ((await centre())[1]! > 240 ? true : undefined));
    // A change on the display reaches the page (damage → GetImage of what changed → video).
    execFileSync('xsetroot', ['-display', display, '-solid', '#cc3311']);
    await waitFor('the new colour on the canvas', async () => {
      const [r, g, b] = await centre();
      return Math.abs(r! - 0xcc) < 8 && Math.abs(g! - 0x33) < 8 && Math.abs(b! - 0x11) < 8 ? true : undefined;
    });
    await sleep(1500); // settled: the lossless refinement has landed
    const shotFile = join(root, 'console.png');
    assert.equal((await dcv(root, ['get-screenshot', '-o', shotFile, 'console'])).code, 0);
    const server = decodeImage(readFileSync(shotFile));
    const client = decodeImage(await viewerScreenshot(page));
    const diff = meanAbsDiff(client.rgb, server.rgb);
    assert.ok(diff < 1, `mean absolute difference ${diff.toFixed(2)} per channel`);
    const log = readFileSync(join(root, 'var/log/dcv/server.log'), 'utf8');
    assert.match(log, new RegExp(`Streaming session 'console' from ${display} \\(MIT-SHM GetImage\\)`));
    await page.close();
  });
});

// Every state of the web client's pages in real Chromium, against a small in-test server that speaks the
// viewer protocol and the page's HTTP API: the login page (errors in place, busy, Caps Lock), the session
// list (thumbnails, filter, who is logged in), the viewer's toolbar and panels (keyboard only, too), the
// connection card for each kind of close, full screen, touch, and the themes. Each state is screenshotted
// into docs/web-client/ for a reader to look at; axe-core checks the login page, the list and the viewer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import {
  ALL_FEATURES,
  CloseCode,
  MAX_CLIENT_MESSAGE_BYTES,
  decodeClientMessage,
  encodeMessage,
  type FromClient,
  type Message,
} from '../../src/protocol/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const WEB = join(REPO, 'dist/web');
const SHOTS = join(REPO, 'docs/web-client');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const W = 800;
const H = 500;
const USER = 'alice';
const PASSWORD = 'correct horse';
const TOKEN = 'dcvt1.test-token';
const WRONG = 'Wrong user name or password.';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

interface Conn {
  readonly ws: WebSocket;
  readonly received: FromClient[];
}

function ffmpeg(args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 1 << 26 });
}

/** A flat "desktop": a background with two windows, as PNG (or JPEG for thumbnails). Flat colours keep it small. */
function desktop(format: 'png' | 'mjpeg', size = `${W}x${H}`): Buffer {
  return ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=0x2f5d8a:s=${size},drawbox=x=iw*0.08:y=ih*0.1:w=iw*0.5:h=ih*0.55:color=0xeeeeee:t=fill,` +
      `drawbox=x=iw*0.08:y=ih*0.1:w=iw*0.5:h=ih*0.06:color=0x444444:t=fill,` +
      `drawbox=x=iw*0.45:y=ih*0.35:w=iw*0.45:h=ih*0.5:color=0x1e1e1e:t=fill,` +
      `drawbox=x=iw*0.45:y=ih*0.35:w=iw*0.45:h=ih*0.06:color=0x666666:t=fill`,
    '-frames:v',
    '1',
    '-c:v',
    format,
    '-f',
    'image2pipe',
    '-',
  ]);
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    // A probe of the page may meet it between documents (a link reloads the page): try again.
    const v = await Promise.resolve()
      .then(probe)
      .catch((e: unknown) => (Date.now() > end ? Promise.reject(e) : undefined));
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** axe-core's serious and critical findings on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  if ((await page.evaluate('typeof axe')) === 'undefined') await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('web client pages and states in Chromium', () => {
  let http: Server;
  let wss: WebSocketServer;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let screenPng: Buffer;
  let thumbJpeg: Buffer;
  const conns: Conn[] = [];
  let requireLogin = true;
  let loginDelayMs = 0;
  /** What the server does with each ClientHello; by default it shows the desktop. */
  let onHello: (c: Conn) => void = () => undefined;

  const send = (c: Conn, m: Message): void => c.ws.send(encodeMessage(m));
  const welcome = (c: Conn): void => {
    send(c, {
      type: 'server-hello',
      protocolVersion: 1,
      serverVersion: '2026.0.0',
      sessionId: 'dev-desktop',
      connectionId: conns.indexOf(c) + 1,
      screenWidth: W,
      screenHeight: H,
      codec: 'png',
      features: ALL_FEATURES,
    });
    send(c, { type: 'lossless-rect', x: 0, y: 0, width: W, height: H, png: screenPng });
  };
  const refuse = (c: Conn, code: number, reason: string): void => {
    send(c, { type: 'close', code, reason });
    c.ws.close(code);
  };
  const shot = async (name: string, p = page): Promise<void> => {
    await p.screenshot({ path: join(SHOTS, `${name}.png`) });
  };
  const state = (): Promise<{ state: string; closeCode: number | undefined; framesDecoded: number }> =>
    page.evaluate(
      '({ state: opendcv.state, closeCode: opendcv.closeCode, framesDecoded: opendcv.losslessRects })',
    );
  const connected = (): Promise<unknown> =>
    waitFor('connected with the picture', async () => {
      const s = await state();
      return s.state === 'connected' && s.framesDecoded > 0 ? true : undefined;
    });
  const cardKind = (): Promise<string | null> =>
    page.evaluate(
      "(() => { const c = document.getElementById('connection-card'); return c && !c.hidden ? c.dataset.kind : null; })()",
    );
  const stageVisible = (): Promise<boolean> =>
    page.evaluate("getComputedStyle(document.getElementById('stage')).visibility === 'visible'");

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    screenPng = desktop('png');
    thumbJpeg = desktop('mjpeg', '320x200');
    const sessions = [
      {
        id: 'dev-desktop',
        name: 'Development desktop',
        owner: USER,
        type: 'virtual',
        creationTime: '2026-12-01T08:30:00Z',
        connections: 1,
      },
      {
        id: 'build-box',
        name: '',
        owner: 'bob',
        type: 'virtual',
        creationTime: '2026-11-30T17:05:00Z',
        connections: 0,
      },
      {
        id: 'console',
        name: 'Lab console',
        owner: 'root',
        type: 'console',
        creationTime: '2026-11-28T09:00:00Z',
        connections: 2,
      },
    ];
    const authorized = (req: IncomingMessage): boolean =>
      !requireLogin || req.headers.authorization === `Bearer ${TOKEN}`;
    const json = (res: ServerResponse, status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    http = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/api/sessions') {
        if (!authorized(req)) return json(res, 401, { error: 'Log in first.', login: 'password' });
        return json(res, 200, sessions);
      }
      if (/^\/api\/sessions\/[^/]+\/thumbnail$/.test(path)) {
        if (!authorized(req)) return json(res, 401, { error: 'Log in first.' });
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end(thumbJpeg);
        return;
      }
      if (path === '/api/logout') {
        res.writeHead(204).end();
        return;
      }
      if (path === '/api/login') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const { username, password } = JSON.parse(body) as { username: string; password: string };
          setTimeout(() => {
            if (username === USER && password === PASSWORD) json(res, 200, { token: TOKEN });
            else json(res, 401, { error: WRONG });
          }, loginDelayMs);
        });
        return;
      }
      const file = path === '/' ? 'index.html' : path.slice(1);
      if (!/^[a-z0-9.-]+$/.test(file)) return void res.writeHead(404).end();
      try {
        const body = readFileSync(join(WEB, file));
        res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: MAX_CLIENT_MESSAGE_BYTES });
    wss.on('connection', (ws) => {
      const c: Conn = { ws, received: [] };
      conns.push(c);
      ws.on('message', (data: Buffer) => {
        const r = decodeClientMessage(data);
        assert.ok(r.ok, r.ok ? '' : r.error.message);
        c.received.push(r.message);
        if (r.message.type === 'client-hello') onHello(c);
        if (r.message.type === 'ping')
          send(c, { type: 'pong', nonce: r.message.nonce, timestampUs: performance.now() * 1000 });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 960, height: 600 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  after(async () => {
    await browser?.close();
    for (const c of conns) c.ws.terminate();
    wss?.close();
    await new Promise((r) => http?.close(r));
  });

  test('the login page: a centred form with the product and host, errors in place, busy, Caps Lock hint', async () => {
    await page.goto(base);
    await page.waitForSelector('#login');
    assert.equal(await page.textContent('#login .brand'), 'opendcv');
    assert.equal(await page.textContent('#login .host'), `to ${new URL(base).host}`);
    assert.equal(await page.textContent('label[for="login-username"]'), 'User name');
    assert.equal(await page.textContent('label[for="login-password"]'), 'Password');
    const box = (await page.locator('#login').boundingBox())!;
    assert.ok(Math.abs(box.x + box.width / 2 - 480) < 2, `centred: x ${box.x}, width ${box.width}`);
    assert.deepEqual(await axeViolations(page), []);
    await shot('login');

    await page.fill('#login-username', USER);
    await page.fill('#login-password', 'wrong');
    loginDelayMs = 1500;
    await page.click('#login button');
    await waitFor('busy', async () => (await page.getAttribute('#login', 'aria-busy')) === 'true');
    assert.equal(await page.textContent('#login-message'), 'Checking…');
    assert.equal(await page.isDisabled('#login button'), true);
    await shot('login-busy');
    await waitFor('the refusal in place', async () => (await page.textContent('#login-message')) === WRONG);
    assert.equal(await page.getAttribute('#login-password', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#login-password'), '', 'the password is cleared');
    assert.equal(await page.evaluate('document.activeElement.id'), 'login-password');
    loginDelayMs = 0;

    assert.equal(await page.isHidden('#login-caps'), true);
    // Headless Chromium keeps no Caps Lock state of its own: a key event that says it is on, as a real one would.
    await page.evaluate(
      "document.getElementById('login-password').dispatchEvent(new KeyboardEvent('keydown', { key: 'A', modifierCapsLock: true, bubbles: true }))",
    );
    await waitFor('the Caps Lock hint', () => page.isVisible('#login-caps'));
    assert.equal(await page.textContent('#login-caps'), 'Caps Lock is on.');
    await shot('login-error');
    await page.evaluate(
      "document.getElementById('login-password').dispatchEvent(new KeyboardEvent('keyup', { key: 'a', bubbles: true }))",
    );
    assert.equal(await page.isHidden('#login-caps'), true);
  });

  test('the session list: thumbnails, name, owner, type, creation time, connections, filter, who is logged in', async () => {
    await page.fill('#login-password', PASSWORD);
    await page.click('#login button');
    await waitFor('three sessions', async () => (await page.$$('#sessions li')).length === 3);
    await waitFor('thumbnails', async () => (await page.$$('#sessions li img')).length === 3);
    const first = await page.$eval('#sessions li', (li) => ({
      link: li.querySelector('a')!.getAttribute('href'),
      name: li.querySelector('a')!.textContent,
      owner: li.querySelector('.owner')!.textContent,
      type: li.querySelector('.type')!.textContent,
      created: li.querySelector('.created')!.textContent,
      connections: li.querySelector('.connections')!.textContent,
      alt: li.querySelector('img')!.getAttribute('alt'),
    }));
    assert.equal(first.link, '#dev-desktop');
    assert.equal(first.name, 'Development desktop (dev-desktop)');
    assert.equal(first.owner, USER);
    assert.equal(first.type, 'virtual');
    assert.match(first.created!, /2026/);
    assert.equal(first.connections, '1');
    assert.equal(first.alt, 'Screen of Development desktop');
    assert.equal(await page.textContent('#account-user'), `Logged in as ${USER}`);
    assert.equal(await page.title(), 'Sessions — opendcv');
    assert.deepEqual(await axeViolations(page), []);
    await shot('sessions');

    await page.fill('#session-filter', 'console');
    await waitFor('one match', async () => (await page.$$('#sessions li')).length === 1);
    assert.equal(await page.getAttribute('#sessions li', 'data-session-id'), 'console');
    await page.fill('#session-filter', 'bob');
    await waitFor(
      'bob only',
      async () =>
        (
          await page.$$eval('#sessions li', (l) => l.map((li) => li.getAttribute('data-session-id')))
        ).join() === 'build-box',
    );
    await page.fill('#session-filter', 'nothing like it');
    await waitFor(
      'no match',
      async () => (await page.textContent('#sessions .empty')) === 'No session matches “nothing like it”.',
    );
    await page.fill('#session-filter', '');
  });

  test('the viewer: the toolbar, the page title with the session, metrics out of the screen', async () => {
    onHello = welcome;
    await page.click('a[href="#dev-desktop"]');
    await connected();
    assert.equal(await page.title(), 'dev-desktop — opendcv');
    const labels = await page.$$eval('#toolbar > button', (bs) => bs.map((b) => b.id));
    for (const id of [
      'tb-scale',
      'tb-fullscreen',
      'tb-keys',
      'tb-metrics',
      'tb-notifications',
      'tb-preferences',
      'tb-disconnect',
      'tb-hide',
    ])
      assert.ok(labels.includes(id), `${id} in ${labels.join(' ')}`);
    assert.equal(await page.$('#stats'), null, 'no overlay over the screen');
    assert.equal(await stageVisible(), true);
    assert.equal(await page.textContent('#account-user'), `Logged in as ${USER}`);
    assert.deepEqual(await axeViolations(page), []);
    await shot('viewer');

    await page.click('#tb-metrics');
    await waitFor(
      'metrics',
      async () => (await page.$$eval('#panel-metrics tbody tr', (r) => r.length)) === 4,
    );
    await waitFor(
      'a frame rate sample',
      async () => (await page.$eval('#panel-metrics tbody tr td', (td) => td.textContent)) !== '–',
    );
    const head = await page.$$eval('#panel-metrics thead th', (th) => th.map((t) => t.textContent));
    assert.deepEqual(head, ['', 'current', 'average', 'peak']);
    assert.match((await page.textContent('#panel-metrics dl'))!, /800×500/);
    assert.deepEqual(await axeViolations(page), []);
    await shot('panel-metrics');
  });

  test('extra keys: Ctrl+Alt+Del, held modifiers and typed text reach the session as keysyms', async () => {
    const c = conns.at(-1)!;
    await page.click('#tb-keys');
    await waitFor('keys panel', () => page.isVisible('#panel-keys'));
    await shot('panel-keys');
    let before = c.received.length;
    await page.click('#panel-keys button:text-is("Ctrl+Alt+Del")');
    const keys = (from: number): [number, boolean][] =>
      c.received
        .slice(from)
        .flatMap((m) => (m.type === 'key' ? [[m.keysym, m.down] as [number, boolean]] : []));
    await waitFor('six key events', () => keys(before).length === 6);
    assert.deepEqual(keys(before), [
      [0xffe3, true],
      [0xffe9, true],
      [0xffff, true],
      [0xffff, false],
      [0xffe9, false],
      [0xffe3, false],
    ]);
    before = c.received.length;
    await page.click('#panel-keys .modifiers button:text-is("Super")');
    assert.equal(
      await page.getAttribute('#panel-keys .modifiers button:text-is("Super")', 'aria-pressed'),
      'true',
    );
    await page.click('#panel-keys button:text-is("Tab")');
    await waitFor('Super+Tab', () => keys(before).length === 4);
    assert.deepEqual(keys(before), [
      [0xffeb, true],
      [0xff09, true],
      [0xff09, false],
      [0xffeb, false],
    ]);
    assert.equal(
      await page.getAttribute('#panel-keys .modifiers button:text-is("Super")', 'aria-pressed'),
      'false',
    );
    before = c.received.length;
    await page.fill('#keys-text', 'hé');
    await page.click('#panel-keys button:text-is("Send")');
    await waitFor('typed text', () => keys(before).length === 4);
    assert.deepEqual(keys(before), [
      [0x68, true],
      [0x68, false],
      [0xe9, true],
      [0xe9, false],
    ]);
    await page.keyboard.press('Escape');
  });

  test('the toolbar by keyboard alone: one tab stop, arrows move, ArrowDown opens a panel, Escape closes it', async () => {
    await page.focus('#tb-scale');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate('document.activeElement.id'), 'tb-fullscreen');
    assert.equal(
      await page.$$eval('#toolbar > button[tabindex="0"]', (b) => b.map((x) => x.id).join()),
      'tb-fullscreen',
    );
    await page.keyboard.press('End');
    assert.equal(await page.evaluate('document.activeElement.id'), 'tb-hide');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate('document.activeElement.id'), 'tb-keys');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.isVisible('#panel-keys'), true);
    assert.equal(await page.getAttribute('#tb-keys', 'aria-expanded'), 'true');
    assert.equal(await page.evaluate("document.activeElement.closest('.panel')?.id"), 'panel-keys');
    await page.keyboard.press('Escape');
    assert.equal(await page.isHidden('#panel-keys'), true);
    assert.equal(await page.evaluate('document.activeElement.id'), 'tb-keys');
  });

  test('notifications and preferences: the clipboard note with a badge, the dark theme', async () => {
    const c = conns.at(-1)!;
    send(c, { type: 'clipboard-text', text: 'copied in the session' });
    await waitFor('a badge', async () => (await page.textContent('#tb-notifications .badge')) === '1');
    await page.click('#tb-notifications');
    assert.match((await page.textContent('#panel-notifications li'))!, /clipboard changed/);
    assert.equal(await page.$('#tb-notifications .badge'), null, 'read once opened');
    await shot('panel-notifications');
    await page.click('#tb-preferences');
    await page.check('#panel-preferences input[value="dark"]');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    const bg = await page.evaluate("getComputedStyle(document.getElementById('status')).backgroundColor");
    assert.equal(bg, 'rgb(35, 38, 43)');
    assert.deepEqual(await axeViolations(page), []);
    await shot('panel-preferences-dark');
    await page.check('#panel-preferences input[value="system"]');
    assert.equal(await page.getAttribute('html', 'data-theme'), null);
    await page.keyboard.press('Escape');
  });

  test('collaborators: who else is connected, and the owner disconnects one', async () => {
    const c = conns.at(-1)!;
    const me = conns.indexOf(c) + 1;
    send(c, {
      type: 'connection-list',
      canDisconnect: true,
      connections: [
        { connectionId: me, username: USER, address: '127.0.0.1:50123', owner: true },
        { connectionId: 99, username: 'bob', address: '10.0.0.7:41000', owner: false },
      ],
    });
    await waitFor(
      'a badge with one other viewer',
      async () => (await page.textContent('#tb-collaborators .badge')) === '1',
    );
    await page.click('#tb-collaborators');
    const rows = await page.$$eval('#panel-collaborators li', (l) => l.map((li) => li.textContent));
    assert.deepEqual(rows, [`${USER} from 127.0.0.1:50123owneryou`, 'bob from 10.0.0.7:41000Disconnect']);
    assert.deepEqual(await axeViolations(page), []);
    await shot('panel-collaborators');
    const before = c.received.length;
    await page.click('#panel-collaborators button[aria-label="Disconnect bob"]');
    const asked = await waitFor('DisconnectViewer', () =>
      c.received.slice(before).find((m) => m.type === 'disconnect-viewer'),
    );
    assert.deepEqual(asked, { type: 'disconnect-viewer', connectionId: 99 });
    send(c, {
      type: 'connection-list',
      canDisconnect: true,
      connections: [{ connectionId: me, username: USER, address: '127.0.0.1:50123', owner: true }],
    });
    await waitFor(
      'nobody else',
      async () => (await page.textContent('#panel-collaborators .note')) === 'Nobody else is connected.',
    );
    assert.equal(await page.$('#tb-collaborators .badge'), null);
    // A viewer that is not the owner sees who is there, without Disconnect buttons.
    send(c, {
      type: 'connection-list',
      canDisconnect: false,
      connections: [
        { connectionId: 5, username: 'carol', address: '10.0.0.9:1', owner: true },
        { connectionId: me, username: USER, address: '127.0.0.1:50123', owner: false },
      ],
    });
    await waitFor(
      'the owner-only note',
      async () =>
        (await page.textContent('#panel-collaborators .note')) ===
        'Only the session’s owner can disconnect others.',
    );
    assert.equal(await page.$('#panel-collaborators li button'), null);
    await page.keyboard.press('Escape');
    await page.click('#tb-notifications');
    const notes = await page.$$eval('#panel-notifications li', (l) => l.map((li) => li.textContent ?? ''));
    assert.ok(
      notes.some((n) => n.endsWith('bob left the session.')),
      notes.join(' | '),
    );
    assert.ok(
      notes.some((n) => n.endsWith('carol joined the session.')),
      notes.join(' | '),
    );
    await page.keyboard.press('Escape');
  });

  test('the toolbar hides behind a handle and comes back; in full screen it slides away until the pointer reaches the top', async () => {
    await page.click('#tb-hide');
    assert.equal(await page.isHidden('#status'), true);
    assert.equal(await page.isVisible('#toolbar-show'), true);
    await shot('toolbar-hidden');
    await page.click('#toolbar-show');
    assert.equal(await page.isVisible('#status'), true);

    await page.click('#tb-fullscreen');
    await waitFor(
      'full screen',
      async () => (await page.evaluate("document.fullscreenElement?.id === 'app'")) === true,
    );
    await page.mouse.move(400, 300);
    await waitFor(
      'slid away',
      async () => (await page.getAttribute('#status', 'class'))!.includes('slid-away'),
      6000,
    );
    await page.mouse.move(400, 0);
    await waitFor(
      'back at the top edge',
      async () => !(await page.getAttribute('#status', 'class'))!.includes('slid-away'),
    );
    await page.evaluate('document.exitFullscreen()');
    await waitFor(
      'windowed',
      async () => (await page.evaluate('document.fullscreenElement === null')) === true,
    );
  });

  test('connection states: each close says what to do, the screen is hidden, and the page keeps trying', async () => {
    // Dropped connection: reconnecting with a countdown and Retry now.
    onHello = () => undefined;
    const dropped = conns.length;
    conns.at(-1)!.ws.terminate();
    await waitFor('reconnecting card', async () => (await cardKind()) === 'reconnecting');
    assert.equal(await stageVisible(), false, 'no stale picture under the message');
    await waitFor('the countdown', async () =>
      /Checking again in \d+ s\./.test((await page.textContent('#connection-card .countdown')) ?? ''),
    );
    assert.equal(await page.textContent('#card-session-list'), 'Session list');
    assert.match(await page.title(), /^dev-desktop \(.*\) — opendcv$/);
    await shot('state-reconnecting');
    await waitFor('a new attempt', () => conns.length > dropped);

    // Session not found: keeps checking; Retry now tries at once.
    const refusals: [number, string, string, string][] = [
      [CloseCode.SessionNotFound, 'No session dev-desktop.', 'not-found', 'Session not found'],
      [CloseCode.SessionClosed, 'The dev-desktop session was closed.', 'ended', 'The session has ended'],
      [
        CloseCode.LicenseRefused,
        'The license expired on 2026-11-30; request a renewal.',
        'license',
        'Refused by the license',
      ],
    ];
    for (const [i, [code, reason, kind, title]] of refusals.entries()) {
      onHello = (c) => refuse(c, code, reason);
      const n = conns.length;
      if (i === 0) {
        // The attempt after the drop is waiting for its ServerHello: refuse it.
        const pending = await waitFor('the pending hello', () =>
          conns.at(-1)!.received.some((m) => m.type === 'client-hello') ? conns.at(-1) : undefined,
        );
        refuse(pending, code, reason);
      } else await page.click('#card-retry');
      await waitFor(`${kind} card`, async () => (i === 0 || conns.length > n) && (await cardKind()) === kind);
      assert.equal(await page.textContent('#connection-title'), title);
      assert.equal(await page.textContent('#connection-card .detail'), reason);
      assert.equal((await state()).state, 'waiting');
      assert.equal(await stageVisible(), false);
      assert.equal(await page.isVisible('#card-retry'), true);
      await shot(`state-${kind}`);
    }
    // It checks again by itself (every 5 s), and the session is back: the picture returns without a reload.
    await page.evaluate('window.__samePage = true');
    onHello = welcome;
    await waitFor('connected again by itself', async () => (await state()).state === 'connected', 12_000);
    await connected();
    assert.equal(await cardKind(), null);
    assert.equal(await stageVisible(), true);
    assert.equal(await page.evaluate('window.__samePage'), true);

    // Closed by an administrator: no retry by itself, Reconnect offered.
    onHello = () => undefined;
    const n = conns.length;
    refuse(conns.at(-1)!, CloseCode.ClosedByAdministrator, 'An administrator closed this connection.');
    await waitFor('admin card', async () => (await cardKind()) === 'closed-by-administrator');
    assert.equal(await page.textContent('#card-retry'), 'Reconnect');
    assert.equal((await state()).state, 'closed');
    await shot('state-closed-by-administrator');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(conns.length, n, 'no reconnect after an administrator closed it');

    // Reconnect, then Disconnect from the toolbar.
    onHello = welcome;
    await page.click('#card-retry');
    await connected();
    await page.click('#tb-disconnect');
    await waitFor('disconnected card', async () => (await cardKind()) === 'user-disconnected');
    assert.equal(conns.at(-1)!.received.at(-1)?.type, 'close');
    await shot('state-user-disconnected');
    await page.click('#card-retry');
    await connected();
  });

  test('connecting: a spinner card until the server answers', async () => {
    onHello = () => undefined; // never answers: the page stays connecting
    await page.reload();
    await waitFor('connecting card', async () => (await cardKind()) === 'connecting');
    assert.equal(await page.isVisible('#connection-card .spinner'), true);
    await shot('state-connecting');
    onHello = welcome;
  });

  test('touch: tap is a click, a long press a right click, two fingers scroll', async () => {
    const touch = await browser.newContext({
      viewport: { width: 960, height: 600 },
      hasTouch: true,
      isMobile: false,
    });
    // A token in this tab's storage, as after a login, so the viewer opens directly.
    await touch.addInitScript(`sessionStorage.setItem('opendcv.loginToken', '${TOKEN}')`);
    const p = await touch.newPage();
    try {
      onHello = welcome;
      const n = conns.length;
      await p.goto(`${base}#dev-desktop`);
      await waitFor('connected', async () => (await p.evaluate('opendcv.state')) === 'connected');
      const c = await waitFor('its connection', () => conns[n]);
      const box = (await p.locator('#screen').boundingBox())!;
      const scale = W / box.width;
      const pointers = (from: number): { x: number; y: number; buttons: number }[] =>
        c.received.slice(from).flatMap((m) => (m.type === 'pointer' ? [m] : []));

      let before = c.received.length;
      await p.touchscreen.tap(box.x + 100, box.y + 50);
      await waitFor(
        'a click',
        () => pointers(before).some((m) => m.buttons === 1) && pointers(before).at(-1)?.buttons === 0,
      );
      const press = pointers(before).find((m) => m.buttons === 1)!;
      assert.ok(
        Math.abs(press.x - 100 * scale) <= 2 && Math.abs(press.y - 50 * scale) <= 2,
        JSON.stringify(press),
      );

      const cdp = await touch.newCDPSession(p);
      const at = (x: number, y: number, id = 0) => ({ x: box.x + x, y: box.y + y, id });
      before = c.received.length;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(200, 120)] });
      await new Promise((r) => setTimeout(r, 900));
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await waitFor('a right click', () => pointers(before).some((m) => m.buttons === 4));
      assert.equal(
        pointers(before).some((m) => m.buttons === 1),
        false,
        'no left click for a long press',
      );

      before = c.received.length;
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchStart',
        touchPoints: [at(300, 300, 1), at(360, 300, 2)],
      });
      for (let i = 1; i <= 6; i++) {
        await cdp.send('Input.dispatchTouchEvent', {
          type: 'touchMove',
          touchPoints: [at(300, 300 - i * 20, 1), at(360, 300 - i * 20, 2)],
        });
      }
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      const wheel = await waitFor('wheel from two fingers', () => {
        const w = c.received.slice(before).flatMap((m) => (m.type === 'wheel' ? [m] : []));
        return w.length > 0 ? w : undefined;
      });
      const dy = wheel.reduce((s, m) => s + m.dy, 0);
      assert.ok(dy > 0, `fingers moving up scroll down: dy ${dy}`);
      assert.equal(
        pointers(before).some((m) => m.buttons !== 0),
        false,
        'no button pressed while scrolling',
      );
    } finally {
      await touch.close();
    }
  });

  test('the dark theme follows the system', async () => {
    const dark = await browser.newContext({ viewport: { width: 960, height: 600 }, colorScheme: 'dark' });
    const p = await dark.newPage();
    try {
      requireLogin = false;
      await p.goto(base);
      await waitFor('sessions', async () => (await p.$$('#sessions li img')).length === 3);
      const bg = await p.evaluate('getComputedStyle(document.body).backgroundColor');
      assert.equal(bg, 'rgb(22, 24, 27)');
      assert.deepEqual(await axeViolations(p), []);
      await shot('sessions-dark', p);
    } finally {
      requireLogin = true;
      await dark.close();
    }
  });
});

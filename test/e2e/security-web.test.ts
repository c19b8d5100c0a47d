// The web side of docs/security.md's threats, each run for real against a real dcvserver on loopback: a
// foreign page opening a viewer socket (item 7), idle, slow and piled-up connections (item 8), and the pages'
// Content-Security-Policy in Chromium (item 13). The login flood (item 6) is in auth.test.ts, with PAM.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import https from 'node:https';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { connectControlSocket } from '../../src/server/control/control-socket.js';
import { MAX_CONNECTIONS_PER_ADDRESS } from '../../src/server/viewer/web-endpoint.js';
import { freePort, launchChromium, viewerState } from './browser.js';
import { TestViewer } from './test-viewer.js';
import { dcv, dcvserver, makeDcvRoot, removeDcvRoot, waitFor, writeInit } from './harness.js';

/** The answer to a WebSocket upgrade sent with `origin`: 101 when accepted, else the refusal's status. */
function upgradeStatus(
  port: number,
  origin: string | undefined,
  host = `127.0.0.1:${port}`,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, {
      rejectUnauthorized: false,
      headers: { Host: host, ...(origin === undefined ? {} : { Origin: origin }) },
    });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

/** Resolves with how long after `start` the socket was closed by the server. */
function closedAfter(socket: net.Socket | tls.TLSSocket, start: number): Promise<number> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(Date.now() - start));
  });
}

describe('the web port under attack', () => {
  let root: string;
  let port: number;
  let browser: Browser | undefined;

  before(async () => {
    port = await freePort();
    root = makeDcvRoot(
      `[connectivity]\nweb-port=${port}\nweb-listen-endpoints=['127.0.0.1']\n[security]\nauthentication='none'\n` +
        `[session-management]\nvirtual-session-default-layout=[{'w':<320>, 'h':<240>, 'x':<0>, 'y':<0>}]\n`,
    );
    const up = await dcvserver(root, ['start']);
    assert.equal(up.code, 0, up.stderr);
    const init = writeInit(root, 'web-init', "xsetroot -solid '#336699'\nexec sleep 600");
    const created = await dcv(root, ['create-session', '--init', init, 'web-1']);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await browser?.close();
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  test("a page on another site cannot open a viewer socket; the page's own origin can (item 7)", async () => {
    assert.equal(await upgradeStatus(port, `https://127.0.0.1:${port}`), 101, 'the same origin');
    for (const foreign of [
      'https://evil.example',
      `https://evil.example:${port}`,
      `http://127.0.0.1:${port}`,
      `https://127.0.0.1:${port + 1}`,
      'null',
    ]) {
      assert.equal(await upgradeStatus(port, foreign), 403, foreign);
    }
    assert.equal(await upgradeStatus(port, undefined), 403, 'no Origin at all');
  });

  test('silent and slow connections are closed within 20 s; a viewer that sent its request stays (item 8)', async () => {
    const viewer = await TestViewer.open(port, { sessionId: 'web-1' });
    await viewer.decided();
    assert.ok(viewer.hello, 'the viewer is admitted');
    const start = Date.now();
    // A TCP connection that never says anything.
    const silent = net.connect(port, '127.0.0.1');
    const silentClosed = closedAfter(silent, start);
    // A TLS connection that sends its request headers one byte every 2 s, never finishing them.
    const slow = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    const slowClosed = closedAfter(slow, start);
    await new Promise<void>((resolve) => slow.once('secureConnect', () => resolve()));
    const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: ${'a'.repeat(100)}`;
    let i = 0;
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write(request[i++ % request.length]!);
    }, 2000);
    try {
      const [silentMs, slowMs] = await Promise.all([silentClosed, slowClosed]);
      assert.ok(silentMs <= 21_000, `the silent connection was closed after ${silentMs} ms`);
      assert.ok(slowMs <= 21_000, `the slow-header connection was closed after ${slowMs} ms`);
      assert.ok(viewer.open, 'the viewer, whose request came in time, is still connected');
    } finally {
      clearInterval(drip);
      silent.destroy();
      slow.destroy();
      await viewer.end();
    }
  });

  test(`past ${MAX_CONNECTIONS_PER_ADDRESS} connections from one address, more are closed; others and the control socket work (item 8)`, async () => {
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS_PER_ADDRESS; i++) {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.77' });
        s.on('error', () => undefined);
        held.push(s);
        await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      }
      const extra = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.77' });
      const extraClosed = closedAfter(extra, Date.now());
      assert.ok((await extraClosed) < 5000, 'the connection past the cap is closed at once');
      assert.ok(
        held.every((s) => !s.destroyed),
        'those within the cap stay',
      );
      // Another address is served, and so is the control socket.
      const page = await new Promise<number>((resolve, reject) => {
        https
          .get(
            { host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, localAddress: '127.0.0.78' },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          )
          .on('error', reject);
      });
      assert.equal(page, 200);
      const c = await connectControlSocket(join(root, 'run/dcv/control.sock'));
      try {
        const t = Date.now();
        await c.channel.call('list-sessions');
        assert.ok(Date.now() - t < 1000, 'the control socket answers at once');
      } finally {
        c.close();
      }
    } finally {
      for (const s of held) s.destroy();
    }
  });

  test('the pages carry a Content-Security-Policy and work under it in Chromium (item 13)', async () => {
    const csp = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(String(res.headers['content-security-policy'] ?? ''));
        })
        .on('error', reject);
    });
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline scripts');
    assert.match(csp, /img-src 'self' blob: data:/, 'thumbnails are blob: images');
    browser = await launchChromium();
    const violations: string[] = [];
    const open = async (url: string): Promise<Page> => {
      const context = await browser!.newContext({
        ignoreHTTPSErrors: true,
        viewport: { width: 800, height: 600 },
      });
      const p = await context.newPage();
      p.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      await p.goto(url);
      return p;
    };
    // The session list (thumbnails), then the viewer (worker, WebSocket, canvas).
    const list = await open(`https://127.0.0.1:${port}/`);
    await list.waitForSelector('img', { timeout: 15_000 });
    await waitFor('the thumbnail to load', async () =>
      (await list.evaluate('[...document.images].some((i) => i.complete && i.naturalWidth > 0)'))
        ? true
        : undefined,
    );
    const page = await open(`https://127.0.0.1:${port}/#web-1`);
    await waitFor('frames on the canvas', async () => {
      const v = await viewerState(page);
      return v.state === 'connected' && v.framesDecoded > 0 ? v : undefined;
    });
    assert.deepEqual(violations, []);
  });
});

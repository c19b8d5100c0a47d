// Test and benchmark support (not a test): Debian's Chromium driven by playwright-core, started as the
// workplace requires (no downloaded browser, no background networking), trusting our self-signed server.
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer } from 'node:net';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function openViewer(browser: Browser, url: string, width = 1280, height = 800): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width, height } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  return page;
}

/** The viewer's observable state (web/viewer-state.ts). */
export interface ViewerState {
  state: string;
  closeCode: number | null;
  closeReason: string | null;
  connectionId: number | null;
  framesDecoded: number;
  lastFrameSeq: number;
  remoteWidth: number;
  remoteHeight: number;
  losslessRects: number;
  fps: number;
  frameLatencyMs: number | null;
  bytesReceived: number;
  clipboardText: string;
  clipboardImageBytes: number;
}

export async function viewerState(page: Page): Promise<ViewerState> {
  return page.evaluate(() => ({ ...(globalThis as unknown as { opendcv: ViewerState }).opendcv }));
}

/** A canvas screenshot at remote resolution as PNG bytes (window.opendcv.screenshot()). */
export async function viewerScreenshot(page: Page): Promise<Buffer> {
  const url = await page.evaluate(() => (globalThis as unknown as { opendcv: { screenshot(): string } }).opendcv.screenshot());
  return Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64');
}

/** A TCP port free right now on 127.0.0.1 (dcv.conf's web-port must be ≥ 1024; the kernel's picks are). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DcvError } from '../errors.js';
import { RootPainter, startTestXvfb, type TestXvfb } from '../display/test-xvfb.js';
import { captureScreenshot } from './screenshot.js';
import { decodeImage, near, rgbAt } from './test-decode.js';

let x: TestXvfb;
before(async () => {
  x = await startTestXvfb(640, 480);
  const p = await RootPainter.open(x);
  await p.solid(0x0000ff);
  await p.fill(0, 0, 320, 240, 0xffff00); // top-left quarter yellow
  p.dispose();
});
after(async () => x?.dispose());

test('PNG at full size has the exact pixels', async () => {
  const png = await captureScreenshot(x.fbPath, { format: 'png' });
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const img = decodeImage(png);
  assert.equal(img.width, 640);
  assert.equal(img.height, 480);
  assert.deepEqual(rgbAt(img.rgb, 640, 10, 10), [255, 255, 0]);
  assert.deepEqual(rgbAt(img.rgb, 640, 600, 400), [0, 0, 255]);
});

test('PNG scaled down keeps the aspect ratio within the maximum', async () => {
  const png = await captureScreenshot(x.fbPath, { maxWidth: 200, maxHeight: 200 });
  const img = decodeImage(png);
  assert.ok(img.width <= 200 && img.height <= 200);
  assert.equal(img.width, 200);
  assert.equal(img.height, 150);
  assert.deepEqual(rgbAt(img.rgb, 200, 20, 20), [255, 255, 0]);
});

test('a maximum larger than the screen does not scale up', async () => {
  const img = decodeImage(await captureScreenshot(x.fbPath, { maxWidth: 5000, maxHeight: 5000 }));
  assert.equal(img.width, 640);
  assert.equal(img.height, 480);
});

test('JPEG decodes, fits and keeps the colours', async () => {
  const jpg = await captureScreenshot(x.fbPath, { format: 'jpeg', maxHeight: 240 });
  assert.deepEqual([...jpg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const img = decodeImage(jpg);
  assert.equal(img.width, 320);
  assert.equal(img.height, 240);
  assert.ok(near(rgbAt(img.rgb, 320, 40, 40), [255, 255, 0], 12), `${rgbAt(img.rgb, 320, 40, 40)}`);
  assert.ok(near(rgbAt(img.rgb, 320, 300, 200), [0, 0, 255], 12), `${rgbAt(img.rgb, 320, 300, 200)}`);
});

test('a missing framebuffer is SCREENSHOT_FAILED; a bad size is USAGE', async () => {
  await assert.rejects(
    captureScreenshot(`${x.dir}/nope`),
    (e: unknown) => e instanceof DcvError && e.code === 'SCREENSHOT_FAILED',
  );
  await assert.rejects(
    captureScreenshot(x.fbPath, { maxWidth: 0 }),
    (e: unknown) => e instanceof DcvError && e.code === 'USAGE',
  );
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DcvError } from '../errors.js';
import { Framebuffer, clampRect } from './framebuffer.js';
import { RootPainter, startTestXvfb, type TestXvfb } from './test-xvfb.js';

let x: TestXvfb;
let painter: RootPainter;
before(async () => {
  x = await startTestXvfb(320, 200);
  painter = await RootPainter.open(x);
});
after(async () => {
  painter?.dispose();
  await x?.dispose();
});

function pixel(buf: Buffer, width: number, px: number, py: number): [number, number, number] {
  const i = (py * width + px) * 4; // bgr0
  return [buf[i + 2]!, buf[i + 1]!, buf[i]!];
}

test('reads the header of an Xvfb framebuffer', () => {
  const fb = Framebuffer.open(x.fbPath);
  try {
    assert.equal(fb.width, 320);
    assert.equal(fb.height, 200);
    assert.equal(fb.format.depth, 24);
    assert.equal(fb.format.pixFmt, 'bgr0');
    assert.equal(fb.refresh(), false);
  } finally {
    fb.dispose();
  }
});

test('reads the colour the root window was painted', async () => {
  await painter.solid(0xff0000);
  const fb = Framebuffer.open(x.fbPath);
  try {
    const full = fb.readFull();
    assert.equal(full.length, 320 * 200 * 4);
    assert.deepEqual(pixel(full, 320, 0, 0), [255, 0, 0]);
    assert.deepEqual(pixel(full, 320, 319, 199), [255, 0, 0]);
    await painter.fill(10, 20, 30, 40, 0x00ff80);
    const reuse = Buffer.alloc(320 * 200 * 4);
    const rect = fb.readRect({ x: 5, y: 15, width: 40, height: 50 }, reuse);
    assert.equal(rect.buffer, reuse.buffer, 'reads into the given buffer');
    assert.equal(rect.length, 40 * 50 * 4);
    assert.deepEqual(pixel(rect, 40, 0, 0), [255, 0, 0]);
    assert.deepEqual(pixel(rect, 40, 5, 5), [0, 255, 128]);
    assert.deepEqual(pixel(rect, 40, 34, 44), [0, 255, 128]);
    assert.deepEqual(pixel(rect, 40, 35, 45), [255, 0, 0]);
    // narrow rectangle: row-by-row path
    const narrow = fb.readRect({ x: 38, y: 0, width: 4, height: 200 });
    assert.deepEqual(pixel(narrow, 4, 1, 30), [0, 255, 128]);
    assert.deepEqual(pixel(narrow, 4, 2, 30), [255, 0, 0]);
  } finally {
    fb.dispose();
  }
});

test('clips rectangles to the screen', () => {
  assert.deepEqual(clampRect({ x: -5, y: 190, width: 20, height: 50 }, 320, 200), {
    x: 0,
    y: 190,
    width: 15,
    height: 10,
  });
  assert.deepEqual(clampRect({ x: 400, y: 0, width: 20, height: 50 }, 320, 200), {
    x: 320,
    y: 0,
    width: 0,
    height: 50,
  });
});

test('refuses a file that is not an XWD framebuffer, naming it', () => {
  const bogus = join(x.dir, 'not-xwd');
  writeFileSync(bogus, Buffer.alloc(4096, 7));
  assert.throws(
    () => Framebuffer.open(bogus),
    (e: unknown) =>
      e instanceof DcvError && e.code === 'FRAMEBUFFER_UNSUPPORTED' && e.message.includes(bogus),
  );
  assert.throws(
    () => Framebuffer.open(join(x.dir, 'missing')),
    (e: unknown) => e instanceof DcvError && e.code === 'FRAMEBUFFER_UNSUPPORTED',
  );
});

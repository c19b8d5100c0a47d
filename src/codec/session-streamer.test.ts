import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Framebuffer } from '../display/framebuffer.js';
import { RootPainter, startTestXvfb, type TestXvfb } from '../display/test-xvfb.js';
import type { LosslessPatch, VideoChunk } from '../protocol/index.js';
import { XConnection } from '../display/x-connection.js';
import { SessionStreamer, type StreamSubscriber } from './session-streamer.js';
import { decodeH264, decodeImage, near, rgbAt } from './test-decode.js';

const W = 640;
const H = 480;
let x: TestXvfb;
let painter: RootPainter;
let conn: XConnection;
let streamer: SessionStreamer;

before(async () => {
  x = await startTestXvfb(W, H);
  painter = await RootPainter.open(x);
  await painter.solid(0x202020);
  conn = await XConnection.open({ display: x.display, authFile: x.authFile });
  streamer = SessionStreamer.open(conn, { framebufferPath: x.fbPath, settleMs: 150 });
});
after(async () => {
  streamer?.dispose();
  conn?.dispose();
  painter?.dispose();
  await x?.dispose();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Recorder implements StreamSubscriber {
  frames: VideoChunk[] = [];
  refinements: LosslessPatch[][] = [];
  backlogged = false;
  video(f: VideoChunk): void {
    this.frames.push(f);
  }
  refine(r: LosslessPatch[]): void {
    this.refinements.push(r);
  }
  isBacklogged(): boolean {
    return this.backlogged;
  }
  stream(): Buffer {
    return Buffer.concat(this.frames.map((f) => f.data));
  }
}

async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a subscriber gets a decodable keyframe, P-frames on change, and nothing while idle', async () => {
  const rec = new Recorder();
  const unsubscribe = streamer.subscribe(rec);
  try {
    await until(() => rec.frames.length >= 1, 'the first frame');
    const first = rec.frames[0]!;
    assert.equal(first.keyframe, true);
    assert.deepEqual([...first.data.subarray(0, 4)], [0, 0, 0, 1], 'an Annex-B access unit');
    assert.equal(first.width, W);
    assert.deepEqual(first.rects, [{ x: 0, y: 0, width: W, height: H }]);

    await painter.fill(0, 0, 320, 240, 0xff0000);
    await until(() => rec.frames.length >= 2, 'a frame after painting');
    await sleep(300);
    await painter.fill(320, 240, 320, 240, 0x0000ff);
    await until(() => rec.frames.length >= 3, 'a frame after the second paint');
    await until(() => rec.refinements.length >= 2, 'refinement after settling');

    const later = rec.frames.slice(1);
    assert.ok(
      later.every((f) => !f.keyframe),
      'changes come as P-frames',
    );
    assert.ok(
      later.some((f) => f.rects.some((r) => r.x === 0 && r.y === 0 && r.width === 320 && r.height === 240)),
    );
    const seqs = rec.frames.map((f) => f.sequence);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );

    const decoded = decodeH264(rec.stream(), W, H);
    assert.equal(decoded.frames, rec.frames.length, decoded.stderr);
    assert.ok(
      near(rgbAt(decoded.last!, W, 100, 100), [255, 0, 0], 16),
      `${rgbAt(decoded.last!, W, 100, 100)}`,
    );
    assert.ok(
      near(rgbAt(decoded.last!, W, 500, 400), [0, 0, 255], 16),
      `${rgbAt(decoded.last!, W, 500, 400)}`,
    );
    assert.ok(near(rgbAt(decoded.last!, W, 500, 100), [32, 32, 32], 16));

    const before = rec.frames.length;
    const refinesBefore = rec.refinements.length;
    await sleep(600);
    assert.equal(rec.frames.length, before, 'no frames while the screen is still');
    assert.equal(rec.refinements.length, refinesBefore, 'no refinements while the screen is still');
  } finally {
    unsubscribe();
  }
});

test('after settling, lossless rectangles cover the change and equal the framebuffer exactly', async () => {
  const rec = new Recorder();
  const unsubscribe = streamer.subscribe(rec);
  try {
    // A new viewer's first refinement is the whole screen.
    await until(() => rec.refinements.length >= 1, 'the first refinement');
    assert.deepEqual(
      rec.refinements[0]!.map(({ x, y, width, height }) => ({ x, y, width, height })),
      [{ x: 0, y: 0, width: W, height: H }],
    );

    // Fine detail that H.264 blurs: a 1-pixel checkerboard strip.
    const cells: number[] = [];
    for (let i = 0; i < 60; i++) cells.push(100 + i, 300 + (i % 2), 1, 1);
    await painter.fillRects(cells, 0xffffff);
    await painter.fill(200, 100, 37, 23, 0x12ab34);
    await until(() => rec.refinements.length >= 2, 'refinement after the change');
    const rects = rec.refinements[1]!;
    const covers = (px: number, py: number): boolean =>
      rects.some((r) => px >= r.x && py >= r.y && px < r.x + r.width && py < r.y + r.height);
    assert.ok(
      covers(100, 300) && covers(159, 301) && covers(200, 100) && covers(236, 122),
      JSON.stringify(rects.map(({ x, y, width, height }) => ({ x, y, width, height }))),
    );
    assert.ok(!covers(600, 20), 'only the changed area');

    const fb = Framebuffer.open(x.fbPath);
    try {
      for (const r of rects) {
        assert.deepEqual([...r.png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
        const img = decodeImage(r.png);
        assert.equal(img.width, r.width);
        assert.equal(img.height, r.height);
        const px = fb.readRect(r);
        for (let i = 0; i < r.width * r.height; i++) {
          const same =
            img.rgb[i * 3] === px[i * 4 + 2] &&
            img.rgb[i * 3 + 1] === px[i * 4 + 1] &&
            img.rgb[i * 3 + 2] === px[i * 4];
          if (!same)
            assert.fail(
              `pixel ${i % r.width},${Math.floor(i / r.width)} of ${JSON.stringify({ ...r, png: undefined })} differs`,
            );
        }
      }
    } finally {
      fb.dispose();
    }
  } finally {
    unsubscribe();
  }
});

test('a late subscriber starts with a keyframe and decodes on its own', async () => {
  const early = new Recorder();
  const unsubEarly = streamer.subscribe(early);
  const late = new Recorder();
  let unsubLate = (): void => undefined;
  try {
    await until(() => early.frames.length >= 1, 'early keyframe');
    for (let i = 0; i < 3; i++) {
      await painter.fill(10 * i, 10, 10, 10, 0x00ff00 + i);
      await until(() => early.frames.length >= 2 + i, `frame ${i}`);
    }
    unsubLate = streamer.subscribe(late);
    await until(() => late.frames.length >= 1, 'late keyframe');
    assert.equal(late.frames[0]!.keyframe, true);
    await painter.fill(400, 50, 30, 30, 0xffff00);
    await until(() => late.frames.length >= 2, 'late P-frame');
    const d = decodeH264(late.stream(), W, H);
    assert.equal(d.frames, late.frames.length, d.stderr);
    assert.ok(near(rgbAt(d.last!, W, 415, 65), [255, 255, 0], 20));
    // The early viewer's stream stays decodable across the keyframe made for the late one.
    await until(() => early.frames.length >= 6, 'early frames');
    const e = decodeH264(early.stream(), W, H);
    assert.equal(e.frames, early.frames.length, e.stderr);
  } finally {
    unsubEarly();
    unsubLate();
  }
});

test('a backlogged subscriber skips frames and resumes at a keyframe', async () => {
  const rec = new Recorder();
  const unsubscribe = streamer.subscribe(rec);
  try {
    await until(() => rec.frames.length >= 1, 'first frame');
    rec.backlogged = true;
    for (let i = 0; i < 3; i++) {
      await painter.fill(50, 200 + 10 * i, 100, 10, 0x808000 + i);
      await sleep(60);
    }
    await sleep(100);
    assert.equal(rec.frames.length, 1, 'nothing delivered while backlogged');
    rec.backlogged = false;
    await painter.fill(50, 260, 100, 10, 0x008080);
    await until(() => rec.frames.length >= 2, 'resumed');
    // The frame that noticed the recovery is skipped; the next delivered one is a keyframe.
    assert.equal(rec.frames[1]!.keyframe, true);
    const d = decodeH264(rec.stream(), W, H);
    assert.equal(d.frames, rec.frames.length, d.stderr);
  } finally {
    unsubscribe();
  }
});

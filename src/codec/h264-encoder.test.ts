import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DcvError } from '../errors.js';
import { H264Encoder, type EncodedFrame } from './h264-encoder.js';
import { decodeH264, near, rgbAt } from './test-decode.js';

const W = 320;
const H = 240;

function solid(b: number, g: number, r: number): Buffer {
  const buf = Buffer.alloc(W * H * 4);
  for (let i = 0; i < W * H; i++) buf.writeUInt32LE((r << 16) | (g << 8) | b, i * 4);
  return buf;
}

/** The NAL unit types of an Annex-B access unit, ignoring access unit delimiters and SEI. */
function nalTypes(au: Uint8Array): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) {
      const t = au[i + 3]! & 0x1f;
      if (t !== 9 && t !== 6) types.push(t);
      i += 3;
    }
  }
  return types;
}

function next(enc: H264Encoder): Promise<EncodedFrame> {
  return new Promise((resolve, reject) => {
    enc.once('frame', resolve);
    enc.once('error', reject);
  });
}

test('one access unit per frame, in order; a requested keyframe comes on the next frame', async () => {
  const enc = new H264Encoder({ width: W, height: H, pixFmt: 'bgr0' });
  try {
    const frames: EncodedFrame[] = [];
    const colours = [solid(0, 0, 255), solid(0, 255, 0), solid(255, 0, 0), solid(255, 255, 255)];
    for (let i = 0; i < colours.length; i++) {
      if (i === 2) enc.requestKeyframe();
      const got = next(enc);
      assert.equal(enc.encode(colours[i]!, i), true);
      frames.push(await got);
    }
    assert.deepEqual(
      frames.map((f) => f.keyframe),
      [true, false, true, false],
    );
    // Key frames are IDR pictures with SPS and PPS in front (a fresh ffmpeg's first real frame, after the frames
    // that warm it up); the others are plain slices.
    assert.deepEqual(
      frames.map((f) => nalTypes(f.data)),
      [[7, 8, 5], [1], [7, 8, 5], [1]],
    );
    assert.deepEqual(
      frames.map((f) => f.seq),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      frames.map((f) => f.captureTime),
      [0, 1, 2, 3],
    );
    const d = decodeH264(Buffer.concat(frames.map((f) => f.data)), W, H);
    assert.equal(d.frames, 4, d.stderr);
    assert.ok(near(rgbAt(d.last!, W, 10, 10), [255, 255, 255], 8));
    // Frame 3 (after the switch to a new ffmpeg) decodes on its own: it is a real IDR with SPS/PPS.
    const alone = decodeH264(Buffer.concat(frames.slice(2).map((f) => f.data)), W, H);
    assert.equal(alone.frames, 2, alone.stderr);
    assert.ok(near(rgbAt(alone.last!, W, 10, 10), [255, 255, 255], 8));
  } finally {
    enc.dispose();
  }
});

test('one frame is taken at a time; more are refused, not queued', () => {
  const enc = new H264Encoder({ width: W, height: H, pixFmt: 'bgr0' });
  try {
    const f = solid(1, 2, 3);
    assert.equal(enc.encode(f, 0), true);
    assert.equal(enc.busy, true);
    assert.equal(enc.encode(f, 1), false);
  } finally {
    enc.dispose();
  }
});

test('a missing ffmpeg is ENCODER_FAILED, and the encoder stops respawning it', async () => {
  const enc = new H264Encoder({ width: W, height: H, pixFmt: 'bgr0', ffmpegPath: '/nonexistent/ffmpeg' });
  const errors: Error[] = [];
  enc.on('error', (e) => errors.push(e));
  try {
    const f = solid(0, 0, 0);
    for (let i = 0; i < 10 && !(errors.length >= 3); i++) {
      enc.encode(f, i);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(errors.length >= 3);
    assert.ok(errors.every((e) => e instanceof DcvError && e.code === 'ENCODER_FAILED'));
    assert.equal(enc.busy, true, 'gave up');
    assert.equal(enc.encode(f, 99), false);
  } finally {
    enc.dispose();
  }
});

test('frames converted to I420 by libyuv and by ffmpeg decode to the same colours, in both pixel orders', async () => {
  // Quadrants of four colours, so chroma at the borders and a wrong byte order both show.
  const colours: [number, number, number][] = [
    [255, 0, 0],
    [0, 200, 0],
    [30, 60, 250],
    [240, 240, 40],
  ];
  function quadrants(order: 'bgr0' | 'rgb0'): Buffer {
    const buf = Buffer.alloc(W * H * 4);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const [r, g, b] = colours[(y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1)]!;
        const o = (y * W + x) * 4;
        buf.set(order === 'bgr0' ? [b, g, r, 0] : [r, g, b, 0], o);
      }
    return buf;
  }
  for (const pixFmt of ['bgr0', 'rgb0'] as const) {
    const decoded: Buffer[] = [];
    for (const nativeConversion of [true, false]) {
      const enc = new H264Encoder({ width: W, height: H, pixFmt, nativeConversion });
      try {
        // The native module is part of the build (binding.gyp, libyuv-dev in scripts/debian-packages.txt).
        assert.equal(enc.inputFormat, nativeConversion ? 'yuv420p' : pixFmt);
        const got = next(enc);
        enc.encode(quadrants(pixFmt), 0);
        const d = decodeH264(Buffer.from((await got).data), W, H);
        assert.equal(d.frames, 1, d.stderr);
        decoded.push(d.last!);
      } finally {
        enc.dispose();
      }
    }
    for (const [i, [x, y]] of [
      [W / 4, H / 4],
      [(3 * W) / 4, H / 4],
      [W / 4, (3 * H) / 4],
      [(3 * W) / 4, (3 * H) / 4],
    ].entries()) {
      const [byLibyuv, byFfmpeg] = decoded.map((rgb) => rgbAt(rgb, W, x!, y!));
      assert.ok(near(byLibyuv!, colours[i]!, 10), `${pixFmt} libyuv ${byLibyuv} vs ${colours[i]}`);
      assert.ok(near(byLibyuv!, byFfmpeg!, 6), `${pixFmt} libyuv ${byLibyuv} vs ffmpeg ${byFfmpeg}`);
    }
  }
});

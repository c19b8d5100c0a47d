import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chooseH264Encoder,
  hardwareCandidates,
  LIBX264,
  listedEncoders,
  probeEncoder,
} from './h264-encoder-choice.js';

const HAS_NVIDIA = existsSync('/dev/nvidiactl');

function fakeDev(devices: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'opendcv-dev-'));
  for (const d of devices) {
    mkdirSync(join(dir, d, '..'), { recursive: true });
    writeFileSync(join(dir, d), '');
  }
  return dir;
}

test('this ffmpeg lists libx264, and one frame through it comes out as an H.264 key frame', async () => {
  assert.ok((await listedEncoders()).has('libx264'));
  assert.equal(await probeEncoder(LIBX264), undefined);
});

test('a host without GPU devices gets libx264, with the reason each hardware encoder was passed over', async () => {
  const dev = fakeDev([]);
  try {
    assert.deepEqual(
      hardwareCandidates(dev).map((c) => [c.kind.name, c.missing]),
      [
        ['h264_nvenc', `no ${dev}/nvidiactl`],
        ['h264_vaapi', `no ${dev}/dri/renderD* device`],
        ['h264_qsv', `no ${dev}/dri/renderD* device`],
      ],
    );
    const choice = await chooseH264Encoder('ffmpeg', dev);
    assert.equal(choice.kind, LIBX264);
    assert.equal(choice.passedOver.length, 3);
    for (const line of choice.passedOver) assert.match(line, /^h264_\w+: (no |not in this ffmpeg)/);
  } finally {
    rmSync(dev, { recursive: true });
  }
});

test(
  'a device that is there but does not encode is probed with a real frame, refused, and libx264 taken',
  {
    skip: HAS_NVIDIA ? 'this host has an NVIDIA GPU, whose encoder would rightly be taken' : false,
  },
  async () => {
    // Empty files where the devices would be: ffmpeg finds them unusable, as it would a device without a driver.
    const dev = fakeDev(['nvidiactl', 'dri/renderD128']);
    try {
      const [nvenc, vaapi] = hardwareCandidates(dev);
      assert.equal(nvenc!.missing, undefined);
      assert.deepEqual(vaapi!.kind.globalArgs, ['-vaapi_device', `${dev}/dri/renderD128`]);
      const why = await probeEncoder(vaapi!.kind);
      assert.ok(why !== undefined && why.length > 0, 'a fake render node cannot encode');
      const choice = await chooseH264Encoder('ffmpeg', dev);
      assert.equal(choice.kind, LIBX264);
      const listed = await listedEncoders();
      for (const name of ['h264_nvenc', 'h264_vaapi', 'h264_qsv'].filter((n) => listed.has(n))) {
        const line = choice.passedOver.find((l) => l.startsWith(`${name}: `));
        assert.ok(line !== undefined && !line.includes(': no '), `${name} was probed: ${line}`);
      }
    } finally {
      rmSync(dev, { recursive: true });
    }
  },
);

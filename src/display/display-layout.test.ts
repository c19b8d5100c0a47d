import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DcvError } from '../errors.js';
import {
  boundingBox,
  checkLayout,
  clampHead,
  formatLayout,
  normalizeLayout,
  parseLayout,
  type LayoutLimits,
  type LayoutRequester,
} from './display-layout.js';

const DEFAULTS: LayoutLimits = {
  maxHeadResolution: [4096, 2160],
  minHeadResolution: [640, 480],
  webClientMaxHeadResolution: [1920, 1080],
  maxNumHeads: 4,
  maxLayoutArea: 0,
};

test('parses DCV layouts: several heads, negative offsets, an omitted offset is +0+0', () => {
  assert.deepEqual(parseLayout('1920x1080+0+0,1280x1024+1920+0'), [
    { width: 1920, height: 1080, x: 0, y: 0 },
    { width: 1280, height: 1024, x: 1920, y: 0 },
  ]);
  assert.deepEqual(parseLayout('1024x768-1024+0, 800x600'), [
    { width: 1024, height: 768, x: -1024, y: 0 },
    { width: 800, height: 600, x: 0, y: 0 },
  ]);
  assert.equal(formatLayout(parseLayout('1024x768-1024+0,800x600')), '1024x768-1024+0,800x600+0+0');
});

test('a malformed layout is a USAGE error quoting the bad head', () => {
  for (const bad of [
    '',
    '1920',
    '1920x',
    'x1080',
    '1920x1080+0',
    '1920x1080,,',
    '0x100',
    '1920*1080',
    '1e3x5',
  ]) {
    assert.throws(
      () => parseLayout(bad),
      (e: unknown) => e instanceof DcvError && e.code === 'USAGE',
      bad,
    );
  }
  assert.throws(() => parseLayout('800x600,abc'), /"abc" is not a head like 1920x1080\+0\+0/);
});

test('normalising shifts the layout to 0,0 and rounds sizes down to even', () => {
  const heads = normalizeLayout(parseLayout('1025x769-1025+0,800x600+0+100'));
  assert.deepEqual(heads, [
    { width: 1024, height: 768, x: 0, y: 0 },
    { width: 800, height: 600, x: 1025, y: 100 },
  ]);
  assert.deepEqual(boundingBox(heads), { width: 1825, height: 768 });
});

test('each [display] limit refuses a layout outside it, naming the key and its value', () => {
  const refuses = (
    layout: string,
    limits: Partial<LayoutLimits>,
    message: RegExp,
    who: LayoutRequester = 'administrator',
  ) =>
    assert.throws(
      () => checkLayout(parseLayout(layout), { ...DEFAULTS, ...limits }, who),
      (e: unknown) => e instanceof DcvError && e.code === 'LAYOUT_REFUSED' && message.test(e.message),
      layout,
    );
  refuses('5000x1000', {}, /head 5000x1000 exceeds \[display\] max-head-resolution \(4096, 2160\)/);
  refuses('600x400', {}, /head 600x400 is below \[display\] min-head-resolution \(640, 480\)/);
  refuses(
    '800x600,800x600+800+0,800x600+1600+0',
    { maxNumHeads: 2 },
    /3 heads and \[display\] max-num-heads is 2/,
  );
  refuses(
    '1920x1080,1920x1080+1920+0',
    { maxLayoutArea: 3_000_000 },
    /4147200 pixels exceed \[display\] max-layout-area 3000000/,
  );
  refuses('2560x1440', {}, /exceeds \[display\] web-client-max-head-resolution \(1920, 1080\)/, 'web-client');
  refuses('800x600,800x600+400+0', {}, /heads 1 and 2 overlap/);
  // The web client's own limit is not the administrator's, and (0, 0) lifts it.
  checkLayout(parseLayout('2560x1440'), DEFAULTS, 'administrator');
  checkLayout(parseLayout('2560x1440'), { ...DEFAULTS, webClientMaxHeadResolution: [0, 0] }, 'web-client');
  checkLayout(parseLayout('1920x1080+0+0,1280x1024+1920+0'), DEFAULTS, 'administrator');
});

test('a web client window is fitted into the limits, at even sizes', () => {
  assert.deepEqual(clampHead(1281, 721, DEFAULTS), { width: 1280, height: 720 });
  assert.deepEqual(clampHead(3000, 2000, DEFAULTS), { width: 1920, height: 1080 });
  assert.deepEqual(clampHead(300, 200, DEFAULTS), { width: 640, height: 480 });
  const area = clampHead(1920, 1080, { ...DEFAULTS, maxLayoutArea: 1_000_000 });
  assert.ok(area.width * area.height <= 1_000_000 && area.width % 2 === 0 && area.height % 2 === 0);
});

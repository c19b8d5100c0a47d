import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DirtyRegion } from './region.js';

test('overlapping and touching rectangles merge; distant ones stay apart', () => {
  const r = new DirtyRegion();
  r.add({ x: 0, y: 0, width: 10, height: 10 });
  r.add({ x: 5, y: 5, width: 10, height: 10 });
  r.add({ x: 10, y: 0, width: 5, height: 5 });
  r.add({ x: 500, y: 500, width: 4, height: 4 });
  const rects = r.take();
  assert.equal(rects.length, 2);
  assert.deepEqual(
    rects.find((q) => q.x === 500),
    { x: 500, y: 500, width: 4, height: 4 },
  );
  assert.deepEqual(
    rects.find((q) => q.x === 0),
    { x: 0, y: 0, width: 15, height: 15 },
  );
  assert.equal(r.isEmpty, true);
});

test('many scattered rectangles are bounded to a few that still cover them all', () => {
  const r = new DirtyRegion();
  const added = [];
  for (let i = 0; i < 200; i++) {
    const q = { x: (i * 97) % 1900, y: (i * 53) % 1000, width: 3, height: 3 };
    added.push(q);
    r.add(q);
  }
  const rects = r.take();
  assert.ok(rects.length <= 16);
  for (const q of added) {
    assert.ok(
      rects.some(
        (o) => q.x >= o.x && q.y >= o.y && q.x + q.width <= o.x + o.width && q.y + q.height <= o.y + o.height,
      ),
    );
  }
});

test('empty rectangles are ignored', () => {
  const r = new DirtyRegion();
  r.add({ x: 1, y: 1, width: 0, height: 5 });
  assert.equal(r.isEmpty, true);
});

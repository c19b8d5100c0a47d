import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WHEEL_NOTCH } from '../../protocol/index.js';
import { MAX_WHEEL_STEPS } from '../../display/input-injector.js';
import { InputPacer, inputCost, type InputPacerLimits, type PacedInput } from './input-pacer.js';

function pacer(limits: Partial<InputPacerLimits> = {}): {
  p: InputPacer;
  delivered: PacedInput[];
  pressure: boolean[];
  overflowed: () => number;
  clock: { now: number };
} {
  const delivered: PacedInput[] = [];
  const pressure: boolean[] = [];
  let overflowed = 0;
  const clock = { now: 0 };
  const p = new InputPacer(
    {
      deliver: (m) => delivered.push(m),
      pressure: (paused) => pressure.push(paused),
      overflow: () => void overflowed++,
    },
    { perSecond: 1000, burst: 100, pauseAbove: 50, resumeBelow: 10, maxQueued: 1000, ...limits },
    () => clock.now,
  );
  return { p, delivered, pressure, overflowed: () => overflowed, clock };
}

const key = (keysym: number, down = true): PacedInput => ({ type: 'key', keysym, down });
const wheel = (dy: number, dx = 0): PacedInput => ({ type: 'wheel', dx, dy });
const pointer = (x: number, y: number, buttons = 0): PacedInput => ({ type: 'pointer', x, y, buttons });

test('a wheel message costs two X requests per click, at most what the injector sends', () => {
  assert.equal(inputCost(key(0x61)), 1);
  assert.equal(inputCost(pointer(1, 1)), 1);
  assert.equal(inputCost(wheel(3 * WHEEL_NOTCH)), 6);
  assert.equal(inputCost(wheel(-32767, 32767)), 4 * MAX_WHEEL_STEPS);
  assert.equal(inputCost(wheel(10)), 1, 'a fraction of a notch still costs its message');
});

test('50,000 maximal wheel messages merge into what one message may scroll, and cost that once', () => {
  const { p, delivered, pressure } = pacer({ burst: 10 });
  // The budget is spent first, so everything after waits in the queue and merges there.
  for (let i = 0; i < 10; i++) p.push(key(0x61 + i));
  for (let i = 0; i < 50_000; i++) p.push(wheel(32767));
  assert.equal(delivered.length, 10);
  assert.equal(p.queued, 1);
  assert.deepEqual(pressure, [], 'one merged entry is no reason to stop reading');
  p.dispose();
});

test('pointer moves with the same buttons merge; a button change and the order of keys are kept', () => {
  const { p, delivered } = pacer({ burst: 1 });
  p.push(key(0x61)); // spends the whole budget
  p.push(pointer(1, 1));
  p.push(pointer(2, 2));
  p.push(pointer(3, 3, 1)); // button down: its own entry
  p.push(pointer(4, 4, 1));
  p.push(key(0x62));
  p.push(wheel(WHEEL_NOTCH));
  p.push(key(0x63));
  p.push(wheel(WHEEL_NOTCH)); // not merged across the key
  assert.equal(p.queued, 6);
  p.dispose();
  assert.deepEqual(delivered, [key(0x61)]);
});

test('input past the budget waits for it, in order, and the connection is paused and resumed', async () => {
  const { p, delivered, pressure, clock } = pacer({ burst: 10, perSecond: 1000 });
  for (let i = 0; i < 200; i++) p.push(key(i + 1, i % 2 === 0));
  assert.equal(delivered.length, 10, 'the burst goes at once');
  assert.deepEqual(pressure, [true], 'more queued than pauseAbove stops reading');
  // Time passes: the budget refills and the queue drains through the pacer's own timer.
  const start = Date.now();
  while (delivered.length < 200 && Date.now() - start < 10_000) {
    clock.now += 50;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(delivered.length, 200);
  assert.deepEqual(
    delivered.map((m) => (m.type === 'key' ? m.keysym : -1)),
    [...Array(200).keys()].map((i) => i + 1),
  );
  assert.deepEqual(pressure, [true, false], 'read again once drained');
});

test('a viewer that keeps sending past maxQueued is reported once and its input dropped', () => {
  const { p, overflowed, delivered } = pacer({ burst: 1, maxQueued: 100 });
  for (let i = 0; i < 500; i++) p.push(key(i + 1));
  assert.equal(overflowed(), 1);
  assert.equal(p.queued, 0);
  assert.equal(delivered.length, 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FRAME_RATE, maxFrameRate } from './frame-rate.js';

test('target-fps -1 (auto) and 0 (unlimited) are the plain maximum; a positive value caps below it', () => {
  assert.equal(maxFrameRate(-1), MAX_FRAME_RATE);
  assert.equal(maxFrameRate(0), MAX_FRAME_RATE);
  assert.equal(maxFrameRate(25), 25);
  assert.equal(maxFrameRate(1), 1);
  assert.equal(maxFrameRate(240), MAX_FRAME_RATE);
});

// Annex-B scanning: NAL units, access-unit splitting of a live stream, the codec string from the SPS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avcCodecString, findNalUnits, isKeyframe, splitAccessUnits } from './annex-b.js';
import { bytesToHex, hexToBytes } from './test-samples.js';

// A hand-made stream: [SPS PPS IDR(2 slices)] [P] [P], with 4- and 3-byte start codes mixed.
const sps = '00000001 6742c01e dead';
const pps = '000001 68ce3c80';
const idr1 = '00000001 6588 8400'; // first_mb_in_slice = 0 (first bit 1)
const idr2 = '000001 6500 1122'; // first_mb_in_slice != 0: same picture
const p1 = '00000001 419a 0102';
const p2 = '000001 419b 0304';
const stream = hexToBytes(sps + pps + idr1 + idr2 + p1 + p2);

test('finds NAL units with 3- and 4-byte start codes', () => {
  assert.deepEqual(
    findNalUnits(stream).map((n) => n.type),
    [7, 8, 5, 5, 1, 1],
  );
  assert.deepEqual(findNalUnits(hexToBytes('ffff')), []);
});

test('splits a stream into access units and keeps the unfinished last one', () => {
  const { units, rest } = splitAccessUnits(stream);
  assert.equal(units.length, 2);
  assert.equal(bytesToHex(units[0]!), (sps + pps + idr1 + idr2).replace(/ /g, ''));
  assert.equal(bytesToHex(units[1]!), p1.replace(/ /g, ''));
  assert.equal(bytesToHex(rest), p2.replace(/ /g, ''));
  assert.equal(isKeyframe(units[0]!), true);
  assert.equal(isKeyframe(units[1]!), false);
});

test('an access unit delimiter starts a unit', () => {
  const aud = '00000001 0910';
  const { units, rest } = splitAccessUnits(hexToBytes(aud + p1 + aud + p2));
  assert.equal(units.length, 1);
  assert.equal(bytesToHex(units[0]!), (aud + p1).replace(/ /g, ''));
  assert.equal(bytesToHex(rest), (aud + p2).replace(/ /g, ''));
});

test('the codec string comes from the SPS profile, constraints and level', () => {
  assert.equal(avcCodecString(stream), 'avc1.42C01E');
  assert.equal(avcCodecString(hexToBytes(p1)), undefined);
  assert.equal(avcCodecString(hexToBytes('00000001 6742')), undefined);
});

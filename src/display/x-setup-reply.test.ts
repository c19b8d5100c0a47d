// The X setup reply check, from bytes: a real server's shape passes; each hostile variation is refused or
// waited for, never handed on to a parser that would loop or wait forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSetupReply } from './x-setup-reply.js';

/** A well-formed success reply: vendor "fake", one format, one screen with one depth of one visual. */
function reply(edit: (r: Buffer) => void = () => undefined): Buffer {
  const r = Buffer.alloc(8 + 116);
  r[0] = 1;
  r.writeUInt16LE(11, 2);
  r.writeUInt16LE(29, 6);
  r.writeUInt32LE(0x00200000, 12);
  r.writeUInt32LE(0x001fffff, 16);
  r.writeUInt16LE(4, 24);
  r[28] = 1;
  r[29] = 1;
  r.write('fake', 40);
  r[44] = 24;
  r[45] = 32;
  r[52 + 39] = 1; // one depth
  r[92] = 24;
  r.writeUInt16LE(1, 94); // one visual
  r.writeUInt32LE(0x21, 100);
  edit(r);
  return r;
}

test('a well-formed reply passes and says where it ends', () => {
  assert.deepEqual(checkSetupReply(reply()), { kind: 'ok', length: 124 });
  assert.deepEqual(checkSetupReply(Buffer.concat([reply(), Buffer.from('event bytes')])), {
    kind: 'ok',
    length: 124,
  });
});

test('a reply still arriving is waited for', () => {
  for (const n of [0, 7, 8, 40, 123])
    assert.deepEqual(checkSetupReply(reply().subarray(0, n)), { kind: 'incomplete' });
});

test('a resource id mask of 0 (the handshake loop of the x11 package) is refused', () => {
  const v = checkSetupReply(reply((r) => r.writeUInt32LE(0, 16)));
  assert.deepEqual(v, { kind: 'refused', reason: 'a resource id mask of 0' });
});

test('counts the data does not hold, duplicates and status 2 are refused', () => {
  const cases: Array<[string, (r: Buffer) => void, RegExp]> = [
    ['no screens', (r) => (r[28] = 0), /no screens/],
    ['more screens than bytes', (r) => (r[28] = 2), /screen 1 runs past/],
    ['more visuals than bytes', (r) => r.writeUInt16LE(2, 94), /visuals of screen 0 run past/],
    ['a huge vendor length', (r) => r.writeUInt16LE(65535, 24), /vendor and formats longer/],
    ['trailing bytes', (r) => r.writeUInt16LE(30, 6), /bytes after the last screen|incomplete/],
    ['further authentication', (r) => (r[0] = 2), /setup status 2/],
    ['a fixed part cut short', (r) => r.writeUInt16LE(1, 6), /shorter than its fixed part/],
  ];
  for (const [what, edit, reason] of cases) {
    const r = reply(edit);
    const v = checkSetupReply(Buffer.concat([r, Buffer.alloc(8)]));
    assert.equal(v.kind, 'refused', what);
    assert.match(v.kind === 'refused' ? v.reason : '', reason, what);
  }
  const dupFormat = reply((r) => {
    r[29] = 2; // a second format, for depth 24 again
    r[52] = 24;
    r.writeUInt16LE(31, 6);
  });
  const v = checkSetupReply(Buffer.concat([dupFormat, Buffer.alloc(8)]));
  assert.deepEqual(v, { kind: 'refused', reason: 'pixmap format for depth 24 given twice' });
});

test('a refusal by the server passes on to be reported, unless its reason overruns the reply', () => {
  const failed = Buffer.alloc(8 + 8);
  failed[0] = 0;
  failed[1] = 5;
  failed.writeUInt16LE(2, 6);
  failed.write('nope!', 8);
  assert.deepEqual(checkSetupReply(failed), { kind: 'ok', length: 16 });
  failed[1] = 200;
  assert.equal(checkSetupReply(failed).kind, 'refused');
});

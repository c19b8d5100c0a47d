import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGVariant, printGVariant, quoteGVariantString, type GVariantValue } from './gvariant.js';

function parse(text: string): GVariantValue {
  const r = parseGVariant(text);
  if (!r.ok) assert.fail(`${text}: ${r.message}`);
  return r.value;
}

test('strings in either quote style, with escapes', () => {
  assert.deepEqual(parse("'system'"), { kind: 'string', value: 'system' });
  assert.deepEqual(parse('"session-owner"'), { kind: 'string', value: 'session-owner' });
  assert.deepEqual(parse("''"), { kind: 'string', value: '' });
  assert.deepEqual(parse(`'it\\'s'`), { kind: 'string', value: "it's" });
  assert.deepEqual(parse(`"say \\"hi\\""`), { kind: 'string', value: 'say "hi"' });
  assert.deepEqual(parse(`'a\\\\b\\n\\t'`), { kind: 'string', value: 'a\\b\n\t' });
  assert.deepEqual(parse(`'\\u00e9\\U0001F600'`), { kind: 'string', value: 'é😀' });
  assert.deepEqual(parse(`"it's"`), { kind: 'string', value: "it's" });
});

test('booleans, integers (negative, hex, typed) and doubles', () => {
  assert.deepEqual(parse('true'), { kind: 'boolean', value: true });
  assert.deepEqual(parse('false'), { kind: 'boolean', value: false });
  assert.deepEqual(parse('8443'), { kind: 'int', value: 8443 });
  assert.deepEqual(parse('-1'), { kind: 'int', value: -1 });
  assert.deepEqual(parse('0x20fb'), { kind: 'int', value: 8443 });
  assert.deepEqual(parse('uint32 5'), { kind: 'int', value: 5 });
  assert.deepEqual(parse('1.5'), { kind: 'double', value: 1.5 });
  assert.deepEqual(parse('-2e3'), { kind: 'double', value: -2000 });
});

test('arrays, tuples, dictionaries and boxed variants as DCV writes them', () => {
  assert.deepEqual(parse("['0.0.0.0', '::']"), {
    kind: 'array',
    items: [
      { kind: 'string', value: '0.0.0.0' },
      { kind: 'string', value: '::' },
    ],
  });
  assert.deepEqual(parse('[]'), { kind: 'array', items: [] });
  assert.deepEqual(parse('@as []'), { kind: 'array', items: [] });
  assert.deepEqual(parse('(1920, 1080)'), {
    kind: 'tuple',
    items: [
      { kind: 'int', value: 1920 },
      { kind: 'int', value: 1080 },
    ],
  });
  const layout = parse("[{'w':<800>, 'h':<600>, 'x':<0>, 'y': <0>}]");
  assert.equal(layout.kind, 'array');
  assert.equal(printGVariant(layout), "[{'w': <800>, 'h': <600>, 'x': <0>, 'y': <0>}]");
  const headers = parse('[("Content-Security-Policy", "frame-ancestors x")]');
  assert.equal(printGVariant(headers), "[('Content-Security-Policy', 'frame-ancestors x')]");
});

test('whitespace is free between tokens', () => {
  assert.equal(printGVariant(parse('  ( 1 ,2 )  ')), '(1, 2)');
  assert.equal(printGVariant(parse("[ 'a' ,'b' , ]")), "['a', 'b']");
});

test('text that is not GVariant is refused with a reason', () => {
  for (const bad of [
    'info',
    'none',
    '3840x2160',
    '2560, 1440',
    "'open",
    '[1, 2',
    '(1 2)',
    '',
    "'a' 'b'",
    '{1 2}',
    '12abc',
  ]) {
    const r = parseGVariant(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.ok(r.message.length > 0);
  }
  const r = parseGVariant('info');
  assert.ok(!r.ok && /strings need quotes/.test(r.message));
});

test('printing then parsing gives the same tree', () => {
  for (const text of [
    "'x'",
    "'it\\'s \"q\"'",
    'true',
    '-7',
    '2.5',
    "['a', 'b']",
    '(1,)',
    "[{'w': <1>}]",
    "[('a', 'b')]",
    "'tab\\there'",
  ]) {
    const v = parse(text);
    assert.deepEqual(parse(printGVariant(v)), v, text);
  }
});

test('quoting picks double quotes only for text with a single quote and no double quote', () => {
  assert.equal(quoteGVariantString('plain'), "'plain'");
  assert.equal(quoteGVariantString("it's"), `"it's"`);
  assert.equal(quoteGVariantString(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(quoteGVariantString('a\\b'), "'a\\\\b'");
});

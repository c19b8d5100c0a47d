import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meetsRequirement, parseRequirements, type ServerFacts } from './requirements.js';

const linux: ServerFacts = {
  tags: { os: 'linux', ram_gb: '4', software: 'my software', irish_name: "o'neil", City: 'London' },
  server: {
    Hostname: 'h1',
    Host: { Memory: { TotalBytes: 8 * 2 ** 30 }, CpuInfo: { NumberOfCpus: 2 }, Os: { Family: 'linux' } },
  },
};
const windows: ServerFacts = { tags: { os: 'windows' }, server: { Host: { Memory: { TotalBytes: 512 } } } };

function fits(expr: string, facts: ServerFacts): boolean {
  const r = parseRequirements(expr);
  assert.ok(r.ok, `should parse: ${expr}: ${r.ok ? '' : r.error}`);
  return meetsRequirement(r.requirement, facts);
}

test('the examples from the spec and the issue', () => {
  assert.equal(fits("tag:os = 'linux' and server:Host.Memory.TotalBytes > 1024", linux), true);
  assert.equal(fits("tag:os = 'linux' and server:Host.Memory.TotalBytes > 1024", windows), false);
  assert.equal(fits("ram_gb = '4' and software='my software'", linux), true);
  assert.equal(fits("irish_name='o''neil'", linux), true);
  assert.equal(fits("irish_name='o''neill'", linux), false);
});

test('operators, precedence and parentheses', () => {
  assert.equal(fits("tag:os = 'windows' or tag:os = 'linux' and tag:City = 'Paris'", linux), false);
  assert.equal(fits("(tag:os = 'windows' or tag:os = 'linux') and tag:City = 'London'", linux), true);
  assert.equal(fits("not tag:os = 'windows'", linux), true);
  assert.equal(fits("tag:os != 'windows'", linux), true);
  assert.equal(fits('server:Host.CpuInfo.NumberOfCpus >= 2', linux), true);
  assert.equal(fits('server:Host.CpuInfo.NumberOfCpus < 2', linux), false);
  assert.equal(fits("ram_gb > '3'", linux), true, 'numeric text compares as a number');
  assert.equal(fits("ram_gb <= 4 AND server:Host.Os.Family = 'linux'", linux), true, 'keywords in any case');
  assert.equal(fits('', linux), true, 'no requirement: every server fits');
});

test('a fact the server lacks fails every comparison', () => {
  assert.equal(fits("tag:gpu = 'yes'", linux), false);
  assert.equal(fits("tag:gpu != 'yes'", linux), false);
  assert.equal(fits('server:Host.Gpus.Count > 0', linux), false);
  assert.equal(fits('server:Host > 0', linux), false, 'an object is not a comparable value');
});

test('bad expressions name what is wrong and where, and never throw', () => {
  const bad: [string, RegExp][] = [
    ["tag:os = 'linux", /unterminated string starting at position 10/],
    ["tag:os 'linux'", /expected a comparison .* at position 8/],
    ['tag:os =', /expected a quoted value or a number at the end/],
    ["tag:os = 'a' and", /expected a tag or server property at the end/],
    ["(tag:os = 'a'", /expected '\)' at the end/],
    ["tag:os = 'a' tag:b = 'c'", /unexpected text at position 14/],
    ["host:x = 'a'", /'host:' is not a known prefix/],
    ['server:Host..Memory = 1', /not a property path/],
    ["tag:os ! 'a'", /'!' at position 8 must be followed by '='/],
    ["tag:os = 'a' ; drop table", /unexpected ';'/],
    ['('.repeat(100) + "a='b'" + ')'.repeat(100), /nests deeper than 64/],
    ['x'.repeat(5000), /longer than 4096/],
  ];
  for (const [expr, message] of bad) {
    const r = parseRequirements(expr);
    assert.equal(r.ok, false, expr);
    if (!r.ok) assert.match(r.error, message, expr);
  }
  // Hostile input: random bytes parse or fail, but never throw.
  for (let i = 0; i < 2000; i++) {
    const s = Array.from({ length: 1 + (i % 40) }, () =>
      String.fromCharCode(32 + Math.floor(Math.random() * 95)),
    ).join('');
    const r = parseRequirements(s);
    if (r.ok) meetsRequirement(r.requirement, linux);
  }
});

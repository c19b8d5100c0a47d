import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diffConfigs,
  entriesFromSettings,
  formatChange,
  loadConfigFile,
  loadDcvConf,
  writeDcvConf,
  writeRegExportFromEntries,
} from './index.js';

test('byte-identical files', () => {
  const text = '[connectivity]\nweb-port=8443\n';
  const d = diffConfigs(loadDcvConf(text, 'a'), loadDcvConf(text, 'b'));
  assert.equal(d.byteIdentical, true);
  assert.equal(d.equalInMeaning, true);
  assert.deepEqual(d.changes, []);
});

test('different spelling, same meaning: spacing, quotes, bare strings, comments, order, merged groups', () => {
  const a = loadDcvConf(
    "# old\n[connectivity]\nweb-port=8443\n[security]\nauthentication='none'\n[log]\nlevel='info'\n[session-management/automatic-console-session]\nowner='x'\n[server]\nfoo='bar'\n",
    'a',
  );
  const b = loadDcvConf(
    '[log]\nlevel = INFO\n[connectivity]\n  web-port = 8443\n[security]\nauthentication = none\n[session-management/automatic-console-session]\nowner = "x"\n[server]\nfoo = bar\n',
    'b',
  );
  const d = diffConfigs(a, b);
  assert.equal(d.byteIdentical, false);
  assert.deepEqual(d.changes.map(formatChange), []);
  assert.equal(d.equalInMeaning, true);
});

test('changed, added and removed keys by typed value', () => {
  const a = loadDcvConf(
    "[connectivity]\nweb-port=8443\n[security]\nauthentication='none'\n[display]\nmax-head-resolution=(4096,2160)\n",
    'a',
  );
  const b = loadDcvConf(
    '[connectivity]\nweb-port = 8444\n[log]\nlevel=debug\n[display]\nmax-head-resolution=(3840, 2160)\n',
    'b',
  );
  const d = diffConfigs(a, b);
  assert.equal(d.equalInMeaning, false);
  assert.deepEqual(d.changes.map(formatChange), [
    '[connectivity] web-port: 8443 -> 8444',
    '[display] max-head-resolution: (4096, 2160) -> (3840, 2160)',
    "+ [log] level = 'debug'",
    "- [security] authentication = 'none'",
  ]);
});

test('keys with bad values compare by their stored text', () => {
  const a = loadDcvConf('[display]\nmax-head-resolution = huge\n', 'a');
  const same = loadDcvConf('[display]\nmax-head-resolution=huge\n', 'b');
  const other = loadDcvConf('[display]\nmax-head-resolution=(3840, 2160)\n', 'c');
  assert.equal(diffConfigs(a, same).equalInMeaning, true);
  assert.deepEqual(diffConfigs(a, other).changes.map(formatChange), [
    "[display] max-head-resolution: 'huge' -> (3840, 2160)",
  ]);
});

test('WxH as real files write it means the same pair as (W, H)', () => {
  const a = loadDcvConf('[display]\nmax-head-resolution = 3840x2160\n', 'a');
  const b = loadDcvConf('[display]\nmax-head-resolution=(3840, 2160)\n', 'b');
  assert.equal(diffConfigs(a, b).equalInMeaning, true);
});

test('a .reg export and the dcv.conf with the same settings are equal in meaning; a changed value shows', () => {
  const settings = {
    connectivity: { 'web-port': 8444, 'enable-quic-frontend': true },
    security: { authentication: 'none' },
    'session-management/automatic-console-session': { owner: 'administrator', 'max-concurrent-clients': -1 },
    display: { 'web-client-max-head-resolution': [0, 0] },
  } as const;
  const conf = loadDcvConf(
    '[connectivity]\nweb-port=8444\nenable-quic-frontend=true\n[security]\nauthentication="none"\n[session-management/automatic-console-session]\nowner=\'administrator\'\nmax-concurrent-clients=-1\n[display]\nweb-client-max-head-resolution=(0, 0)\n',
    '/etc/dcv/dcv.conf',
  );
  const reg = loadConfigFile(writeRegExportFromEntries(entriesFromSettings(settings)), 'dcv.reg');
  assert.equal(reg.format, 'reg');
  const d = diffConfigs(conf, reg);
  assert.equal(d.byteIdentical, false);
  assert.deepEqual(d.changes, []);
  assert.equal(d.equalInMeaning, true);

  const changed = loadConfigFile(
    writeRegExportFromEntries(
      entriesFromSettings({ ...settings, connectivity: { 'web-port': 8443, 'enable-quic-frontend': true } }),
    ),
    'dcv2.reg',
  );
  assert.deepEqual(diffConfigs(conf, changed).changes.map(formatChange), [
    '[connectivity] web-port: 8444 -> 8443',
  ]);
});

test('two .reg exports (UTF-16LE with BOM, as regedit writes them): equal in meaning, then one changed value', () => {
  const settings = { connectivity: { 'web-port': 8444 }, security: { authentication: 'none' } } as const;
  const a = writeRegExportFromEntries(entriesFromSettings(settings));
  assert.deepEqual([...a.subarray(0, 2)], [0xff, 0xfe], 'a UTF-16LE byte order mark');
  const same = diffConfigs(loadConfigFile(a, 'a.reg'), loadConfigFile(a.slice(), 'b.reg'));
  assert.equal(same.byteIdentical, true);
  assert.deepEqual(same.changes, []);
  const b = writeRegExportFromEntries(
    entriesFromSettings({ ...settings, connectivity: { 'web-port': 9443 } }),
  );
  const d = diffConfigs(loadConfigFile(a, 'a.reg'), loadConfigFile(b, 'b.reg'));
  assert.equal(d.byteIdentical, false);
  assert.deepEqual(d.changes.map(formatChange), ['[connectivity] web-port: 8444 -> 9443']);
});

test('writeDcvConf output reads back to the same entries', () => {
  const a = loadDcvConf(
    "[log]\nlevel = INFO\n[display]\nconsole-session-default-layout=[{'w':<800>, 'h':<600>, 'x':<0>, 'y': <0>}]\n[x]\ny=z\n",
    'a',
  );
  const text = writeDcvConf(a.entries);
  assert.equal(
    text,
    "[log]\nlevel='info'\n\n[display]\nconsole-session-default-layout=[{'w': <800>, 'h': <600>, 'x': <0>, 'y': <0>}]\n\n[x]\ny=z\n",
  );
  assert.equal(diffConfigs(a, loadDcvConf(text, 'b')).equalInMeaning, true);
});

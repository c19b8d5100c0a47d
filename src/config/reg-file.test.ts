import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DCV_REGISTRY_ROOT,
  decodeRegText,
  entriesFromSettings,
  formatDiagnostic,
  loadConfigFile,
  loadRegExport,
  looksLikeRegExport,
  writeRegExportFromEntries,
  NO_EFFECT,
  type ConfigDiagnostic,
} from './index.js';

function utf16leWithBom(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) {
    out[2 + 2 * i] = text.charCodeAt(i) & 0xff;
    out[3 + 2 * i] = text.charCodeAt(i) >> 8;
  }
  return out;
}

const R = DCV_REGISTRY_ROOT;

// Keys opendcv does not act on always say so; these tests are about everything else.
function errorsAndOddities(ds: readonly ConfigDiagnostic[]): ConfigDiagnostic[] {
  return ds.filter((d) => d.severity === 'error' || d.message !== NO_EFFECT);
}
// What Registry Editor writes for a DCV server configured the Windows way (DCV-REFERENCE §1).
const EXPORT = [
  'Windows Registry Editor Version 5.00',
  '',
  `[${R}]`,
  '',
  `[${R}\\connectivity]`,
  '"web-port"=dword:000020fb',
  '"enable-quic-frontend"=dword:00000001',
  '',
  `[${R}\\display]`,
  '"web-client-max-head-resolution"="(0, 0)"',
  `"console-session-default-layout"="[{'w':<1920>, 'h':<1080>, 'x':<0>, 'y': <0>}]"`,
  '',
  `[${R}\\log]`,
  '"level"="debug"',
  '',
  `[${R}\\security]`,
  '"authentication"="none"',
  '',
  `[${R}\\session-management]`,
  '"max-concurrent-clients"=dword:ffffffff',
  '',
  `[${R}\\session-management\\automatic-console-session]`,
  '"owner"="administrator"',
  '"storage-root"="C:\\\\Users\\\\Public\\\\Storage \\"dcv\\""',
  '"permissions-file"="C:\\\\Program Files\\\\NICE\\\\DCV\\\\Server\\\\conf\\\\default.perm"',
  '',
  '',
].join('\r\n');

test('a UTF-16LE export with BOM maps to the dcv.conf sections and typed values', () => {
  const bytes = utf16leWithBom(EXPORT);
  assert.equal(looksLikeRegExport(bytes), true);
  const r = loadConfigFile(bytes, 'dcv.reg');
  assert.equal(r.format, 'reg');
  assert.deepEqual(errorsAndOddities(r.diagnostics), []);
  assert.equal(r.config.connectivity['web-port'], 8443);
  assert.equal(r.config.connectivity['enable-quic-frontend'], true);
  assert.deepEqual(r.config.display['web-client-max-head-resolution'], [0, 0]);
  assert.deepEqual(r.config.display['console-session-default-layout'], [{ w: 1920, h: 1080, x: 0, y: 0 }]);
  assert.equal(r.config.log.level, 'debug');
  assert.equal(r.config.security.authentication, 'none');
  assert.equal(r.config['session-management']['max-concurrent-clients'], -1);
  const console = r.config['session-management/automatic-console-session'];
  assert.equal(console.owner, 'administrator');
  assert.equal(console['storage-root'], 'C:\\Users\\Public\\Storage "dcv"');
  assert.equal(console['permissions-file'], 'C:\\Program Files\\NICE\\DCV\\Server\\conf\\default.perm');
  assert.equal(r.entries.find((e) => e.key === 'owner')?.line, 23);
});

test('a UTF-8 export (no BOM) reads the same', () => {
  const r = loadConfigFile(new TextEncoder().encode(EXPORT), 'dcv-utf8.reg');
  assert.equal(r.format, 'reg');
  assert.deepEqual(errorsAndOddities(r.diagnostics), []);
  assert.equal(r.config.connectivity['web-port'], 8443);
});

test('writing an export and reading it back gives the same configuration', () => {
  const entries = entriesFromSettings({
    connectivity: { 'web-port': 8444, 'web-listen-endpoints': ['0.0.0.0'], 'web-use-hsts': false },
    'session-management/automatic-console-session': {
      owner: 'DOMAIN\\admin "x"',
      'max-concurrent-clients': -1,
    },
    display: { 'max-head-resolution': [3840, 2160] },
    log: { level: 'warn' },
  });
  const bytes = writeRegExportFromEntries(entries);
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe]);
  const text = decodeRegText(bytes);
  assert.ok(text.startsWith('Windows Registry Editor Version 5.00\r\n\r\n'));
  assert.ok(text.includes('"web-port"=dword:000020fc\r\n'));
  assert.ok(text.includes('"web-use-hsts"=dword:00000000\r\n'));
  assert.ok(text.includes('"max-concurrent-clients"=dword:ffffffff\r\n'));
  assert.ok(text.includes('"owner"="DOMAIN\\\\admin \\"x\\""\r\n'));
  assert.ok(text.includes('"level"="warn"\r\n'));
  assert.ok(text.includes(`"max-head-resolution"="(3840, 2160)"`));
  // Registry Editor lists the parent key before its subkey.
  assert.ok(
    text.indexOf(`[${R}\\session-management]`) <
      text.indexOf(`[${R}\\session-management\\automatic-console-session]`),
  );
  const r = loadRegExport(bytes, 'out.reg');
  assert.deepEqual(errorsAndOddities(r.diagnostics), []);
  assert.equal(r.config.connectivity['web-port'], 8444);
  assert.equal(r.config.connectivity['web-use-hsts'], false);
  assert.equal(r.config['session-management/automatic-console-session'].owner, 'DOMAIN\\admin "x"');
  assert.deepEqual(r.config.display['max-head-resolution'], [3840, 2160]);
  assert.equal(r.config.log.level, 'warn');
});

test('registry problems are diagnostics with file and line', () => {
  const text = [
    'Windows Registry Editor Version 5.00',
    `[${R}\\connectivity]`,
    '"web-port"=dword:00000050',
    '"web-use-hsts"=dword:00000002',
    '"idle-timeout"=hex(7):41,00,00,00',
    '"web-url-path"=oops',
    `[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]`,
    '"x"="y"',
    `[${R}\\nosuch]`,
    '"a"="b"',
    `[${R}\\log]`,
    '"level"=dword:00000001',
  ].join('\r\n');
  const r = loadRegExport(utf16leWithBom(text), 'bad.reg');
  assert.equal(r.valid, false);
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), [
    'bad.reg:3: [connectivity] web-port: 80 is out of range (1024-65535)',
    'bad.reg:4: [connectivity] web-use-hsts: dword 2 is not 0 or 1',
    'bad.reg:5: [connectivity] idle-timeout: registry value type 7 is not one DCV uses (REG_SZ or REG_DWORD)',
    `bad.reg:6: [connectivity] web-url-path: 'oops' is not a registry value ("text" or dword:XXXXXXXX)`,
    `bad.reg:7: warning: registry key outside ${R}; ignored`,
    'bad.reg:9: warning: [nosuch] unknown section, ignored',
    'bad.reg:12: [log] level: a REG_DWORD (1) was given where a REG_SZ string is expected',
  ]);
});

test('a file without the Registry Editor header is not taken for an export', () => {
  assert.equal(looksLikeRegExport(new TextEncoder().encode('[connectivity]\nweb-port=8443\n')), false);
  const r = loadRegExport(new TextEncoder().encode('[connectivity]\n'), 'x.reg');
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), [
    "x.reg:1: not a registry export: expected 'Windows Registry Editor Version 5.00'",
  ]);
});

test('REG_SZ strings may carry GVariant quotes; both spellings mean the same string', () => {
  const text = [
    'Windows Registry Editor Version 5.00',
    `[${R}\\security]`,
    `"authentication"="'none'"`,
    `"pam-service-name"="dcv-custom"`,
  ].join('\r\n');
  const r = loadRegExport(utf16leWithBom(text), 'q.reg');
  assert.deepEqual(errorsAndOddities(r.diagnostics), []);
  assert.equal(r.config.security.authentication, 'none');
  assert.equal(r.config.security['pam-service-name'], 'dcv-custom');
});

test('a REG_SZ is taken literally: backslashes stay, quotes written into it are part of the value', () => {
  const text = [
    'Windows Registry Editor Version 5.00',
    '',
    `[${R}\\session-management\\automatic-console-session]`,
    '"permissions-file"="\'C:\\\\Program Files\\\\NICE\\\\DCV\\\\Server\\\\conf\\\\default.perm\'"',
    '"storage-root"="C:\\\\Users\\\\Public"',
    `[${R}\\security]`,
    '"authentication"="\'none\'"',
    '',
  ].join('\r\n');
  const r = loadConfigFile(new TextEncoder().encode(text), 'dcv.reg');
  const c = r.config['session-management/automatic-console-session'];
  assert.equal(c['permissions-file'], "'C:\\Program Files\\NICE\\DCV\\Server\\conf\\default.perm'");
  assert.equal(c['storage-root'], 'C:\\Users\\Public');
  assert.equal(r.config.security.authentication, 'none');
  assert.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.key]),
    [['warning', 'permissions-file']],
  );
  assert.match(r.diagnostics[0]!.message, /taken as it is: the quotes are part of the value/);
});

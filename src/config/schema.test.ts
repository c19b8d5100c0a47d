import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dcvSchema, licenseFileEntries, loadDcvConf, NO_EFFECT, type AnyKeySpec } from './index.js';
import { decodeText, encodeGVariant } from './value-codec.js';

// DCV-REFERENCE.md §2, section by section: the schema must have every key the reference lists.
const REFERENCE: Record<string, string[]> = {
  connectivity: [
    'web-port',
    'quic-port',
    'enable-quic-frontend',
    'web-listen-endpoints',
    'quic-listen-endpoints',
    'web-url-path',
    'web-root',
    'web-use-hsts',
    'web-x-frame-options',
    'web-extra-http-headers',
    'idle-timeout',
    'idle-timeout-warning',
    'ws-keepalive-interval',
    'enable-datagrams-display',
    // DCV 2024 and real files (issue 13).
    'disconnect-on-logout',
  ],
  security: [
    'authentication',
    'pam-service-name',
    'auth-token-verifier',
    'auth-token-verifier-timeout',
    'no-tls-strict',
    'ca-file',
    'ciphers',
    'os-auto-lock',
    'authentication-threshold',
    'auth-connection-setup-timeout',
    'connection-estab-timeout',
    'connection-setup-timeout',
    'max-connections-per-user',
    'allowed-http-host-regex',
    'allowed-ws-origin-regex',
    'enable-gssapi',
    'passwd-file',
    'server-fqdn',
    'service-name',
    'user-realm',
    'supervision-control',
    'certificate-to-user-file',
    'crl-file',
  ],
  'session-management': [
    'create-session',
    'enable-gl-in-virtual-sessions',
    'max-concurrent-clients',
    'max-concurrent-sessions',
    'max-sessions-per-user',
    'virtual-session-xdcv-args',
    'virtual-session-source-profile',
    'virtual-session-default-layout',
    'virtual-session-font-path',
  ],
  'session-management/defaults': ['permissions-file'],
  'session-management/automatic-console-session': [
    'owner',
    'permissions-file',
    'storage-root',
    'max-concurrent-clients',
    'client-eviction-policy',
  ],
  display: [
    'target-fps',
    'grabber-target-fps',
    'max-head-resolution',
    'min-head-resolution',
    'web-client-max-head-resolution',
    'max-num-heads',
    'max-layout-area',
    'enable-client-resize',
    'console-session-default-layout',
    'enable-yuv444-encoding',
    'enable-qu',
    'max-compressor-threads',
    'use-grabber-dirty-region',
    'cuda-devices',
    'display-encoders',
    'enable-console-scaling',
  ],
  'display/linux': ['gl-displays'],
  log: [
    'level',
    'directory',
    'rotate',
    'max-file-size',
    'rotation-interval',
    'rotation-suffix',
    'transfer-audit',
    'enable-image-audit',
  ],
  license: ['license-file'],
  clipboard: [
    'enabled',
    'max-image-area',
    'max-payload-size',
    'max-text-len',
    'primary-selection-copy',
    'primary-selection-paste',
    'update-timeout',
  ],
  input: [
    'enable-autorepeat',
    'enable-gamepad',
    'enable-relative-mouse',
    'enable-stylus',
    'enable-touch',
    'mouse-wheel-sensitivity',
  ],
  audio: ['avsync-support', 'source-channels'],
  printer: ['file-printer-name', 'use-default-printer'],
  redirection: ['enable-timezone-redirection'],
  smartcard: ['enable-cache'],
  webcam: ['max-resolution', 'preferred-resolution'],
  windows: ['disable-display-sleep', 'printer'],
};
const EXTENSIONS = ['session-management virtual-session-init', 'session-management console-session-display'];

function allKeys(): [string, string, AnyKeySpec][] {
  return Object.entries(dcvSchema).flatMap(([s, keys]) =>
    Object.entries(keys).map(([k, spec]) => [s, k, spec as AnyKeySpec] as [string, string, AnyKeySpec]),
  );
}

test('the schema has exactly the reference keys plus the documented extensions', () => {
  const expected = Object.entries(REFERENCE).flatMap(([s, keys]) => keys.map((k) => `${s} ${k}`));
  const actual = allKeys().map(([s, k]) => `${s} ${k}`);
  assert.deepEqual([...actual].sort(), [...expected, ...EXTENSIONS].sort());
  const extensions = allKeys()
    .filter(([, , spec]) => spec.extension === true)
    .map(([s, k]) => `${s} ${k}`);
  assert.deepEqual(extensions.sort(), [...EXTENSIONS].sort());
});

test('every default passes its own validator', () => {
  for (const [s, k, spec] of allKeys()) {
    const r = spec.validator.safeParse(spec.default);
    assert.ok(r.success, `[${s}] ${k}: ${r.success ? '' : r.error.issues[0]?.message}`);
  }
});

test('every default written as GVariant text reads back as the same value', () => {
  for (const [s, k, spec] of allKeys()) {
    const text = encodeGVariant(spec, spec.default);
    const back = decodeText(spec, text);
    assert.ok(back.ok, `[${s}] ${k} = ${text}`);
    assert.deepEqual(back.ok && back.value, spec.default, `[${s}] ${k}`);
  }
});

test('a file setting every key to its default text loads without diagnostics', () => {
  const bySection = new Map<string, string[]>();
  for (const [s, k, spec] of allKeys())
    bySection.set(s, [...(bySection.get(s) ?? []), `${k} = ${encodeGVariant(spec, spec.default)}`]);
  const text = [...bySection].map(([s, lines]) => `[${s}]\n${lines.join('\n')}\n`).join('\n');
  const r = loadDcvConf(text, 'all.conf');
  // The one deprecated key says so, each key opendcv does not act on says that, once; nothing else is reported.
  const expected = allKeys()
    .filter(([, , spec]) => spec.deprecated === true || !spec.acts)
    .map(([s, k, spec]) => [
      'warning',
      s,
      k,
      spec.deprecated ? 'deprecated; DCV no longer uses this key' : NO_EFFECT,
    ]);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.section, d.key, d.message]),
    expected,
  );
  assert.ok(expected.length < allKeys().length);
  assert.equal(r.entries.length, allKeys().length);
});

test('reload contexts and since versions are recorded', () => {
  assert.equal(dcvSchema.connectivity['web-port'].reload, 'server');
  assert.equal(dcvSchema.connectivity['web-port'].since, '2017.0');
  assert.equal(dcvSchema.license['license-file'].reload, 'session');
  assert.equal(dcvSchema.log.level.reload, 'custom');
  assert.equal(dcvSchema.display['cuda-devices'].reload, 'connection');
  assert.equal(dcvSchema.redirection['enable-timezone-redirection'].since, '2022.2');
  assert.deepEqual(dcvSchema.connectivity['web-port'].min, 1024);
  assert.deepEqual(dcvSchema.connectivity['web-port'].max, 65535);
});

test('license-file splits into its :-separated entries', () => {
  assert.deepEqual(licenseFileEntries(''), []);
  assert.deepEqual(licenseFileEntries('/opt/a.lic:5053@licsrv: /opt/b.lic'), [
    '/opt/a.lic',
    '5053@licsrv',
    '/opt/b.lic',
  ]);
});

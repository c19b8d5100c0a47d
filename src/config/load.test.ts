import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultConfig,
  formatDiagnostic,
  loadConfigFile,
  loadDcvConf,
  NO_EFFECT,
  type ConfigDiagnostic,
} from './index.js';

const FILE = '/etc/dcv/dcv.conf';

function errors(ds: readonly ConfigDiagnostic[]): string[] {
  return ds.filter((d) => d.severity === 'error').map(formatDiagnostic);
}
function warnings(ds: readonly ConfigDiagnostic[]): string[] {
  return ds.filter((d) => d.severity === 'warning').map(formatDiagnostic);
}

// The shape of the packaged dcv.conf: banners, property comments and commented-out defaults.
const PACKAGED = `###############################################################################
## DCV configuration file                                                    ##
###############################################################################

[license]
# Property "license-file" specifies the license file or the RLM server.
#license-file = ""

[log]
# Property "level" sets the log verbosity: ERROR, WARNING, INFO, DEBUG.
#level = "INFO"

[session-management]
#create-session = true
#enable-gl-in-virtual-sessions = "default-on"

[session-management/defaults]
#permissions-file = ""

[session-management/automatic-console-session]
#owner = ""
#permissions-file = ""
#max-concurrent-clients = -1
#storage-root = ""

[display]
#target-fps = 30

[connectivity]
#web-port=8444
#web-url-path="/dcv"
#enable-quic-frontend=true
#quic-port=8444
#idle-timeout=120

[security]
#authentication="none"
#pam-service-name="dcv-custom"
#auth-token-verifier="https://127.0.0.1:8444"
`;

test('the packaged dcv.conf (all comments) loads cleanly and gives the defaults', () => {
  const r = loadDcvConf(PACKAGED, FILE);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.config, defaultConfig);
  assert.equal(r.valid, true);
});

test('un-commenting the packaged keys gives typed values', () => {
  const r = loadDcvConf(PACKAGED.replace(/^#(?=[a-z])/gm, ''), FILE);
  assert.deepEqual(errors(r.diagnostics), []);
  // Keys opendcv accepts but does not act on say so, once each.
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.key}: ${d.message}`),
    ['enable-gl-in-virtual-sessions', 'enable-quic-frontend', 'quic-port', 'idle-timeout'].map(
      (k) => `${k}: ${NO_EFFECT}`,
    ),
  );
  assert.equal(r.config['connectivity']['web-port'], 8444);
  assert.equal(r.config['connectivity']['web-url-path'], '/dcv');
  assert.equal(r.config['connectivity']['enable-quic-frontend'], true);
  assert.equal(r.config['session-management']['create-session'], true);
  assert.equal(r.config['session-management/automatic-console-session']['max-concurrent-clients'], -1);
  assert.equal(r.config.log.level, 'info');
  assert.equal(r.config.security.authentication, 'none');
  assert.equal(r.config.security['auth-token-verifier'], 'https://127.0.0.1:8444');
  assert.equal(r.config.display['target-fps'], 30);
});

test('defaults follow the DCV reference and the opendcv extensions', () => {
  const c = defaultConfig;
  assert.equal(c.connectivity['web-port'], 8443);
  assert.deepEqual(c.connectivity['web-listen-endpoints'], ['0.0.0.0', '::']);
  assert.equal(c.security.authentication, 'system');
  assert.equal(c.security['pam-service-name'], 'dcv');
  assert.equal(c['session-management']['create-session'], false);
  assert.equal(c['session-management']['max-concurrent-clients'], -1);
  assert.equal(c['session-management']['virtual-session-init'], '');
  assert.equal(c['session-management']['console-session-display'], ':0');
  assert.deepEqual(c.display['max-head-resolution'], [4096, 2160]);
  assert.deepEqual(c.display['web-client-max-head-resolution'], [1920, 1080]);
  assert.deepEqual(c.display['console-session-default-layout'], []);
  assert.deepEqual(c['display/linux']['gl-displays'], [':0.0']);
  assert.equal(c.log.level, 'info');
  assert.equal(c.license['license-file'], '');
  assert.equal(c.clipboard['max-payload-size'], 20971520);
  assert.deepEqual(c.webcam['max-resolution'], [1280, 720]);
});

test('every value form DCV uses becomes the typed value', () => {
  const text = `[connectivity]
web-port=8444
web-listen-endpoints=['127.0.0.1:8443', '[::1]:8443']
web-extra-http-headers=[("Content-Security-Policy", "frame-ancestors https://portal")]
web-url-path = "/test/foo"
[session-management]
create-session = true
virtual-session-default-layout=[{'w':<800>, 'h':<600>, 'x':<0>, 'y': <0>}, {'w':<800>, 'h':<600>, 'x':<800>, 'y':<0>}]
[session-management/automatic-console-session]
owner="session-owner"
storage-root='%home%/storage/'
max-concurrent-clients = -1
[display]
web-client-max-head-resolution=(0, 0)
cuda-devices=['0', '2']
[license]
license-file = "5053@licsrv:/opt/dcv/license.lic"
`;
  const r = loadDcvConf(text, FILE);
  assert.deepEqual(errors(r.diagnostics), []);
  assert.deepEqual(
    r.diagnostics.map((d) => d.key),
    ['cuda-devices'],
  );
  assert.equal(r.config.connectivity['web-port'], 8444);
  assert.deepEqual(r.config.connectivity['web-listen-endpoints'], ['127.0.0.1:8443', '[::1]:8443']);
  assert.deepEqual(r.config.connectivity['web-extra-http-headers'], [
    ['Content-Security-Policy', 'frame-ancestors https://portal'],
  ]);
  assert.equal(r.config.connectivity['web-url-path'], '/test/foo');
  assert.equal(r.config['session-management']['create-session'], true);
  assert.deepEqual(r.config['session-management']['virtual-session-default-layout'], [
    { w: 800, h: 600, x: 0, y: 0 },
    { w: 800, h: 600, x: 800, y: 0 },
  ]);
  assert.equal(r.config['session-management/automatic-console-session'].owner, 'session-owner');
  assert.equal(r.config['session-management/automatic-console-session']['storage-root'], '%home%/storage/');
  assert.deepEqual(r.config.display['web-client-max-head-resolution'], [0, 0]);
  assert.deepEqual(r.config.display['cuda-devices'], ['0', '2']);
  assert.equal(r.config.license['license-file'], '5053@licsrv:/opt/dcv/license.lic');
});

test('bare strings as real files write them are accepted for string keys', () => {
  const r = loadDcvConf(
    '[security]\nauthentication=none\n[log]\nlevel = info\n[session-management/automatic-console-session]\nowner = ubuntu\n',
    FILE,
  );
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.config.security.authentication, 'none');
  assert.equal(r.config.log.level, 'info');
  assert.equal(r.config['session-management/automatic-console-session'].owner, 'ubuntu');
});

test('a string with an unbalanced quote is an error naming file, line and key, not a bare string', () => {
  for (const text of ['"opendcv', "'opendcv", 'opendcv"', '"opendcv"x']) {
    const r = loadDcvConf(`[connectivity]\nweb-port=8443\n[security]\npam-service-name=${text}\n`, FILE);
    assert.equal(r.valid, false, text);
    assert.equal(r.diagnostics.length, 1, text);
    const d = r.diagnostics[0]!;
    assert.deepEqual(
      [d.severity, d.file, d.line, d.section, d.key],
      ['error', FILE, 4, 'security', 'pam-service-name'],
    );
    assert.match(
      formatDiagnostic(d),
      /dcv\.conf:4: \[security\] pam-service-name: .* is not a quoted string \(.*\); write 'opendcv/,
    );
    // The key keeps its default rather than the broken text.
    assert.equal(r.config.security['pam-service-name'], 'dcv');
  }
  // An enum key the same way; a quote inside a bare word is still part of it.
  assert.equal(loadDcvConf(`[security]\nauthentication="none\n`, FILE).valid, false);
  const inside = loadDcvConf(`[security]\npam-service-name=it's\n`, FILE);
  assert.deepEqual(inside.diagnostics, []);
  assert.equal(inside.config.security['pam-service-name'], "it's");
});

test('log level is case-insensitive and WARNING means warn', () => {
  for (const [text, level] of [
    ['"INFO"', 'info'],
    ['DEBUG', 'debug'],
    ["'WARNING'", 'warn'],
    ['Error', 'error'],
  ] as const) {
    const r = loadDcvConf(`[log]\nlevel = ${text}\n`, FILE);
    assert.deepEqual(r.diagnostics, [], text);
    assert.equal(r.config.log.level, level);
  }
});

test('merged duplicate groups and last-wins keys', () => {
  const r = loadDcvConf(
    '[display]\ntarget-fps = 25\n[connectivity]\nweb-port=8444\n[display]\ntarget-fps = 30\ngrabber-target-fps = 2\n',
    FILE,
  );
  assert.equal(r.config.display['target-fps'], 30);
  assert.equal(r.config.display['grabber-target-fps'], 2);
  assert.equal(r.config.connectivity['web-port'], 8444);
  assert.deepEqual(errors(r.diagnostics), []);
  assert.deepEqual(warnings(r.diagnostics), [
    `${FILE}:6: warning: [display] target-fps: set again; the value on line 2 is overridden`,
    `${FILE}:7: warning: [display] grabber-target-fps: ${NO_EFFECT}`,
  ]);
  assert.equal(r.entries.find((e) => e.key === 'target-fps')?.line, 6);
});

test('an end-of-line comment is not a comment, and the error says so', () => {
  const r = loadDcvConf('[connectivity]\nweb-port=8443 # default\n', FILE);
  assert.deepEqual(errors(r.diagnostics), [
    `${FILE}:2: [connectivity] web-port: 8443 # default is not an integer (comments must be on a line of their own)`,
  ]);
});

test('a syntax error names file and line', () => {
  const r = loadDcvConf('[connectivity]\nweb-port 8443\n', FILE);
  assert.equal(r.valid, false);
  assert.deepEqual(errors(r.diagnostics), [
    `${FILE}:2: [connectivity] 'web-port 8443' is neither a [group] header, a key=value line nor a # comment`,
  ]);
});

test('out-of-range values are errors naming line, section and key', () => {
  const r = loadDcvConf(
    '[connectivity]\n\nweb-port=70000\n[session-management]\nmax-concurrent-clients=-2\n[audio]\nsource-channels=3\n',
    FILE,
  );
  assert.deepEqual(errors(r.diagnostics), [
    `${FILE}:3: [connectivity] web-port: 70000 is out of range (1024-65535)`,
    `${FILE}:5: [session-management] max-concurrent-clients: -2 is below the minimum -1`,
  ]);
  // In a key opendcv does not act on, a bad value is a warning and the default stays.
  assert.deepEqual(warnings(r.diagnostics), [
    `${FILE}:7: warning: [audio] source-channels: 3 is not one of 2, 4, 6, 8; the default stays; ${NO_EFFECT}`,
  ]);
  assert.equal(r.config.audio['source-channels'], 2);
  // A bad value leaves the key at its default.
  assert.equal(r.config.connectivity['web-port'], 8443);
  assert.equal(r.valid, false);
});

test('wrong-type values are errors', () => {
  const text = `[connectivity]
web-port='8443'
web-use-hsts=yes
web-listen-endpoints='0.0.0.0'
[security]
authentication=pam
authentication-threshold=1.5
[display]
console-session-default-layout=[{'w':<800>, 'h':<0>, 'x':<0>, 'y':<0>}]
[session-management]
virtual-session-default-layout=[{'w':<800>, 'h':<600>}]
console-session-display=localhost
`;
  const r = loadDcvConf(text, FILE);
  const es = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    es.map((d) => [d.line, d.section, d.key]),
    [
      [2, 'connectivity', 'web-port'],
      [3, 'connectivity', 'web-use-hsts'],
      [4, 'connectivity', 'web-listen-endpoints'],
      [6, 'security', 'authentication'],
      [7, 'security', 'authentication-threshold'],
      [9, 'display', 'console-session-default-layout'],
      [11, 'session-management', 'virtual-session-default-layout'],
      [12, 'session-management', 'console-session-display'],
    ],
  );
  assert.equal(es[0]!.message, "'8443' is not an integer");
  assert.equal(es[1]!.message, 'yes is not true or false');
  assert.equal(es[2]!.message, "'0.0.0.0' is not a list; write ['0.0.0.0']");
  assert.equal(es[3]!.message, "'pam' is not one of: system, none");
  assert.equal(es[4]!.message, '1.5 is not an integer');
  assert.equal(es[5]!.message, "head 1 'h': 0 is out of range (1-65535)");
  assert.equal(es[6]!.message, "head 1 'x' is missing");
  assert.match(es[7]!.message, /not an X display/);
  // Every key here is one opendcv acts on, so each bad value is an error, none a warning.
  assert.deepEqual(warnings(r.diagnostics), []);
});

test('real-world values that are not GVariant: max-head-resolution = 3840x2160 names line and key', () => {
  // After samples/dcvconf-colareco-freecad-streaming-latest-with-invalid-values.conf (DCV-REFERENCE §1).
  const text = `[session-management]
create-session = true

[session-management/defaults/virtual-session]
width = 1920
height = 1080

[display]
max-head-resolution = 3840x2160
web-client-max-head-resolution=2560, 1440

[display]
use-display-bounds = true

[connectivity]
enable-datagrams-display = always-off
`;
  // DCV runs with this file, so opendcv does too: WxH is read as the pair, and none of these keys stop the server.
  const r = loadDcvConf(text, '/tmp/dcv.conf');
  assert.deepEqual(errors(r.diagnostics), []);
  assert.deepEqual(warnings(r.diagnostics), [
    '/tmp/dcv.conf:4: warning: [session-management/defaults/virtual-session] unknown section, ignored',
    `/tmp/dcv.conf:9: warning: [display] max-head-resolution: read as (3840, 2160)`,
    `/tmp/dcv.conf:10: warning: [display] web-client-max-head-resolution: read as (2560, 1440)`,
    '/tmp/dcv.conf:13: warning: [display] use-display-bounds: unknown key, ignored',
    `/tmp/dcv.conf:16: warning: [connectivity] enable-datagrams-display: ${NO_EFFECT}`,
  ]);
  assert.deepEqual(r.config.display['max-head-resolution'], [3840, 2160]);
  assert.equal(r.config.connectivity['enable-datagrams-display'], 'always-off');
});

test('a bad value in a key opendcv acts on still stops the server; in one it does not, it is a warning', () => {
  const r = loadDcvConf('[display]\ntarget-fps = fast\ngrabber-target-fps = big\n', FILE);
  assert.deepEqual(errors(r.diagnostics), [`${FILE}:2: [display] target-fps: fast is not an integer`]);
  assert.deepEqual(warnings(r.diagnostics), [
    `${FILE}:3: warning: [display] grabber-target-fps: big is not an integer; the default stays; ${NO_EFFECT}`,
  ]);
  assert.equal(r.config.display['grabber-target-fps'], 0);
});

test('unknown keys and sections are warnings, with a hint when the key lives elsewhere', () => {
  const r = loadDcvConf(
    '[security]\nmax-concurrent-clients=4\n[server]\ninitial-session-resolution=1920x1080\n[Connectivity]\nweb-port=1\n[extensions]\nload-policy=all\n',
    FILE,
  );
  assert.equal(r.valid, true);
  assert.deepEqual(warnings(r.diagnostics), [
    `${FILE}:2: warning: [security] max-concurrent-clients: unknown key, ignored (it belongs in [session-management] or [session-management/automatic-console-session])`,
    `${FILE}:3: warning: [server] unknown section, ignored`,
    `${FILE}:5: warning: [Connectivity] unknown section, ignored (did you mean [connectivity]?)`,
    `${FILE}:8: warning: [extensions] load-policy: ${NO_EFFECT} (opendcv does not model [extensions])`,
  ]);
  assert.deepEqual(r.config, defaultConfig);
});

test('unquoted list items are accepted with a warning that shows the GVariant spelling', () => {
  const r = loadDcvConf('[connectivity]\nweb-listen-endpoints=[0.0.0.0, ::]\n', FILE);
  assert.equal(r.valid, true);
  assert.deepEqual(r.config.connectivity['web-listen-endpoints'], ['0.0.0.0', '::']);
  assert.deepEqual(warnings(r.diagnostics), [
    `${FILE}:2: warning: [connectivity] web-listen-endpoints: list items should be quoted: ['0.0.0.0', '::']`,
  ]);
});

test('string checks: URL path, regular expressions, endpoints', () => {
  const r = loadDcvConf(
    "[connectivity]\nweb-url-path=dcv\nweb-listen-endpoints=['0.0.0.0:99999']\n[security]\nallowed-http-host-regex='^(a'\n",
    FILE,
  );
  assert.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.key, d.message]),
    [
      ['error', 'web-url-path', "'dcv' must start with /"],
      ['error', 'web-listen-endpoints', "item 1: port 99999 in '0.0.0.0:99999' is out of range (1-65535)"],
      ['error', 'allowed-http-host-regex', "'^(a' is not a valid regular expression"],
    ],
  );
});

test('the config is deeply frozen', () => {
  const r = loadDcvConf('[display]\nmax-head-resolution=(1920, 1080)\n', FILE);
  assert.ok(Object.isFrozen(r.config));
  assert.ok(Object.isFrozen(r.config.display));
  assert.ok(Object.isFrozen(r.config.display['max-head-resolution']));
  assert.throws(() => {
    (r.config.display as { 'target-fps': number })['target-fps'] = 1;
  }, TypeError);
  assert.ok(Object.isFrozen(defaultConfig.connectivity['web-listen-endpoints']));
});

test('loadConfigFile reads UTF-8 bytes and reports bytes that are not UTF-8', () => {
  const ok = loadConfigFile(new TextEncoder().encode('[log]\nlevel=debug\n'), FILE);
  assert.equal(ok.format, 'dcv.conf');
  assert.equal(ok.config.log.level, 'debug');
  const bad = loadConfigFile(
    Uint8Array.from([...new TextEncoder().encode('[log]\nlevel='), 0xff, 0x0a]),
    FILE,
  );
  assert.equal(bad.valid, false);
  assert.deepEqual(errors(bad.diagnostics)[0], `${FILE}:2: this line is not valid UTF-8`);
});

test('diagnostics come in line order', () => {
  const r = loadDcvConf('[connectivity]\nweb-port=1\nnope\n[x]\n[log]\nlevel=loud\n', FILE);
  const lines = r.diagnostics.map((d) => d.line);
  assert.deepEqual(
    lines,
    [...lines].sort((a, b) => a - b),
  );
  assert.equal(lines.length, 4);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAgentConfig, parseTagFile } from './agent-config.js';
import { loadBrokerConfig, parseProperties } from './broker-config.js';

const FILE = '/etc/dcv-session-manager-broker/session-manager-broker.properties';
const DB =
  'jdbc-connection-url = jdbc:postgresql://db.example:6543/dcvsm\njdbc-user=dcvsm\njdbc-password: s3cret\n';

test('Java properties: separators, comments, continuations, escapes', () => {
  const e = parseProperties(
    '# c\n! c\na=1\nb : two words \nc   three\nd = long\\\n    value\ne=x\\u0041\\ty\n',
  );
  assert.deepEqual(
    e.map(({ key, value, line }) => [key, value, line]),
    [
      ['a', '1', 3],
      ['b', 'two words', 4],
      ['c', 'three', 5],
      ['d', 'longvalue', 6],
      ['e', 'xA\ty', 8],
    ],
  );
});

test("the broker's properties: DCV SM's keys and defaults", () => {
  const r = loadBrokerConfig(
    `${DB}client-to-broker-connector-https-port = 8448\nsession-screenshot-max-width = 800\n`,
    FILE,
  );
  assert.ok(r.ok);
  assert.equal(r.config.clientPort, 8448);
  assert.equal(r.config.agentPort, 8445);
  assert.deepEqual(r.config.db, {
    host: 'db.example',
    port: 6543,
    database: 'dcvsm',
    user: 'dcvsm',
    password: 's3cret',
  });
  assert.equal(r.config.connectTokenMinutes, 60);
  assert.deepEqual(r.warnings, [`${FILE}:5: unknown key 'session-screenshot-max-width' is ignored`]);
});

test('every bad broker line is named with file, line and key', () => {
  const r = loadBrokerConfig(
    'jdbc-connection-url = mysql://x\nagent-to-broker-connector-https-port = 99999\nenable-persistence = false\n' +
      'enable-api-yaml = maybe\nagent-heartbeat-interval-seconds = 10\nagent-heartbeat-timeout-seconds = 5\n',
    FILE,
  );
  assert.ok(!r.ok);
  assert.deepEqual(r.errors, [
    `${FILE}:3: enable-persistence: opendcv keeps all broker state in PostgreSQL: set it to true`,
    `${FILE}:1: jdbc-connection-url: 'mysql://x' is not jdbc:postgresql://HOST:PORT/DATABASE`,
    `${FILE}:2: agent-to-broker-connector-https-port: '99999' is not a whole number from 1 to 65535`,
    `${FILE}:4: enable-api-yaml: 'maybe' is not true or false`,
    `${FILE}:6: agent-heartbeat-timeout-seconds: must be longer than agent-heartbeat-interval-seconds (10)`,
  ]);
  const missing = loadBrokerConfig('', FILE);
  assert.ok(!missing.ok);
  assert.match(missing.errors[0]!, /jdbc-connection-url: is required/);
});

const AGENT = '/etc/dcv-session-manager-agent/agent.conf';
const DEFAULTS = {
  tagsFolder: '/etc/dcv-session-manager-agent/tags',
  initFolder: '/var/lib/dcv-session-manager-agent/init',
};

test("agent.conf: DCV SM's keys; broker_host may list several brokers", () => {
  const r = loadAgentConfig(
    "[agent]\nbroker_host = 'b1.example, 10.0.0.2:9445'\nbroker_port = 8445\nca_file = \"/etc/ca.pem\"\ntls_strict = false # test\n\n[log]\nlevel = 'debug'\n",
    AGENT,
    DEFAULTS,
  );
  assert.ok(r.ok);
  assert.deepEqual(r.config.brokers, [
    { host: 'b1.example', port: 8445 },
    { host: '10.0.0.2', port: 9445 },
  ]);
  assert.equal(r.config.caFile, '/etc/ca.pem');
  assert.equal(r.config.tlsStrict, false);
  assert.equal(r.config.tagsFolder, DEFAULTS.tagsFolder);
  assert.equal(r.config.logLevel, 'debug');
});

test('agent.conf errors name file, line and key', () => {
  const r = loadAgentConfig("[agent]\nbroker_port = '8445'\ntls_strict = yes\nnonsense\n", AGENT, DEFAULTS);
  assert.ok(!r.ok);
  assert.deepEqual(r.errors, [
    `${AGENT}:3: tls_strict: 'yes' is not a quoted string, a number or true/false`,
    `${AGENT}:4: expected 'key = value' or '[section]'`,
    `${AGENT}:2: broker_port: expected a number`,
    `${AGENT}: [agent] broker_host is required (the broker's host name or address)`,
  ]);
});

test('tag files: top-level keys, values as text', () => {
  assert.deepEqual(parseTagFile('os = "linux"\nram_gb = 4\ngpu = false\n', 't.toml'), {
    tags: { os: 'linux', ram_gb: '4', gpu: 'false' },
    errors: [],
  });
  assert.deepEqual(parseTagFile('[x]\na = "b"\n', 't.toml').errors, [
    't.toml:2: tags are top-level keys, not in [x]',
  ]);
});

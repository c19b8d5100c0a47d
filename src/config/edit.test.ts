import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setKeyInText } from './edit.js';
import { loadDcvConf } from './load.js';

const FILE = `# opendcv configuration
[connectivity]
web-port=8443
# keep this comment

[security]
authentication = "system"
[log]
level='info'
[security]
auth-token-verifier="https://verifier"
`;

test('the winning assignment is rewritten in place, keeping its spacing; nothing else changes', () => {
  const out = setKeyInText(FILE, 'security', 'authentication', "'none'");
  assert.equal(out, FILE.replace('authentication = "system"', "authentication = 'none'"));
  assert.equal(loadDcvConf(out, 'x').config.security.authentication, 'none');
});

test('a key set twice: the later (winning) line changes', () => {
  const twice = '[log]\nlevel=debug\nlevel=warn\n';
  assert.equal(setKeyInText(twice, 'log', 'level', "'info'"), "[log]\nlevel=debug\nlevel='info'\n");
});

test('a new key joins the last block of its group, before the blank lines that follow', () => {
  const out = setKeyInText(FILE, 'connectivity', 'web-url-path', "'/dcv'");
  assert.equal(out, FILE.replace('# keep this comment\n', "# keep this comment\nweb-url-path='/dcv'\n"));
  const repeated = setKeyInText(FILE, 'security', 'no-tls-strict', 'true');
  assert.equal(repeated, FILE + 'no-tls-strict=true\n');
  assert.equal(loadDcvConf(repeated, 'x').config.security['no-tls-strict'], true);
});

test('a new group goes to the end after a blank line; an empty or missing file gets just the group', () => {
  assert.equal(setKeyInText(FILE, 'display', 'target-fps', '30'), `${FILE}\n[display]\ntarget-fps=30\n`);
  assert.equal(setKeyInText('', 'display', 'target-fps', '30'), '[display]\ntarget-fps=30\n');
  assert.equal(setKeyInText('[log]\nlevel=info', 'log', 'level', "'debug'"), "[log]\nlevel='debug'");
});

test('CRLF files stay CRLF; a key in another group of the same name elsewhere is not touched', () => {
  const crlf = '[log]\r\nlevel=info\r\n[display]\r\nlevel=x\r\n';
  assert.equal(setKeyInText(crlf, 'log', 'level', "'warn'"), "[log]\r\nlevel='warn'\r\n[display]\r\nlevel=x\r\n");
});

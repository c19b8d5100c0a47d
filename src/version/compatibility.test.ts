import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientCompatibility, licenseServesServer } from './compatibility.js';

test('a 2017+ server refuses clients before 2017.0 and says so with both versions', () => {
  const v = clientCompatibility('2026.0.0', '2016.2');
  assert.equal(v.ok, false);
  assert.match(v.explanation, /^client 2016\.2 is older than 2017\.0, the oldest this server \(2026\.0\.0\) accepts/);
  assert.equal(clientCompatibility('2017.0', '2016.9.99').ok, false);
  assert.equal(clientCompatibility('2017', '2016').ok, false);
});

test('clients from 2017.0 on are accepted, older or newer than the server', () => {
  assert.equal(clientCompatibility('2026.0.0', '2017.0').ok, true);
  assert.equal(clientCompatibility('2026.0.0', '2017').ok, true);
  assert.equal(clientCompatibility('2017.0.0', '2017.0.0').ok, true);
  assert.equal(clientCompatibility('2026.0.0', '2026.0.0').ok, true);
  assert.equal(clientCompatibility('2026.0.0', '2030.1.2').ok, true);
  assert.match(clientCompatibility('2026.0.0', '2023.1').explanation, /2023\.1.*2026\.0\.0/);
});

test('servers before 2017 are outside the rule and accept any client', () => {
  assert.equal(clientCompatibility('2016.2', '2016.0').ok, true);
});

test('a license serves servers of its own year or earlier (backward compatible)', () => {
  assert.equal(licenseServesServer(2027, '2026.0.0').ok, true);
  assert.equal(licenseServesServer(2026, '2026.0.0').ok, true);
  assert.equal(licenseServesServer(2026, '2026.9.9').ok, true, 'minor and patch releases need no new license');
  assert.equal(licenseServesServer(2021, '2019.1').ok, true);
});

test('a server refuses a license older than its year and says what to request', () => {
  const v = licenseServesServer(2025, '2026.0.0');
  assert.equal(v.ok, false);
  assert.match(v.explanation, /2025 license does not serve server 2026\.0\.0/);
  assert.match(v.explanation, /request a 2026 or later license/);
  assert.equal(licenseServesServer(2026, '2027.0.0').ok, false);
});

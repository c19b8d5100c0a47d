import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPaths, type HostPaths } from '../host-paths.js';
import { webCryptoEd25519 } from '../license/ed25519.js';
import { formatPublicKeyFile } from '../license/issuer-key.js';
import { generateIssuerKey, issueLicense } from '../license/license-issue.js';
import type { LicenseTerms } from '../license/license-file.js';
import { admitSession, evaluateLicense, evaluationFile, licenseRefusal } from './license-gate.js';

const crypto = webCryptoEd25519();
const issuer = await generateIssuerKey('test-issuer', crypto);
const stranger = await generateIssuerKey('stranger', crypto);
const NOW = new Date('2026-06-01T10:00:00Z');
const opts = { hostname: 'render01' };
const terms: LicenseTerms = {
  licensee: 'Example Corp',
  product: 'dcv',
  version: 2026,
  issued: '2026-01-01',
  expires: '2026-12-31',
  maxSessions: 2,
  host: null,
};

async function root(t: { after(fn: () => Promise<void>): void }): Promise<HostPaths> {
  const dir = await mkdtemp(join(tmpdir(), 'opendcv-gate-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const paths = hostPaths(dir);
  await mkdir(join(paths.etcDir, 'license-issuers'), { recursive: true });
  await writeFile(join(paths.etcDir, 'license-issuers', 'test-issuer.pub'), formatPublicKeyFile(issuer));
  return paths;
}

async function install(paths: HostPaths, name: string, text: string): Promise<string> {
  const file = join(paths.etcDir, name);
  await writeFile(file, text);
  return file;
}

test('no license: a 30-day evaluation starts and is recorded at the first start', async (t) => {
  const paths = await root(t);
  const s = await evaluateLicense(paths, '', '2026.0.0', NOW, opts);
  assert.equal(s.usable, true);
  assert.equal(s.mode, 'evaluation');
  assert.equal(s.maxSessions, null);
  assert.equal(s.expires?.toISOString(), '2026-07-01T10:00:00.000Z');
  assert.match(s.reason, /30 days left/);
  assert.deepEqual(JSON.parse(await readFile(evaluationFile(paths), 'utf8')), { firstStart: NOW.toISOString() });

  // Later starts count from the recorded first start, not from their own.
  const later = await evaluateLicense(paths, '', '2026.0.0', new Date('2026-06-21T10:00:00Z'), opts);
  assert.equal(later.expires?.toISOString(), '2026-07-01T10:00:00.000Z');
  assert.match(later.reason, /10 days left/);
});

test('dcv commands look without starting the evaluation', async (t) => {
  const paths = await root(t);
  const s = await evaluateLicense(paths, '', '2026.0.0', NOW, { ...opts, recordEvaluation: false });
  assert.equal(s.mode, 'evaluation');
  assert.match(s.reason, /begins at the first start/);
  await assert.rejects(access(evaluationFile(paths)));
});

test('past 30 days (recorded first start moved back) the evaluation is over and refused', async (t) => {
  const paths = await root(t);
  await evaluateLicense(paths, '', '2026.0.0', NOW, opts);
  const firstStart = new Date(NOW.getTime() - 30 * 86_400_000 - 1000);
  await writeFile(evaluationFile(paths), JSON.stringify({ firstStart: firstStart.toISOString() }));
  const s = await evaluateLicense(paths, '', '2026.0.0', NOW, opts);
  assert.equal(s.usable, false);
  assert.equal(s.mode, 'refused');
  assert.equal(s.code, 'LICENSE_EVALUATION_OVER');
  assert.match(s.reason, /evaluation .* ended .*install a license of version 2026 or later/);
  assert.equal(licenseRefusal(s)?.code, 'LICENSE_EVALUATION_OVER');
});

test('a damaged evaluation record is refused, not treated as a fresh start', async (t) => {
  const paths = await root(t);
  await mkdir(paths.stateDir, { recursive: true });
  await writeFile(evaluationFile(paths), '{"firstStart": "yesterday-ish"');
  const s = await evaluateLicense(paths, '', '2026.0.0', NOW, opts);
  assert.equal(s.usable, false);
  assert.match(s.reason, /damaged/);
});

test('a current license serves, up to its max-sessions', async (t) => {
  const paths = await root(t);
  const file = await install(paths, 'license.lic', await issueLicense(terms, issuer, crypto));
  const s = await evaluateLicense(paths, file, '2026.0.0', NOW, opts);
  assert.equal(s.usable, true, s.reason);
  assert.equal(s.mode, 'licensed');
  assert.equal(s.maxSessions, 2);
  assert.equal(s.expires?.toISOString(), '2027-01-01T00:00:00.000Z');
  assert.equal(s.license?.licensee, 'Example Corp');
  assert.match(s.reason, /Licensed to Example Corp/);
  assert.equal(admitSession(s, 1), null);
  const full = admitSession(s, 2);
  assert.equal(full?.code, 'LICENSE_SESSION_LIMIT');
  assert.match(full?.message ?? '', /allows 2 concurrent sessions and 2 are running/);
  await assert.rejects(access(evaluationFile(paths)), 'a licensed server starts no evaluation');
});

test('a license one year too old is refused and the reason names both versions and what to request', async (t) => {
  const paths = await root(t);
  const file = await install(paths, 'license.lic', await issueLicense({ ...terms, version: 2025, issued: '2025-01-01' }, issuer, crypto));
  const s = await evaluateLicense(paths, file, '2026.0.0', NOW, opts);
  assert.equal(s.usable, false);
  assert.equal(s.code, 'LICENSE_TOO_OLD');
  assert.equal(s.maxSessions, 0);
  assert.match(s.reason, /version 2025 but opendcv 2026\.0\.0 needs version 2026 or later; request a 2026 or later license/);
  assert.match(s.reason, new RegExp(file.replace(/[.]/g, '\\.')));
  // ... while a 2027 license serves this 2026 server.
  const newer = await install(paths, 'newer.lic', await issueLicense({ ...terms, version: 2027 }, issuer, crypto));
  assert.equal((await evaluateLicense(paths, newer, '2026.0.0', NOW, opts)).usable, true);
});

test('an expired license is refused', async (t) => {
  const paths = await root(t);
  const file = await install(paths, 'license.lic', await issueLicense({ ...terms, expires: '2026-05-31' }, issuer, crypto));
  const s = await evaluateLicense(paths, file, '2026.0.0', NOW, opts);
  assert.equal(s.code, 'LICENSE_EXPIRED');
  assert.match(s.reason, /expired at the end of 2026-05-31.*request a renewed license of version 2026/);
});

test('a tampered license, or one from an untrusted issuer, fails its signature', async (t) => {
  const paths = await root(t);
  const good = await issueLicense(terms, issuer, crypto);
  const tampered = await install(paths, 'tampered.lic', good.replace('max-sessions: 2', 'max-sessions: 200'));
  const s = await evaluateLicense(paths, tampered, '2026.0.0', NOW, opts);
  assert.equal(s.code, 'LICENSE_SIGNATURE');
  assert.match(s.reason, /altered/);
  const foreign = await install(paths, 'foreign.lic', await issueLicense(terms, stranger, crypto));
  const f = await evaluateLicense(paths, foreign, '2026.0.0', NOW, opts);
  assert.equal(f.code, 'LICENSE_SIGNATURE');
  assert.match(f.reason, /issuer 'stranger'.*does not trust/);
});

test('a license for another host is refused naming this host', async (t) => {
  const paths = await root(t);
  const file = await install(paths, 'license.lic', await issueLicense({ ...terms, host: 'render02' }, issuer, crypto));
  const s = await evaluateLicense(paths, file, '2026.0.0', NOW, opts);
  assert.equal(s.code, 'LICENSE_HOST');
  assert.match(s.reason, /bound to host 'render02' but this host is 'render01'/);
});

test('license-file is a :-separated list; the first usable file wins; host paths map under DCV_ROOT', async (t) => {
  const paths = await root(t);
  await install(paths, 'good.lic', await issueLicense(terms, issuer, crypto));
  const s = await evaluateLicense(paths, '/etc/dcv/missing.lic: /etc/dcv/good.lic', '2026.0.0', NOW, opts);
  assert.equal(s.usable, true, s.reason);
  assert.deepEqual(s.files.map((f) => f.verdict.ok), [false, true]);
  assert.equal(s.files[0]!.verdict.ok ? '' : s.files[0]!.verdict.code, 'LICENSE_NOT_FOUND');
  assert.equal(s.files[1]!.path, join(paths.etcDir, 'good.lic'));

  const none = await evaluateLicense(paths, 'missing.lic:5053@rlm.example.com', '2026.0.0', NOW, opts);
  assert.equal(none.usable, false);
  // The entry that was found (here: an unsupported license server) leads; the missing file is still named.
  assert.equal(none.code, 'LICENSE_INVALID');
  assert.match(none.reason, /PORT@HOST\) are not supported.*missing\.lic: does not exist/);
  const onlyMissing = await evaluateLicense(paths, 'missing.lic', '2026.0.0', NOW, opts);
  assert.equal(onlyMissing.code, 'LICENSE_NOT_FOUND');
});

test('with license-file empty, /etc/dcv/license.lic is used when present', async (t) => {
  const paths = await root(t);
  await install(paths, 'license.lic', await issueLicense({ ...terms, version: 2025, issued: '2025-01-01' }, issuer, crypto));
  const s = await evaluateLicense(paths, '', '2026.0.0', NOW, opts);
  assert.equal(s.mode, 'refused');
  assert.equal(s.code, 'LICENSE_TOO_OLD');
});

test('a malformed issuer key is a warning, not a failure of the other issuers', async (t) => {
  const paths = await root(t);
  await writeFile(join(paths.etcDir, 'license-issuers', 'broken.pub'), 'ed25519 nonsense\n');
  const file = await install(paths, 'license.lic', await issueLicense(terms, issuer, crypto));
  const s = await evaluateLicense(paths, file, '2026.0.0', NOW, opts);
  assert.equal(s.usable, true);
  assert.equal(s.warnings.length, 1);
  assert.match(s.warnings[0]!, /broken\.pub/);
});

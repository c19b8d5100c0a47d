import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DcvError, type ErrorCode } from '../errors.js';
import { webCryptoEd25519 } from './ed25519.js';
import {
  formatPrivateKeyFile,
  formatPublicKeyFile,
  parsePrivateKeyFile,
  parsePublicKeyFile,
  type IssuerPrivateKey,
} from './issuer-key.js';
import { generateIssuerKey, issueLicense, issuerKeyFromPkcs8 } from './license-issue.js';
import { parseLicense, type LicenseTerms } from './license-file.js';
import { readLicense } from './license-verify.js';
import { checkLicense, daysLeft } from './license-rules.js';

const crypto = webCryptoEd25519();
const issuerA = await generateIssuerKey('issuer-a', crypto);
const issuerB = await generateIssuerKey('issuer-b', crypto);

const terms: LicenseTerms = {
  licensee: 'Example Corp, Render Farm',
  product: 'dcv',
  version: 2026,
  issued: '2026-01-15',
  expires: '2027-01-14',
  maxSessions: 10,
  host: null,
};

function refusedWith(code: ErrorCode, pattern: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DcvError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  };
}

const goodText = await issueLicense(terms, issuerA, crypto);

test('an issued license reads back with its terms, and comments, CRLF and field order do not matter', async () => {
  const lic = await readLicense(goodText, [issuerA], crypto);
  assert.equal(lic.licensee, 'Example Corp, Render Farm');
  assert.equal(lic.version, 2026);
  assert.equal(lic.maxSessions, 10);
  assert.equal(lic.host, null);
  assert.equal(lic.issuer, 'issuer-a');
  assert.equal(lic.keyId, issuerA.keyId);
  assert.equal(lic.expiresAt?.toISOString(), '2027-01-15T00:00:00.000Z');

  const lines = goodText.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const shuffled = ['# my note', ...lines.reverse(), '', '# end'].join('\r\n');
  const again = await readLicense(shuffled, [issuerA], crypto);
  assert.equal(again.signedText, lic.signedText);
});

test('permanent, unlimited and host-bound licenses', async () => {
  const text = await issueLicense({ ...terms, expires: 'permanent', maxSessions: null, host: 'render01.example.com' }, issuerA, crypto);
  const lic = await readLicense(text, [issuerA], crypto);
  assert.equal(lic.expiresAt, null);
  assert.equal(lic.maxSessions, null);
  assert.equal(lic.host, 'render01.example.com');
  assert.match(text, /^expires: permanent$/m);
  assert.match(text, /^max-sessions: unlimited$/m);
});

test('a truncated file is refused as incomplete, wherever it was cut', async () => {
  const sigAt = goodText.indexOf('signature: ');
  for (const cut of [sigAt, sigAt + 30, goodText.length - 5, goodText.indexOf('max-sessions')]) {
    await assert.rejects(readLicense(goodText.slice(0, cut), [issuerA], crypto), refusedWith('LICENSE_INVALID', /truncated/), `cut at ${cut}`);
  }
  await assert.rejects(readLicense('', [issuerA], crypto), refusedWith('LICENSE_INVALID', /no license fields/));
});

test('one changed byte in a field breaks the signature', async () => {
  const edits: Array<[string, string]> = [
    ['max-sessions: 10', 'max-sessions: 90'],
    ['version: 2026', 'version: 2027'],
    ['expires: 2027-01-14', 'expires: 2027-01-19'],
    ['Example Corp', 'Example Corq'],
  ];
  for (const [from, to] of edits) {
    const tampered = goodText.replace(from, to);
    assert.notEqual(tampered, goodText);
    await assert.rejects(readLicense(tampered, [issuerA], crypto), refusedWith('LICENSE_SIGNATURE', /altered/), to);
  }
  // A flipped bit in the signature itself.
  const sig = /^signature: (.*)$/m.exec(goodText)![1]!;
  const flipped = (sig[10] === 'A' ? 'B' : 'A');
  const badSig = goodText.replace(sig, sig.slice(0, 10) + flipped + sig.slice(11));
  await assert.rejects(readLicense(badSig, [issuerA], crypto), refusedWith('LICENSE_SIGNATURE', /altered/));
});

test('a license from an issuer the server does not trust is refused, naming the issuer', async () => {
  const fromB = await issueLicense(terms, issuerB, crypto);
  await assert.rejects(readLicense(fromB, [issuerA], crypto), refusedWith('LICENSE_SIGNATURE', /issuer 'issuer-b'.*does not trust/));
  // B signs but claims A's key id: the trusted key does not verify it.
  const forger: IssuerPrivateKey = { ...issuerA, privateKeyPkcs8: issuerB.privateKeyPkcs8 };
  const forged = await issueLicense(terms, forger, crypto);
  await assert.rejects(readLicense(forged, [issuerA], crypto), refusedWith('LICENSE_SIGNATURE', /does not match/));
  // Trusting both is fine.
  assert.equal((await readLicense(fromB, [issuerA, issuerB], crypto)).issuer, 'issuer-b');
});

test('unknown, repeated, empty or malformed fields are refused', () => {
  const cases: Array<[string, RegExp]> = [
    [goodText.replace('product: dcv', 'product: dcv\nseats: 500'), /line \d+: unknown field 'seats'/],
    [goodText.replace('product: dcv', 'product: dcv\nproduct: dcv'), /appears twice/],
    [goodText.replace('licensee: Example Corp, Render Farm', 'licensee:'), /'licensee' is empty/],
    [goodText.replace('product: dcv', 'this line has no colon'), /not 'field: value'/],
    [goodText.replace('version: 2026', 'version: 2026.1'), /not a year/],
    [goodText.replace('max-sessions: 10', 'max-sessions: 0'), /max-sessions '0'/],
    [goodText.replace('max-sessions: 10', 'max-sessions: -3'), /max-sessions '-3'/],
    [goodText.replace('format: opendcv-license-1', 'format: opendcv-license-2'), /this opendcv reads only that format/],
  ];
  for (const [text, pattern] of cases) assert.throws(() => parseLicense(text), refusedWith('LICENSE_INVALID', pattern), String(pattern));
});

test('bad and impossible dates are refused', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['expires: 2027-01-14', 'expires: 2027-02-30', /expires '2027-02-30' is not a date/],
    ['expires: 2027-01-14', 'expires: 2027-1-14', /not a date/],
    ['expires: 2027-01-14', 'expires: never', /not a date YYYY-MM-DD or 'permanent'/],
    ['issued: 2026-01-15', 'issued: 2026-13-01', /issued '2026-13-01'/],
    ['expires: 2027-01-14', 'expires: 2025-12-31', /before issued/],
  ];
  for (const [from, to, pattern] of cases) {
    assert.throws(() => parseLicense(goodText.replace(from, to)), refusedWith('LICENSE_INVALID', pattern), to);
  }
  assert.equal(parseLicense(goodText.replace('issued: 2026-01-15', 'issued: 2024-02-29')).issued, '2024-02-29');
  assert.throws(() => parseLicense(goodText.replace('issued: 2026-01-15', 'issued: 2025-02-29')), refusedWith('LICENSE_INVALID', /not a date/));
});

test('issuing refuses terms the reader would refuse', async () => {
  await assert.rejects(issueLicense({ ...terms, expires: '2025-01-01' }, issuerA, crypto), refusedWith('LICENSE_INVALID', /before issued/));
  await assert.rejects(issueLicense({ ...terms, licensee: 'a\nb' }, issuerA, crypto), refusedWith('LICENSE_INVALID', /control/));
  await assert.rejects(issueLicense({ ...terms, host: 'not a host' }, issuerA, crypto), refusedWith('LICENSE_INVALID', /not a hostname/));
});

test('issuer key files round-trip, and a .key alone yields the same key id', async () => {
  const pub = parsePublicKeyFile(formatPublicKeyFile(issuerA), 'a.pub');
  assert.equal(pub.keyId, issuerA.keyId);
  assert.deepEqual(pub.publicKey, issuerA.publicKey);
  const pkcs8 = parsePrivateKeyFile(formatPrivateKeyFile(issuerA), 'a.key');
  const again = await issuerKeyFromPkcs8('issuer-a', pkcs8, crypto);
  assert.equal(again.keyId, issuerA.keyId);
  assert.throws(() => parsePublicKeyFile('ed25519 AAAA issuer-a\n', 'x.pub'), refusedWith('ISSUER_KEY_INVALID', /x\.pub/));
  assert.throws(() => parsePrivateKeyFile('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'x.key'), refusedWith('ISSUER_KEY_INVALID', /Ed25519/));
  assert.ok(!formatPublicKeyFile(issuerA).includes('PRIVATE'));
});

test('backward compatible: a 2027 license serves a 2026 server; a 2026 server refuses a 2025 license', async () => {
  const ctx = { now: new Date('2026-06-01T12:00:00Z'), hostname: 'render01' };
  const v2027 = await readLicense(await issueLicense({ ...terms, version: 2027 }, issuerA, crypto), [issuerA], crypto);
  assert.equal(checkLicense(v2027, { ...ctx, serverVersion: '2026.0.0' }).ok, true);
  const v2025 = await readLicense(await issueLicense({ ...terms, version: 2025, issued: '2025-03-01' }, issuerA, crypto), [issuerA], crypto);
  const refused = checkLicense(v2025, { ...ctx, serverVersion: '2026.0.0' });
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok && refused.code === 'LICENSE_TOO_OLD');
  assert.match(!refused.ok ? refused.reason : '', /version 2025 but opendcv 2026\.0\.0 needs version 2026 or later; request a 2026 or later license/);
  const v2026 = await readLicense(goodText, [issuerA], crypto);
  assert.equal(checkLicense(v2026, { ...ctx, serverVersion: '2026.3.7' }).ok, true);
  assert.equal(checkLicense(v2026, { ...ctx, serverVersion: '2027.0.0' }).ok, false);
});

test('expiry is through the whole expiry day (UTC); host binding ignores case and a trailing dot', async () => {
  const lic = await readLicense(goodText, [issuerA], crypto);
  const at = (iso: string) => checkLicense(lic, { serverVersion: '2026.0.0', now: new Date(iso), hostname: 'h' });
  assert.equal(at('2027-01-14T23:59:59Z').ok, true);
  const expired = at('2027-01-15T00:00:00Z');
  assert.ok(!expired.ok && expired.code === 'LICENSE_EXPIRED' && /expired at the end of 2027-01-14/.test(expired.reason));
  assert.equal(daysLeft(lic, new Date('2027-01-14T12:00:00Z')), 1);
  assert.equal(daysLeft(lic, new Date('2028-01-01T00:00:00Z')), 0);

  const bound = await readLicense(await issueLicense({ ...terms, host: 'Render01.example.com.' }, issuerA, crypto), [issuerA], crypto);
  const ctx = { serverVersion: '2026.0.0', now: new Date('2026-06-01T00:00:00Z') };
  assert.equal(checkLicense(bound, { ...ctx, hostname: 'render01.EXAMPLE.com' }).ok, true);
  const other = checkLicense(bound, { ...ctx, hostname: 'render02.example.com' });
  assert.ok(!other.ok && other.code === 'LICENSE_HOST' && /request a version 2026 license for host 'render02\.example\.com'/.test(other.reason));
});

test('a license for another product is refused', async () => {
  const gl = await readLicense(await issueLicense({ ...terms, product: 'dcv-gl' }, issuerA, crypto), [issuerA], crypto);
  const v = checkLicense(gl, { serverVersion: '2026.0.0', now: new Date('2026-06-01T00:00:00Z'), hostname: 'h' });
  assert.ok(!v.ok && v.code === 'LICENSE_INVALID' && /product 'dcv-gl'/.test(v.reason));
});

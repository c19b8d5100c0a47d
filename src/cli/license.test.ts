import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcvError, type ErrorCode } from '../errors.js';
import { hostPaths, type HostPaths } from '../host-paths.js';
import { evaluationFile } from '../server/license-gate.js';
import type { CliIo } from './command.js';
import { licenseCommands } from './license.js';
import { main } from './main.js';

interface Captured extends CliIo {
  stdout: string;
  stderr: string;
}

async function setup(t: { after(fn: () => Promise<void>): void }): Promise<{ io: Captured; paths: HostPaths; work: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'opendcv-cli-license-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const paths = hostPaths(join(dir, 'root'));
  const work = join(dir, 'issuer');
  await mkdir(paths.etcDir, { recursive: true });
  await mkdir(work, { recursive: true });
  const io: Captured = {
    stdout: '',
    stderr: '',
    out(text) {
      io.stdout += text;
    },
    err(text) {
      io.stderr += text;
    },
    env: {},
    paths,
    cwd: work,
  };
  return { io, paths, work };
}

const dcv = (io: Captured, ...argv: string[]): Promise<number> => main(argv, io, licenseCommands);

function refused(code: ErrorCode, ...patterns: RegExp[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DcvError, String(e));
    assert.equal(e.code, code, e.message);
    assert.notEqual(e.exitStatus, 0);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

/** An issuer key made with `dcv license keygen`, trusted by the host, and a license it issued, installed via dcv.conf. */
async function licensedHost(io: Captured, paths: HostPaths, version: string, extra: string[] = []): Promise<void> {
  assert.equal(await dcv(io, 'license', 'keygen', '--out-dir', 'keys', '--name', 'acme-issuer'), 0);
  await mkdir(join(paths.etcDir, 'license-issuers'), { recursive: true });
  await copyFile(join(io.cwd, 'keys', 'acme-issuer.pub'), join(paths.etcDir, 'license-issuers', 'acme-issuer.pub'));
  const code = await dcv(
    io, 'license', 'issue', '--key', 'keys/acme-issuer.key', '--licensee', 'Acme Rendering', '--version', version,
    '--expires', 'permanent', '--max-sessions', '5', '-o', join(paths.etcDir, 'license.lic'), ...extra,
  );
  assert.equal(code, 0);
  await writeFile(paths.configFile, '[license]\nlicense-file = "/etc/dcv/license.lic"\n');
}

test('keygen writes a private key only its owner can read and never prints it', async (t) => {
  const { io, work } = await setup(t);
  assert.equal(await dcv(io, 'license', 'keygen', '--out-dir', 'keys', '--name', 'acme-issuer'), 0);
  const key = await readFile(join(work, 'keys', 'acme-issuer.key'), 'utf8');
  assert.match(key, /BEGIN PRIVATE KEY/);
  assert.equal((await stat(join(work, 'keys', 'acme-issuer.key'))).mode & 0o777, 0o600);
  assert.match(await readFile(join(work, 'keys', 'acme-issuer.pub'), 'utf8'), /^ed25519 \S+ acme-issuer$/m);
  const body = key.split('\n').find((l) => l.length > 40 && !l.startsWith('#'))!;
  assert.ok(!io.stdout.includes(body) && !io.stdout.includes('PRIVATE KEY-----'));
  assert.match(io.stdout, /license-issuers/);
  await assert.rejects(dcv(io, 'license', 'keygen', '--out-dir', 'keys', '--name', 'acme-issuer'), refused('USAGE', /already exists/));
});

test('license check --for-version 2027.0.0 with a 2026 license exits non-zero naming both versions', async (t) => {
  const { io, paths } = await setup(t);
  await licensedHost(io, paths, '2026');
  io.stdout = '';
  assert.equal(await dcv(io, 'license', 'check'), 0, 'it serves this 2026.0.0 server');
  assert.match(io.stdout, /serves opendcv 2026\.0\.0/);
  await assert.rejects(
    dcv(io, 'license', 'check', '--for-version', '2027.0.0'),
    refused('LICENSE_TOO_OLD', /version 2026/, /opendcv 2027\.0\.0 needs version 2027 or later/, /request a 2027 or later license/, /^[^\n]*$/),
  );
  assert.equal(await dcv(io, 'license', 'check', '--for-version', '2025.2.1'), 0, 'backward compatible');
  await assert.rejects(dcv(io, 'license', 'check', '--for-version', 'next'), refused('VERSION_INVALID', /'next'/));
});

test('license show tells what is installed, what it allows and whether it serves this server', async (t) => {
  const { io, paths } = await setup(t);
  await licensedHost(io, paths, '2027');
  io.stdout = '';
  assert.equal(await dcv(io, 'license', 'show'), 0);
  assert.match(io.stdout, /Mode: licensed/);
  assert.match(io.stdout, /Licensee: +Acme Rendering/);
  assert.match(io.stdout, /Version: +2027 \(serves opendcv 2027 and earlier\)/);
  assert.match(io.stdout, /up to 5 concurrent sessions, on any host/);
  assert.match(io.stdout, /Days left: +unlimited \(permanent\)/);
  assert.match(io.stdout, /This server: +serves opendcv 2026\.0\.0/);

  io.stdout = '';
  assert.equal(await dcv(io, 'license', 'show', '--json'), 0);
  const j = JSON.parse(io.stdout) as { mode: string; files: Array<{ license: { version: number; 'max-sessions': number } }> };
  assert.equal(j.mode, 'licensed');
  assert.equal(j.files[0]!.license.version, 2027);
  assert.equal(j.files[0]!.license['max-sessions'], 5);
});

test('a tampered or too-old license shows as refused and check says why', async (t) => {
  const { io, paths } = await setup(t);
  await licensedHost(io, paths, '2026');
  const file = join(paths.etcDir, 'license.lic');
  await writeFile(file, (await readFile(file, 'utf8')).replace('max-sessions: 5', 'max-sessions: 50'));
  io.stdout = '';
  assert.equal(await dcv(io, 'license', 'show'), 0);
  assert.match(io.stdout, /Mode: refused \(LICENSE_SIGNATURE\)/);
  await assert.rejects(dcv(io, 'license', 'check'), refused('LICENSE_SIGNATURE', /altered/));

  await dcv(io, 'license', 'issue', '--key', 'keys/acme-issuer.key', '--licensee', 'Acme', '--version', '2025',
    '--issued', '2025-01-10', '--expires', 'permanent', '--max-sessions', 'unlimited', '-o', 'old.lic');
  await assert.rejects(dcv(io, 'license', 'check', '--file', 'old.lic'), refused('LICENSE_TOO_OLD', /version 2025 but opendcv 2026\.0\.0/));
});

test('with no license, show reports the evaluation without starting it', async (t) => {
  const { io, paths } = await setup(t);
  assert.equal(await dcv(io, 'license', 'show'), 0);
  assert.match(io.stdout, /Mode: evaluation/);
  assert.match(io.stdout, /30 days left/);
  assert.match(io.stdout, /install a license of version 2026 or later/);
  assert.equal(await dcv(io, 'license', 'check', '--for-version', '2027.0.0'), 0, 'the evaluation serves any version');
  await assert.rejects(access(evaluationFile(paths)));
});

test('issue refuses missing and malformed options, and will not overwrite without --force', async (t) => {
  const { io, paths } = await setup(t);
  await licensedHost(io, paths, '2026');
  const base = ['license', 'issue', '--key', 'keys/acme-issuer.key', '--licensee', 'A', '--expires', 'permanent', '--max-sessions', '1'];
  await assert.rejects(dcv(io, ...base, '--version', '2026'), refused('USAGE', /--output is required/));
  await assert.rejects(dcv(io, ...base, '--version', '2026.0.0', '-o', 'x.lic'), refused('USAGE', /license year/));
  await assert.rejects(dcv(io, ...base, '--version', '2026', '--expires', '31/12/2026', '-o', 'x.lic'), refused('USAGE', /--expires/));
  await assert.rejects(dcv(io, ...base, '--version', '2026', '--bogus', '-o', 'x.lic'), refused('USAGE'));
  await assert.rejects(dcv(io, ...base, '--version', '2026', '--key', 'nope.key', '-o', 'x.lic'), refused('ISSUER_KEY_INVALID', /nope\.key/));
  const lic = join(paths.etcDir, 'license.lic');
  await assert.rejects(dcv(io, ...base, '--version', '2026', '-o', lic), refused('USAGE', /already exists/));
  assert.equal(await dcv(io, ...base, '--version', '2026', '-o', lic, '--force'), 0);
});

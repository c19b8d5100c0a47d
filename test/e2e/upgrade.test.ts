// `dcv upgrade` end to end (issue 6): two real releases built from this tree by scripts/release.mjs, installed
// into temporary DCV_ROOTs and upgraded with real servers, sessions and SIGKILLs. The releases are built once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { APPLY_STEPS } from '../../src/upgrade/journal.js';
import { DCV, makeDcvRoot, REPO, removeDcvRoot } from './harness.js';

const OLD = '2026.0.0';
const NEW = '2027.0.0';
/** A release whose dcvserver exits at start: the upgrade must roll itself back. */
const BROKEN = '2027.1.0';

// Comments and layout are part of what must survive byte for byte, not just the keys.
const CONF = `# opendcv upgrade test: this file must come through every upgrade byte for byte
[session-management]
virtual-session-default-layout=[{'w':<640>, 'h':<480>, 'x':<0>, 'y':<0>}]

[log]
level='info'
`;

interface Run {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

function node(root: string, file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const env = { PATH: process.env['PATH'], DCV_ROOT: root, LANG: 'C.UTF-8', ...extraEnv };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args],
      { env, cwd: REPO, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, signal: error?.signal ?? null, stdout, stderr });
      },
    );
  });
}

/** The installed `dcv` (root/usr/bin/dcv → current release), as an administrator runs it. */
const dcvAt = (root: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Run> =>
  node(root, join(root, 'usr/bin/dcv'), args, env);
const dcvserverAt = (root: string, args: string[]): Promise<Run> =>
  node(root, join(root, 'usr/bin/dcvserver'), args);

interface StatusJson {
  journal: { status: string; step: string; failure: string | null; backup: string | null } | null;
  current: { version: string } | null;
  server: { pid: number; version: string | null } | null;
  installed: string[];
  backups: { dir: string }[];
}

async function status(root: string): Promise<StatusJson> {
  const r = await node(root, DCV, ['upgrade', 'status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

const conf = (root: string): string => readFileSync(join(root, 'etc/dcv/dcv.conf'), 'utf8');
/** dcv.conf as each test host began (the harness adds the host's own web port to CONF). */
const original = new Map<string, string>();

/** The host is back at `version`: installed `dcv`, `current` and the running server all say so; dcv.conf untouched. */
async function assertRunning(root: string, version: string, why: string): Promise<void> {
  const s = await status(root);
  assert.equal(s.current?.version, version, `${why}: current release`);
  assert.equal(s.server?.version, version, `${why}: running server`);
  assert.equal((await dcvAt(root, ['version'])).stdout, `opendcv ${version}\n`, `${why}: installed dcv`);
  assert.equal(conf(root), original.get(root), `${why}: dcv.conf byte for byte`);
}

async function installFirst(root: string, tgz: string): Promise<void> {
  const r = await node(root, DCV, ['upgrade', 'apply', '--yes', tgz]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(readlinkSync(join(root, 'usr/bin/dcv')), join(root, 'opt/dcv/current/bin/dcv'));
  const up = await dcvserverAt(root, ['start']);
  assert.equal(up.code, 0, up.stderr);
}

describe('dcv upgrade', () => {
  let rel: string;
  const tgz = (v: string): string => join(rel, `opendcv-${v}.tgz`);

  before(() => {
    rel = mkdtempSync('/tmp/opendcv-releases-');
    const build = (args: string[], env: NodeJS.ProcessEnv = {}): void => {
      execFileSync(process.execPath, [join(REPO, 'scripts/release.mjs'), ...args], {
        env: { ...process.env, ...env },
        stdio: 'pipe',
      });
    };
    build(['--out', rel], { OPENDCV_VERSION: OLD });
    build(['--out', rel], { OPENDCV_VERSION: NEW });
    // The broken release: the new one, renumbered, with a dcvserver that exits at start; re-manifested and packed.
    const work = join(rel, 'work');
    mkdirSync(work);
    execFileSync('tar', ['-xzf', tgz(NEW), '-C', work]);
    const dir = join(work, `opendcv-${BROKEN}`);
    renameSync(join(work, `opendcv-${NEW}`), dir);
    const current = join(dir, 'dist/src/version/current.js');
    writeFileSync(current, readFileSync(current, 'utf8').replace(`'${NEW}'`, `'${BROKEN}'`));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version: BROKEN }));
    writeFileSync(
      join(dir, 'bin/dcvserver'),
      "#!/usr/bin/env node\nprocess.stderr.write('dcvserver: broken test build, exiting at start\\n');\nprocess.exit(1);\n",
      { mode: 0o755 },
    );
    build(['--pack', dir, '--out', rel]);
    rmSync(work, { recursive: true, force: true });
  });

  after(() => rmSync(rel, { recursive: true, force: true }));

  test('release archives: manifest with version and sha256 of every file; the version stamped into the built code', () => {
    const listing = execFileSync('tar', ['-tzf', tgz(NEW)], { encoding: 'utf8' });
    for (const f of [
      'bin/dcv',
      'bin/dcvserver',
      'dist/src/cli/main.js',
      'dist/web/index.html',
      'share/opendcv-default-init',
      'package.json',
      'node_modules/ws/package.json',
      'opendcv-release.json',
    ]) {
      assert.ok(listing.includes(`opendcv-${NEW}/${f}\n`), f);
    }
    assert.ok(/build\/Release\/[^/\n]+\.node\n/.test(listing), 'the native addon');
    // Our own dist/, not a dependency's (pg-protocol ships its tests in its dist/).
    assert.ok(!new RegExp(`^opendcv-${NEW}/dist/.*\\.test\\.js`, 'm').test(listing), 'no test files');
    assert.ok(!listing.includes('node_modules/typescript/'), 'no dev dependencies');
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', tgz(NEW), `opendcv-${NEW}/opendcv-release.json`], { encoding: 'utf8' }),
    ) as {
      version: string;
      files: { path: string; sha256: string }[];
    };
    assert.equal(manifest.version, NEW);
    assert.ok(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256)));
    assert.equal(
      manifest.files.length,
      listing.split('\n').filter((l) => l !== '' && !l.endsWith('/')).length - 1,
    );
  });

  describe('on one host', () => {
    let root: string;
    before(async () => {
      root = makeDcvRoot(CONF);
      original.set(root, conf(root));
      await installFirst(root, tgz(OLD));
      await assertRunning(root, OLD, 'first install');
    });
    after(async () => {
      await dcvserverAt(root, ['stop']);
      removeDcvRoot(root);
    });

    test('a rollback never leaves the host without a release: a first install is kept, an early-killed apply undone as itself', async () => {
      const tls = ['etc/dcv/dcv.pem', 'etc/dcv/dcv.key'].map((f) => join(root, f));
      const refused = await dcvAt(root, ['upgrade', 'rollback', '--yes']);
      assert.equal(refused.code, 10, refused.stderr);
      assert.match(refused.stderr, /^The last upgrade installed opendcv 2026\.0\.0 on a host that had no release; .*--uninstall/);
      await assertRunning(root, OLD, 'after the refused rollback');
      // Killed right after the apply journaled itself, before its preflight unpacked anything.
      const killed = await dcvAt(root, ['upgrade', 'apply', '--yes', tgz(NEW)], { OPENDCV_UPGRADE_KILL_AT: 'journaled' });
      assert.equal(killed.signal, 'SIGKILL', `${killed.stdout}\n${killed.stderr}`);
      const journal = (await status(root)).journal;
      assert.equal(journal?.status, 'in-progress');
      assert.equal(journal?.step, 'preflight');
      const undone = await dcvAt(root, ['upgrade', 'rollback', '--yes']);
      assert.equal(undone.code, 0, `${undone.stdout}\n${undone.stderr}`);
      assert.match(undone.stdout, /interrupted before it changed anything; nothing to undo \(opendcv 2026\.0\.0 stays\)/);
      await assertRunning(root, OLD, 'after undoing the early-killed apply');
      for (const f of tls) assert.ok(existsSync(f), `${f} is still there`);
      assert.equal((await status(root)).journal?.status, 'completed', 'the first install’s journal is back');
      assert.equal((await dcvAt(root, ['upgrade', 'rollback', '--yes'])).code, 10, 'and still refused');
    });

    test('refused while a session runs; with --close-sessions it upgrades, config byte-identical, smoke session gone', async () => {
      const created = await dcvAt(root, ['create-session', '--type', 'virtual', 'desk']);
      assert.equal(created.code, 0, created.stderr);

      const plan = await dcvAt(root, ['upgrade', 'plan', tgz(NEW)]);
      assert.equal(plan.code, 10, plan.stderr);
      assert.match(plan.stdout, /BLOCKED sessions: .*'desk' \(owner root\).*--close-sessions/);
      assert.match(plan.stdout, /ok +license: /);
      assert.match(plan.stdout, /ok +configuration: opendcv 2027\.0\.0's own `dcv config check` accepts/);

      const refused = await dcvAt(root, ['upgrade', 'apply', '--yes', tgz(NEW)]);
      assert.equal(refused.code, 10, refused.stderr);
      assert.match(refused.stderr, /refused before anything changed:\n  sessions: .*'desk'/);
      assert.match((await dcvAt(root, ['list-sessions'])).stdout, /Session: 'desk'/);
      assert.equal((await status(root)).journal?.status, 'completed', 'still the first install’s journal');
      await assertRunning(root, OLD, 'after the refusal');

      const noTty = await dcvAt(root, ['upgrade', 'apply', '--close-sessions', tgz(NEW)]);
      assert.equal(noTty.code, 10);
      assert.match(noTty.stderr, /add --yes/);

      const backupsBefore = readdirSync(join(root, 'var/lib/dcv/backups')).length;
      const done = await dcvAt(root, ['upgrade', 'apply', '--yes', '--close-sessions', tgz(NEW)]);
      assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
      assert.match(done.stdout, /closed session 'desk' \(owner root\)/);
      assert.match(done.stdout, /byte-identical: all \d+ files match the backup/);
      const smoke = /session '(upgrade-smoke-\d+)' showed a frame after \d+ ms and was closed/.exec(
        done.stdout,
      );
      assert.ok(smoke, done.stdout);
      await assertRunning(root, NEW, 'after the upgrade');
      assert.equal((await dcvAt(root, ['list-sessions'])).stdout, 'There are no sessions available.\n');
      const serverLog = readFileSync(join(root, 'var/log/dcv/server.log'), 'utf8');
      assert.match(serverLog, new RegExp(`Session '${smoke[1]}' created`));
      // The frame came over the viewer protocol, as a person's viewer would get it.
      assert.match(serverLog, new RegExp(`Client \\d+ \\(user: root\\) connected to session '${smoke[1]}'`));
      assert.match(serverLog, new RegExp(`Session '${smoke[1]}' closed`));

      const s = await status(root);
      assert.equal(s.journal?.status, 'completed');
      assert.deepEqual(s.installed, [OLD, NEW]);
      assert.equal(s.backups.length, backupsBefore + 1);
      const manifest = JSON.parse(readFileSync(join(s.journal!.backup!, 'backup-manifest.json'), 'utf8')) as {
        files: { path: string }[];
      };
      assert.ok(manifest.files.some((f) => f.path === join(root, 'etc/dcv/dcv.conf')));
      assert.equal(
        readFileSync(join(s.journal!.backup!, 'files/etc/dcv/dcv.conf'), 'utf8'),
        original.get(root),
      );
      assert.match(
        readFileSync(join(root, 'var/log/dcv/upgrade.log'), 'utf8'),
        /Upgraded opendcv 2026\.0\.0 -> 2027\.0\.0/,
      );

      const back = await dcvAt(root, ['upgrade', 'rollback', '--yes']);
      assert.equal(back.code, 0, back.stderr);
      await assertRunning(root, OLD, 'after rollback');
      assert.equal(
        (await dcvAt(root, ['upgrade', 'rollback', '--yes'])).code,
        10,
        'nothing more to roll back',
      );
    });

    test('a target whose server cannot start is rolled back automatically', async () => {
      const r = await dcvAt(root, ['upgrade', 'apply', '--yes', tgz(BROKEN)]);
      assert.equal(r.code, 11, `${r.stdout}\n${r.stderr}`);
      assert.match(
        r.stderr,
        /Upgrade to 2027\.1\.0 failed at step start: dcvserver 2027\.1\.0 did not start: dcvserver: broken test build, exiting at start/,
      );
      assert.match(r.stderr, /Rolled back: opendcv 2026\.0\.0 runs with the configuration from /);
      await assertRunning(root, OLD, 'after the automatic rollback');
      const s = await status(root);
      assert.equal(s.journal?.status, 'rolled-back');
      assert.match(s.journal?.failure ?? '', /^start: /);
    });

    test('SIGKILL at every step, then apply again or rollback: a running server, dcv.conf byte for byte', async () => {
      // Killed right after journaling each step (before it acts), and once right after `current` was switched.
      // Even kills are undone with rollback, odd ones resumed with apply (then rolled back for the next round).
      const points = APPLY_STEPS.flatMap((s) => (s === 'install' ? [s, `${s}+`] : [s]));
      for (const [i, point] of points.entries()) {
        const killed = await dcvAt(root, ['upgrade', 'apply', '--yes', tgz(NEW)], {
          OPENDCV_UPGRADE_KILL_AT: point,
        });
        assert.equal(killed.signal, 'SIGKILL', `${point}: ${killed.stdout}\n${killed.stderr}`);
        assert.equal(conf(root), original.get(root), `${point}: dcv.conf right after the kill`);
        const journal = (await status(root)).journal;
        assert.equal(journal?.status, 'in-progress', point);
        assert.equal(journal?.step, point.replace('+', ''), point);
        // Whatever the kill left, the installed `dcv` (old or new, as `current` says) recovers.
        if (i % 2 === 0) {
          const r = await dcvAt(root, ['upgrade', 'rollback', '--yes']);
          assert.equal(r.code, 0, `${point}: rollback\n${r.stdout}\n${r.stderr}`);
          await assertRunning(root, OLD, `${point}: rolled back`);
        } else {
          const r = await dcvAt(root, ['upgrade', 'apply', '--yes', tgz(NEW)]);
          assert.equal(r.code, 0, `${point}: apply again\n${r.stdout}\n${r.stderr}`);
          assert.match(r.stdout, /resuming the upgrade interrupted at step/);
          await assertRunning(root, NEW, `${point}: resumed`);
          const back = await dcvAt(root, ['upgrade', 'rollback', '--yes']);
          assert.equal(back.code, 0, `${point}: rollback after resume\n${back.stderr}`);
          await assertRunning(root, OLD, `${point}: rolled back after resume`);
        }
        assert.equal(
          (await dcvAt(root, ['list-sessions'])).stdout,
          'There are no sessions available.\n',
          `${point}: no smoke session left`,
        );
      }
    });

    test('a license too old for the target stops plan and apply before anything changes', async () => {
      const keys = join(root, 'issuer');
      assert.equal(
        (await node(root, DCV, ['license', 'keygen', '--out-dir', keys, '--name', 'upgrade-test'])).code,
        0,
      );
      mkdirSync(join(root, 'etc/dcv/license-issuers'));
      copyFileSync(join(keys, 'upgrade-test.pub'), join(root, 'etc/dcv/license-issuers/upgrade-test.pub'));
      const issued = await node(root, DCV, [
        'license',
        'issue',
        '--key',
        join(keys, 'upgrade-test.key'),
        '--licensee',
        'Upgrade Test',
        '--version',
        '2026',
        '--expires',
        'permanent',
        '--max-sessions',
        'unlimited',
        '-o',
        join(root, 'etc/dcv/license.lic'),
      ]);
      assert.equal(issued.code, 0, issued.stderr);
      writeFileSync(
        join(root, 'etc/dcv/dcv.conf'),
        `${original.get(root)!}\n[license]\nlicense-file='/etc/dcv/license.lic'\n`,
      );
      assert.equal(
        (await dcvAt(root, ['license', 'check'])).code,
        0,
        'the 2026 license serves the running 2026 server',
      );
      const confBefore = readFileSync(join(root, 'etc/dcv/dcv.conf'));
      const before = await status(root);
      assert.equal(before.server?.version, OLD);

      const plan = await dcvAt(root, ['upgrade', 'plan', tgz(NEW)]);
      assert.equal(plan.code, 8, plan.stdout);
      assert.match(plan.stdout, /BLOCKED license: .*version 2026.*2027/);
      assert.match(
        plan.stderr,
        /license: .*the license is version 2026 but opendcv 2027\.0\.0 needs version 2027 or later; request a 2027 or later license/,
      );

      const apply = await dcvAt(root, ['upgrade', 'apply', '--yes', '--close-sessions', tgz(NEW)]);
      assert.equal(apply.code, 8, apply.stdout);
      assert.match(apply.stderr, /refused before anything changed:\n  license: .*2026.*2027/);
      const afterwards = await status(root);
      assert.deepEqual(afterwards.server, before.server, 'the same server process still runs');
      assert.deepEqual(afterwards.journal, before.journal, 'no new journal');
      assert.deepEqual(afterwards.current, before.current);
      assert.equal(afterwards.backups.length, before.backups.length, 'no backup taken');
      assert.ok(!existsSync(join(root, 'opt/dcv/releases/.staging')), 'no staging left behind');
      assert.deepEqual(readFileSync(join(root, 'etc/dcv/dcv.conf')), confBefore);
    });
  });
});

// Licensing end to end: real dcvserver instances in temporary DCV_ROOTs, licenses made with the real
// `dcv license keygen|issue`, and what an administrator sees from `dcv` and in server.log when they serve
// or are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { errorCatalogue, type ErrorCode } from '../../src/errors.js';
import { SERVER_VERSION } from '../../src/version/current.js';
import { dcv, dcvserver, makeDcvRoot, removeDcvRoot, waitFor, writeInit, type RunResult } from './harness.js';

const YEAR = Number(SERVER_VERSION.split('.')[0]);
const DAY_MS = 86_400_000;

const LAYOUT = `[session-management]
virtual-session-default-layout=[{'w':<320>, 'h':<240>, 'x':<0>, 'y':<0>}]
`;

/** A TCP port nobody listens on now, so servers of this and other test files do not meet on 8443. */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** A UTC calendar date `days` from today, as license files write dates. */
function day(days: number): string {
  return isoDate(new Date(Date.now() + days * DAY_MS));
}

function conf(licenseFile: string | null, port: number): string {
  const web = `[connectivity]\nweb-port=${port}\nweb-listen-endpoints=['127.0.0.1']\n\n`;
  return licenseFile === null
    ? `${web}${LAYOUT}`
    : `${web}[license]\nlicense-file="${licenseFile}"\n\n${LAYOUT}`;
}

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
  return r;
}

/** A refusal as the CLI reports it: one line on stderr, nothing on stdout, the catalogued exit status. */
function assertRefused(r: RunResult, code: ErrorCode): string {
  assert.notEqual(r.code, 0, `expected a refusal, got exit 0\n${r.stdout}`);
  assert.equal(r.code, errorCatalogue[code].exitStatus, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^[^\n]+\n$/, 'one line on stderr');
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r.stderr.trim();
}

function serverLog(root: string): string {
  const file = join(root, 'var/log/dcv/server.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** The log is written through a stream, so a line may land a moment after the reply. */
async function assertLogged(root: string, text: string): Promise<void> {
  await waitFor(
    `server.log to contain: ${text}`,
    () => (serverLog(root).includes(text) ? true : undefined),
    2_000,
  ).catch(() => {
    assert.fail(`server.log does not contain:\n  ${text}\nlog:\n${serverLog(root)}`);
  });
}

/** The X servers (Xvnc) whose authority file lies in this root (other tests' servers are not ours). */
function xvfbIn(root: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `^Xvnc .*-auth ${root}/`], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

async function startServer(root: string): Promise<void> {
  ok(await dcvserver(root, ['start']), 'dcvserver start');
}

async function closeAllSessions(root: string): Promise<void> {
  const listed = await dcv(root, ['list-sessions', '--json']);
  if (listed.code !== 0) return;
  for (const s of JSON.parse(listed.stdout) as { id: string }[]) await dcv(root, ['close-session', s.id]);
}

/** Closes what is left, stops the server and checks that no X server of this root survives. */
async function stopServer(root: string): Promise<void> {
  await closeAllSessions(root);
  await dcvserver(root, ['stop']);
  assert.notEqual((await dcvserver(root, ['status'])).code, 0, 'the server is stopped');
  assert.deepEqual(xvfbIn(root), [], 'no X server left running');
}

interface Terms {
  readonly version: number;
  readonly issued: string;
  readonly expires: string;
  readonly maxSessions: number | 'unlimited';
}

/**
 * The issuer's side: one key pair made with `dcv license keygen` in its own temporary root, and licenses
 * signed with `dcv license issue`. Servers trust it by its .pub in <root>/etc/dcv/license-issuers/.
 */
class Issuer {
  readonly root = makeDcvRoot('');
  readonly dir = join(this.root, 'issuer');
  /** Every server root made for this issuer, for `after` to stop and remove. */
  readonly serverRoots: string[] = [];
  private count = 0;

  async keygen(): Promise<void> {
    const r = ok(
      await dcv(this.root, ['license', 'keygen', '--out-dir', this.dir, '--name', 'acme']),
      'keygen',
    );
    assert.match(r.stdout, /Created issuer 'acme'/);
  }

  async issue(t: Terms): Promise<string> {
    const out = join(this.dir, `license-${++this.count}.lic`);
    const args = ['license', 'issue', '--key', join(this.dir, 'acme.key'), '--licensee', 'Acme Test Corp'];
    args.push('--version', String(t.version), '--issued', t.issued, '--expires', t.expires);
    args.push('--max-sessions', String(t.maxSessions), '-o', out);
    ok(await dcv(this.root, args), 'license issue');
    return out;
  }

  /** A server root that trusts this issuer, with `licenseText` installed as /etc/dcv/license.lic. */
  async serverRoot(licenseText: string | null): Promise<string> {
    const root = makeDcvRoot(conf(licenseText === null ? null : '/etc/dcv/license.lic', await unusedPort()));
    this.serverRoots.push(root);
    mkdirSync(join(root, 'etc/dcv/license-issuers'));
    copyFileSync(join(this.dir, 'acme.pub'), join(root, 'etc/dcv/license-issuers/acme.pub'));
    if (licenseText !== null) writeFileSync(join(root, 'etc/dcv/license.lic'), licenseText);
    return root;
  }

  remove(): void {
    removeDcvRoot(this.root);
  }
}

/** A root with a server started on `license`, reporting itself up even though it refuses sessions. */
async function refusingServer(issuer: Issuer, license: string): Promise<string> {
  const root = await issuer.serverRoot(license);
  await startServer(root);
  ok(await dcvserver(root, ['status']), 'dcvserver status');
  const list = ok(await dcv(root, ['list-sessions']), 'list-sessions');
  assert.equal(list.stdout, 'There are no sessions available.\n');
  return root;
}

// One scenario at a time, as the e2e files run one at a time: the machine may have two cores.
describe('dcvserver licensing', () => {
  const issuer = new Issuer();

  before(async () => {
    await issuer.keygen();
  });

  after(async () => {
    const stopped = await Promise.allSettled(
      issuer.serverRoots.map((root) => stopServer(root).finally(() => removeDcvRoot(root))),
    );
    issuer.remove();
    for (const s of stopped) if (s.status === 'rejected') throw s.reason;
  });

  describe(`a current ${YEAR} license with max-sessions 2`, () => {
    let root: string;
    let init: string;

    before(async () => {
      const lic = await issuer.issue({ version: YEAR, issued: day(-30), expires: day(365), maxSessions: 2 });
      root = await issuer.serverRoot(readFileSync(lic, 'utf8'));
      init = writeInit(root, 'sleep-init', 'exec sleep 600');
      await startServer(root);
    });

    let limitRefusal: string | undefined;

    test('two sessions start; the third is refused with one line', async () => {
      try {
        ok(await dcv(root, ['create-session', '--init', init, 'lic-1']), 'first session');
        ok(await dcv(root, ['create-session', '--init', init, 'lic-2']), 'second session');
        const third = await dcv(root, ['create-session', '--init', init, 'lic-3']);
        const message = assertRefused(third, 'LICENSE_SESSION_LIMIT');
        assert.match(message, /allows 2 concurrent sessions and 2 are running/);
        assert.match(
          message,
          /close one \(dcv close-session\) or request a license with a larger max-sessions/,
        );
        const listed = JSON.parse(ok(await dcv(root, ['list-sessions', '--json']), 'list').stdout) as {
          id: string;
        }[];
        assert.deepEqual(listed.map((s) => s.id).sort(), ['lic-1', 'lic-2']);
        assert.equal(xvfbIn(root).length, 2, 'the refused session started no X server');
        limitRefusal = message;
      } finally {
        await closeAllSessions(root);
      }
    });

    // The refusal the user saw must be in server.log too, as every other refusal is.
    test('the session-limit refusal is in server.log', async () => {
      assert.ok(limitRefusal !== undefined, 'the refusal above happened');
      await assertLogged(root, limitRefusal);
    });

    test('closing a session makes room for another', async () => {
      try {
        ok(await dcv(root, ['create-session', '--init', init, 'room-1']), 'first session');
        ok(await dcv(root, ['create-session', '--init', init, 'room-2']), 'second session');
        ok(await dcv(root, ['close-session', 'room-1']), 'close');
        ok(await dcv(root, ['create-session', '--init', init, 'room-3']), 'a session after closing one');
      } finally {
        await closeAllSessions(root);
      }
    });

    // SessionTable.create admits on sessions.size before it counts the ones still starting.
    test('three sessions asked for at once: exactly two start', async () => {
      const results = await Promise.all(
        ['at-1', 'at-2', 'at-3'].map((id) => dcv(root, ['create-session', '--init', init, id])),
      );
      const started = results.filter((r) => r.code === 0).length;
      const sessions = JSON.parse(ok(await dcv(root, ['list-sessions', '--json']), 'list').stdout) as {
        id: string;
      }[];
      await closeAllSessions(root);
      const why = results.map((r) => `${r.code}: ${r.stderr.trim()}`).join(' | ');
      assert.equal(sessions.length, 2, `sessions running: ${sessions.map((s) => s.id).join(', ')}; ${why}`);
      assert.equal(started, 2);
      for (const r of results.filter((x) => x.code !== 0)) assertRefused(r, 'LICENSE_SESSION_LIMIT');
    });

    test('`dcv license show` and `check` report the license', async () => {
      const show = ok(await dcv(root, ['license', 'show']), 'show').stdout;
      assert.match(show, /^Mode: licensed$/m);
      assert.match(show, /Licensee: +Acme Test Corp/);
      assert.match(show, /up to 2 concurrent sessions/);
      assert.match(show, new RegExp(`This server: +serves opendcv ${SERVER_VERSION.replace(/\./g, '\\.')}`));
      ok(await dcv(root, ['license', 'check']), 'check');
    });

    test(`\`dcv license check --for-version ${YEAR + 1}.0.0\` says the upgrade needs a ${YEAR + 1} license`, async () => {
      const r = await dcv(root, ['license', 'check', '--for-version', `${YEAR + 1}.0.0`]);
      const message = assertRefused(r, 'LICENSE_TOO_OLD');
      assert.match(
        message,
        new RegExp(
          `license is version ${YEAR} but opendcv ${YEAR + 1}\\.0\\.0 needs version ${YEAR + 1} or later`,
        ),
      );
      assert.match(message, new RegExp(`request a ${YEAR + 1} or later license from issuer 'acme'`));
      // Checking never touches what the server runs with.
      ok(await dcv(root, ['license', 'check']), 'check for this server');
    });
  });

  test(`a license one year too old (${YEAR - 1}): the server is up, sessions are refused naming both versions`, async () => {
    const lic = await issuer.issue({
      version: YEAR - 1,
      issued: day(-30),
      expires: day(365),
      maxSessions: 'unlimited',
    });
    const root = await refusingServer(issuer, readFileSync(lic, 'utf8'));

    const message = assertRefused(await dcv(root, ['create-session', 'old-1']), 'LICENSE_TOO_OLD');
    assert.match(
      message,
      new RegExp(
        `license is version ${YEAR - 1} but opendcv ${SERVER_VERSION.replace(/\./g, '\\.')} needs version ${YEAR} or later`,
      ),
    );
    assert.match(message, new RegExp(`request a ${YEAR} or later license from issuer 'acme'`));
    assert.deepEqual(xvfbIn(root), []);
    await assertLogged(root, message);

    const show = ok(await dcv(root, ['license', 'show']), 'show').stdout;
    assert.match(show, /^Mode: refused \(LICENSE_TOO_OLD\)$/m);
    assert.ok(show.includes(message), `show repeats the refusal:\n${show}`);
    assert.match(show, /REFUSED \(LICENSE_TOO_OLD\)/);
    assertRefused(await dcv(root, ['license', 'check']), 'LICENSE_TOO_OLD');
  });

  test('an expired license: sessions are refused, saying it expired and when', async () => {
    const expired = day(-1);
    const lic = await issuer.issue({ version: YEAR, issued: day(-60), expires: expired, maxSessions: 2 });
    const root = await refusingServer(issuer, readFileSync(lic, 'utf8'));

    const message = assertRefused(await dcv(root, ['create-session', 'exp-1']), 'LICENSE_EXPIRED');
    assert.match(message, new RegExp(`expired at the end of ${expired} \\(UTC\\)`));
    assert.match(
      message,
      new RegExp(`request a renewed license of version ${YEAR} or later from issuer 'acme'`),
    );
    await assertLogged(root, message);
    assert.match(
      ok(await dcv(root, ['license', 'show']), 'show').stdout,
      /^Mode: refused \(LICENSE_EXPIRED\)$/m,
    );

    // Installing the renewal is enough: the server reads the license afresh for each new session.
    const renewed = await issuer.issue({ version: YEAR, issued: day(0), expires: day(365), maxSessions: 2 });
    writeFileSync(join(root, 'etc/dcv/license.lic'), readFileSync(renewed));
    const init = writeInit(root, 'sleep-init', 'exec sleep 600');
    ok(
      await dcv(root, ['create-session', '--init', init, 'exp-2']),
      'a session once the renewal is installed',
    );
    await assertLogged(root, `Licensed to Acme Test Corp by ${join(root, 'etc/dcv/license.lic')}`);
    ok(await dcv(root, ['close-session', 'exp-2']), 'close');
    // `dcv reload-licenses` reads them now and says what the server has; refused licenses exit non-zero.
    const reloaded = ok(await dcv(root, ['reload-licenses']), 'reload-licenses');
    assert.match(reloaded.stdout, /^Licensed to Acme Test Corp by .*\n$/);
    writeFileSync(join(root, 'etc/dcv/license.lic'), readFileSync(lic));
    const refused = await dcv(root, ['reload-licenses']);
    assert.equal(refused.code, 8);
    assert.match(refused.stdout, new RegExp(`expired at the end of ${expired}`));
  });

  test('a tampered license (max-sessions 2 edited to 3): refused for its signature', async () => {
    const lic = await issuer.issue({ version: YEAR, issued: day(-30), expires: day(365), maxSessions: 2 });
    const bytes = readFileSync(lic);
    const at = bytes.indexOf('max-sessions: 2\n') + 'max-sessions: '.length;
    assert.ok(at > 'max-sessions: '.length);
    bytes[at] = bytes[at]! ^ 0x01; // '2' -> '3'
    const text = bytes.toString('utf8');
    assert.match(text, /^max-sessions: 3$/m);
    const root = await refusingServer(issuer, text);

    const message = assertRefused(await dcv(root, ['create-session', 'tam-1']), 'LICENSE_SIGNATURE');
    assert.match(message, /signature does not match its fields: the file was altered after it was issued/);
    assert.match(message, /request a new copy from issuer 'acme'/);
    await assertLogged(root, message);
    assert.match(
      ok(await dcv(root, ['license', 'show']), 'show').stdout,
      /^Mode: refused \(LICENSE_SIGNATURE\)$/m,
    );
  });

  test('no license: sessions work inside the evaluation and are refused once its 30 days are over', async () => {
    const root = await issuer.serverRoot(null);
    const init = writeInit(root, 'sleep-init', 'exec sleep 600');
    const record = join(root, 'var/lib/dcv/evaluation.json');
    // Looking does not start the clock.
    assert.match(
      ok(await dcv(root, ['license', 'show']), 'show').stdout,
      /begins at the first start of dcvserver/,
    );
    assert.equal(existsSync(record), false);

    await startServer(root);
    const first = new Date((JSON.parse(readFileSync(record, 'utf8')) as { firstStart: string }).firstStart);
    assert.ok(
      first.getTime() <= Date.now() && first.getTime() > Date.now() - DAY_MS,
      `first start recorded: ${first.toISOString()}`,
    );
    ok(await dcv(root, ['create-session', '--init', init, 'eval-1']), 'a session during the evaluation');
    const show = ok(await dcv(root, ['license', 'show']), 'show').stdout;
    assert.match(show, /^Mode: evaluation$/m);
    assert.match(show, new RegExp(`30-day evaluation \\(began ${isoDate(first)}\\), 30 days left`));
    ok(await dcv(root, ['license', 'check']), 'check during the evaluation');
    await stopServer(root);

    // The first start was 31 days ago, as far as the record says.
    const began = new Date(Date.now() - 31 * DAY_MS);
    writeFileSync(record, `${JSON.stringify({ firstStart: began.toISOString() })}\n`);
    await startServer(root);
    ok(await dcvserver(root, ['status']), 'status');
    const message = assertRefused(
      await dcv(root, ['create-session', '--init', init, 'eval-2']),
      'LICENSE_EVALUATION_OVER',
    );
    const ended = new Date(began.getTime() + 30 * DAY_MS);
    assert.match(
      message,
      new RegExp(`30-day evaluation that began ${isoDate(began)} ended ${isoDate(ended)}`),
    );
    assert.match(
      message,
      new RegExp(
        `install a license of version ${YEAR} or later with \\[license\\] license-file in dcv\\.conf`,
      ),
    );
    assert.deepEqual(xvfbIn(root), []);
    await assertLogged(root, message);
    const refusedShow = ok(await dcv(root, ['license', 'show']), 'show').stdout;
    assert.match(refusedShow, /^Mode: refused \(LICENSE_EVALUATION_OVER\)$/m);
    assert.ok(refusedShow.includes(message));
    // The record is the server's: a restart on a refused evaluation does not start it again.
    assert.equal(
      (JSON.parse(readFileSync(record, 'utf8')) as { firstStart: string }).firstStart,
      began.toISOString(),
    );
  });
});

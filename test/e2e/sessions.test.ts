// The foundation end to end: a real dcvserver in a temporary DCV_ROOT, real Xvfb sessions, the real
// `dcv` command, and real local users, as an administrator and a user would meet them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { EndpointsDescription } from '../../src/control/contract.js';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../src/codec/test-decode.js';
import { isAlive } from '../../src/host/pid-file.js';
import {
  dcv,
  dcvserver,
  ensureUser,
  makeDcvRoot,
  removeDcvRoot,
  sessionProcesses,
  waitFor,
  writeInit,
  xServerRunning,
  type TestUser,
} from './harness.js';

const CONF = `[session-management]
virtual-session-default-layout=[{'w':<640>, 'h':<480>, 'x':<0>, 'y':<0>}]
`;

// A desktop whose pixels are known: a dark blue root window and a pure green terminal at the top left.
const GREEN_INIT = "xsetroot -solid '#203040'\nexec xterm -geometry 40x10+0+0 -bg '#00ff00' -fg '#00ff00'";

describe('dcvserver with virtual sessions', () => {
  let root: string;
  let alice: TestUser;

  before(async () => {
    root = makeDcvRoot(CONF);
    alice = ensureUser('dcvtest-alice');
    const started = await dcvserver(root, ['start']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^dcvserver started \(pid \d+\)\n$/);
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  test('create, list, describe, screenshot and close a session; close leaves nothing behind', async () => {
    const init = writeInit(root, 'green-init', GREEN_INIT);
    const created = await dcv(root, ['create-session', '--type', 'virtual', '--name', 'Green desk', '--init', init, 'desk-1']);
    assert.equal(created.code, 0, created.stderr);

    const list = await dcv(root, ['list-sessions']);
    assert.equal(list.stdout, "Session: 'desk-1' (owner:root type:virtual name:'Green desk')\n");

    const json = JSON.parse((await dcv(root, ['list-sessions', '--json'])).stdout) as Record<string, unknown>[];
    assert.equal(json.length, 1);
    assert.equal(json[0]!['id'], 'desk-1');
    assert.equal(json[0]!['name'], 'Green desk');
    assert.equal(json[0]!['type'], 'virtual');
    assert.deepEqual(json[0]!['display-layout'], [{ width: 640, height: 480, x: 0, y: 0 }]);

    const described = JSON.parse((await dcv(root, ['describe-session', '-j', 'desk-1'])).stdout) as Record<string, string>;
    const display = described['x11-display']!;
    assert.match(display, /^:\d+$/);
    assert.ok(existsSync(described['x11-authority']!), 'the X authority file exists');
    assert.ok(xServerRunning(display));
    const text = (await dcv(root, ['describe-session', 'desk-1'])).stdout;
    assert.match(text, /^Session: 'desk-1'\n  owner: root\n  name: Green desk\n/);
    assert.match(text, new RegExp(`  x display: ${display}\n`));
    assert.match(text, /  display layout: 640x480\+0\+0\n/);

    // The screenshot shows the init program's window, not a blank frame (retry while xterm maps).
    const shot = join(root, 'shot.png');
    const image = await waitFor('the green terminal in the screenshot', async () => {
      const r = await dcv(root, ['get-screenshot', '--max-width', '320', '--max-height', '240', '-o', shot, 'desk-1']);
      assert.equal(r.code, 0, r.stderr);
      const img = decodeImage(readFileSync(shot));
      const at = (x: number, y: number): number[] => [...img.rgb.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];
      const [r0, g0, b0] = at(20, 20);
      return g0! > 200 && r0! < 60 && b0! < 60 ? { img, at } : undefined;
    });
    assert.equal(image.img.width, 320);
    assert.equal(image.img.height, 240);
    const [r1, g1, b1] = image.at(300, 220);
    assert.ok(Math.abs(r1! - 0x20) < 12 && Math.abs(g1! - 0x30) < 12 && Math.abs(b1! - 0x40) < 12, 'root window colour');
    assert.equal(readFileSync(shot).subarray(1, 4).toString(), 'PNG');
    const jpeg = await dcv(root, ['get-screenshot', '--format', 'jpeg', '-o', join(root, 'shot.jpg'), 'desk-1']);
    assert.equal(jpeg.code, 0, jpeg.stderr);
    assert.deepEqual([...readFileSync(join(root, 'shot.jpg')).subarray(0, 2)], [0xff, 0xd8]);

    assert.ok(sessionProcesses('desk-1').length > 0, 'the init program runs');
    const closed = await dcv(root, ['close-session', 'desk-1']);
    assert.equal(closed.code, 0, closed.stderr);
    assert.equal((await dcv(root, ['list-sessions'])).stdout, 'There are no sessions available.\n');
    assert.deepEqual(sessionProcesses('desk-1'), []);
    assert.equal(xServerRunning(display), false);
    assert.equal(existsSync(`/tmp/.X11-unix/X${display.slice(1)}`), false, 'no X socket left');
    assert.equal(existsSync(`/tmp/.X${display.slice(1)}-lock`), false, 'no X lock left');
  });

  test('two sessions run at once on distinct displays, each as its owner', async () => {
    assert.equal((await dcv(root, ['create-session', 'two-a'])).code, 0);
    const b = await dcv(root, ['create-session', '--owner', alice.name, 'two-b']);
    assert.equal(b.code, 0, b.stderr);
    const sessions = JSON.parse((await dcv(root, ['list-sessions', '-j'])).stdout) as Record<string, string>[];
    const displays = sessions.map((s) => s['x11-display']);
    assert.equal(new Set(displays).size, 2);
    assert.deepEqual(sessions.map((s) => s['owner']).sort(), [alice.name, 'root'].sort());
    // The programs of alice's session run with alice's uid, not root's.
    const pids = await waitFor('alice session processes', () => {
      const p = sessionProcesses('two-b');
      return p.length > 0 ? p : undefined;
    });
    for (const pid of pids) {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      assert.equal(Number(uid), alice.uid, `pid ${pid} runs as alice`);
    }
    assert.equal((await dcv(root, ['close-session', 'two-a'])).code, 0);
    assert.equal((await dcv(root, ['close-session', 'two-b'])).code, 0);
  });

  test('a non-root user sees and closes only their own sessions', async () => {
    assert.equal((await dcv(root, ['create-session', 'roots-desk'])).code, 0);
    const own = await dcv(root, ['create-session', 'alices-desk'], alice);
    assert.equal(own.code, 0, own.stderr);

    const seen = await dcv(root, ['list-sessions'], alice);
    assert.equal(seen.stdout, `Session: 'alices-desk' (owner:${alice.name} type:virtual)\n`);
    const describeOther = await dcv(root, ['describe-session', 'roots-desk'], alice);
    assert.equal(describeOther.code, 4);
    assert.equal(describeOther.stderr, "Session 'roots-desk' not found.\n");
    const closeOther = await dcv(root, ['close-session', 'roots-desk'], alice);
    assert.equal(closeOther.code, 4);
    assert.equal(closeOther.stderr, "Session 'roots-desk' not found.\n");
    const forOther = await dcv(root, ['create-session', '--owner', 'root', 'sneaky'], alice);
    assert.equal(forOther.code, 5);
    assert.match(forOther.stderr, /^Only root may create a session for another user \('root'\)\.\n$/);
    const consoleByUser = await dcv(root, ['create-session', '--type', 'console', 'console'], alice);
    assert.equal(consoleByUser.code, 5);

    // Names: the owner sets and removes one (DCV's set-name); another user's session stays out of reach.
    assert.equal((await dcv(root, ['set-name', '--session', 'alices-desk', '--name', 'Alice at work'], alice)).code, 0);
    assert.equal(
      (await dcv(root, ['list-sessions'], alice)).stdout,
      `Session: 'alices-desk' (owner:${alice.name} type:virtual name:'Alice at work')\n`,
    );
    assert.equal((await dcv(root, ['set-name', '--session', 'alices-desk', '--none'], alice)).code, 0);
    assert.equal(
      (await dcv(root, ['list-sessions'], alice)).stdout,
      `Session: 'alices-desk' (owner:${alice.name} type:virtual)\n`,
    );
    const renameOther = await dcv(root, ['set-name', '--session', 'roots-desk', '--name', 'mine'], alice);
    assert.equal(renameOther.code, 4);
    assert.equal(renameOther.stderr, "Session 'roots-desk' not found.\n");
    const reload = await dcv(root, ['reload-licenses'], alice);
    assert.equal(reload.code, 5);
    assert.equal(reload.stderr, 'Only root may reload the licenses.\n');

    // root still sees both; alice closes her own.
    assert.equal((await dcv(root, ['list-sessions'])).stdout.split('\n').filter(Boolean).length, 2);
    assert.equal((await dcv(root, ['close-session', 'alices-desk'], alice)).code, 0);
    assert.equal((await dcv(root, ['close-session', 'roots-desk'])).code, 0);
  });

  test('user errors are one line and a non-zero exit', async () => {
    const cases: [string[], number, RegExp][] = [
      [['describe-session', 'nope'], 4, /^Session 'nope' not found\.\n$/],
      [['close-session', 'nope'], 4, /^Session 'nope' not found\.\n$/],
      [['create-session', 'bad id!'], 2, /^Invalid session id 'bad id!': /],
      [['create-session', '-- -dash'], 2, /^dcv create-session: /],
      [['create-session', '--owner', 'no-such-user-xyz', 'x1'], 4, /^Owner 'no-such-user-xyz' is not a user on this host\.\n$/],
      [['create-session', '--init', '/no/such/init', 'x2'], 2, /^Init program '\/no\/such\/init' does not exist or is not executable\.\n$/],
      [['create-session', '--type', 'desktop', 'x3'], 2, /^dcv create-session: --type must be 'virtual' or 'console'/],
      [['create-session', '--frobnicate', 'x4'], 2, /^dcv create-session: Unknown option '--frobnicate' \(see 'dcv create-session --help'\)\.\n$/],
      [['create-session'], 2, /^dcv create-session: missing SESSION_ID/],
      [['create-session', '--max-concurrent-clients', 'lots', 'x5'], 2, /--max-concurrent-clients must be a whole number/],
      [['list-sessions', 'extra'], 2, /^dcv list-sessions: unexpected argument 'extra'/],
      [['get-screenshot', '--format', 'gif', 'x6'], 2, /--format must be png or jpeg/],
      [['no-such-command'], 2, /^dcv: unknown command 'no-such-command'/],
      [['set-name', '--name', 'x'], 2, /^dcv set-name: --session SESSION_ID is required/],
      [['set-name', '--session', 'nope'], 2, /^dcv set-name: give exactly one of --name NAME or --none/],
      [['set-name', '--session', 'nope', '--name', 'x'], 4, /^Session 'nope' not found\.\n$/],
      [['set-name', '--session', 'nope', '--name', 'a\nb'], 2, /^Invalid session name: at most 256 characters/],
    ];
    for (const [args, code, message] of cases) {
      const r = await dcv(root, args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `one line for ${args.join(' ')}`);
      assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, 'no stack trace');
    }
    // Where viewers connect: the web port, and the certificate's fingerprint as openssl would print it.
    const endpoints = await dcv(root, ['list-endpoints']);
    assert.equal(endpoints.code, 0, endpoints.stderr);
    const fingerprint = new X509Certificate(readFileSync(join(root, 'etc/dcv/dcv.pem'))).fingerprint256;
    assert.match(endpoints.stdout, /^(Endpoint: \S+:\d+ \(protocols:https,wss\)\n)+Certificate: \S+dcv\.pem /);
    assert.ok(endpoints.stdout.endsWith(`(sha256-fingerprint:${fingerprint})\n`), endpoints.stdout);
    const asJson = JSON.parse((await dcv(root, ['list-endpoints', '-j'])).stdout) as EndpointsDescription;
    assert.equal(asJson.certificate['sha256-fingerprint'], fingerprint);
    assert.ok(asJson.endpoints.length >= 1 && asJson.endpoints.every((e) => e.port > 0));
    // A duplicate id.
    assert.equal((await dcv(root, ['create-session', 'dup'])).code, 0);
    const dup = await dcv(root, ['create-session', 'dup']);
    assert.equal(dup.code, 4);
    assert.equal(dup.stderr, "Session 'dup' already exists.\n");
    assert.equal((await dcv(root, ['close-session', 'dup'])).code, 0);
  });

  test('a session whose init program exits ends by itself', async () => {
    const init = writeInit(root, 'short-init', 'sleep 3');
    assert.equal((await dcv(root, ['create-session', '--init', init, 'short-lived'])).code, 0);
    await waitFor('the session to end', async () => {
      const r = await dcv(root, ['list-sessions']);
      return r.stdout.includes('short-lived') ? undefined : true;
    });
    assert.deepEqual(sessionProcesses('short-lived'), []);
  });
});

describe('dcvserver lifecycle', () => {
  test('dcv says when the server is not running', async () => {
    const root = makeDcvRoot();
    try {
      const r = await dcv(root, ['list-sessions']);
      assert.equal(r.code, 6);
      assert.match(r.stderr, /^dcvserver is not running \(no answer on .*control\.sock\); start it with 'dcvserver start'\.\n$/);
      const status = await dcvserver(root, ['status']);
      assert.equal(status.code, 3);
      assert.equal(status.stdout, 'dcvserver is not running\n');
    } finally {
      removeDcvRoot(root);
    }
  });

  test('a bad value in dcv.conf stops dcvserver and names file, line and key', async () => {
    const root = makeDcvRoot('# my settings\n[connectivity]\nweb-port=70000\n');
    try {
      const r = await dcvserver(root, ['start']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`${root}/etc/dcv/dcv\\.conf:3: \\[connectivity\\] web-port`));
      assert.equal((await dcvserver(root, ['status'])).code, 3, 'nothing keeps running');
      const fg = await dcvserver(root, ['run']);
      assert.equal(fg.code, 3);
      assert.match(fg.stderr, /dcv\.conf:3: \[connectivity\] web-port/);
    } finally {
      removeDcvRoot(root);
    }
  });

  test('dcvserver stop closes every session and leaves nothing running', async () => {
    const root = makeDcvRoot(CONF);
    try {
      assert.equal((await dcvserver(root, ['start'])).code, 0);
      const again = await dcvserver(root, ['start']);
      assert.equal(again.code, 6);
      assert.match(again.stderr, /^dcvserver is already running \(pid \d+\)\.\n$/);
      const pid = Number(readFileSync(join(root, 'run/dcv/dcvserver.pid'), 'utf8'));
      assert.equal((await dcv(root, ['create-session', 'stop-a'])).code, 0);
      assert.equal((await dcv(root, ['create-session', 'stop-b'])).code, 0);
      const displays = (JSON.parse((await dcv(root, ['list-sessions', '-j'])).stdout) as Record<string, string>[]).map(
        (s) => s['x11-display']!,
      );
      const stopped = await dcvserver(root, ['stop']);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(stopped.stdout, 'dcvserver stopped\n');
      assert.equal(isAlive(pid), false, 'the server process is gone (at most an unreaped zombie)');
      assert.deepEqual([...sessionProcesses('stop-a'), ...sessionProcesses('stop-b')], []);
      for (const d of displays) assert.equal(xServerRunning(d), false, `no X server on ${d}`);
      assert.equal(existsSync(join(root, 'run/dcv/control.sock')), false);
      assert.equal(existsSync(join(root, 'run/dcv/dcvserver.pid')), false);
      assert.match(readFileSync(join(root, 'var/log/dcv/server.log'), 'utf8'), /INFO  server - dcvserver stopped\n$/);
    } finally {
      await dcvserver(root, ['stop']);
      removeDcvRoot(root);
    }
  });

  test('if dcvserver is killed outright, its sessions end with it', async () => {
    const root = makeDcvRoot(CONF);
    try {
      assert.equal((await dcvserver(root, ['start'])).code, 0);
      const pid = Number(readFileSync(join(root, 'run/dcv/dcvserver.pid'), 'utf8'));
      assert.equal((await dcv(root, ['create-session', 'orphan-a'])).code, 0);
      const display = (JSON.parse((await dcv(root, ['describe-session', '-j', 'orphan-a'])).stdout) as Record<string, string>)[
        'x11-display'
      ]!;
      await waitFor('the desktop to run', () => (sessionProcesses('orphan-a').length > 0 ? true : undefined));
      process.kill(pid, 'SIGKILL'); // no chance to clean up
      await waitFor('the session processes to end', () =>
        sessionProcesses('orphan-a').length === 0 && !xServerRunning(display) ? true : undefined,
      );
      // The next start finds the stale pid file and takes over.
      assert.equal((await dcvserver(root, ['start'])).code, 0);
    } finally {
      await dcvserver(root, ['stop']);
      removeDcvRoot(root);
    }
  });

  test('create-session=true attaches the console session to the configured display at start', async () => {
    // The host's own X server, as a physical console would be: started here, not by dcvserver.
    const n = 150 + Math.floor(Math.random() * 100);
    const xvfb = spawn('Xvfb', [`:${n}`, '-screen', '0', '800x600x24', '-nolisten', 'tcp', '-noreset'], { stdio: 'ignore' });
    const root = makeDcvRoot(
      `[session-management]\ncreate-session=true\nconsole-session-display=':${n}'\n` +
        `[session-management/automatic-console-session]\nowner='dcvtest-alice'\n` +
        `permissions-file='PERMISSIONS'\n`,
    );
    // The automatic console session's own permissions file: alice (the owner) may only look.
    const permissionsFile = join(root, 'etc/dcv/console.perm');
    writeFileSync(permissionsFile, '[permissions]\n%owner% allow display\n');
    const conf = join(root, 'etc/dcv/dcv.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('PERMISSIONS', permissionsFile));
    try {
      await waitFor('the host display', () => (existsSync(`/tmp/.X11-unix/X${n}`) ? true : undefined));
      execFileSync('xsetroot', ['-display', `:${n}`, '-solid', '#00ff00']);
      ensureUser('dcvtest-alice');
      assert.equal((await dcvserver(root, ['start'])).code, 0);
      assert.equal((await dcv(root, ['list-sessions'])).stdout, "Session: 'console' (owner:dcvtest-alice type:console)\n");
      const d = JSON.parse((await dcv(root, ['describe-session', '-j', 'console'])).stdout) as Record<string, unknown>;
      assert.equal(d['x11-display'], `:${n}`);
      assert.deepEqual(d['display-layout'], [{ width: 800, height: 600, x: 0, y: 0 }]);
      const perms = await dcv(root, ['get-permissions', '--session', 'console', '--user', 'dcvtest-alice']);
      assert.equal(perms.stdout, 'display\n', perms.stderr);
      const shot = join(root, 'console.png');
      assert.equal((await dcv(root, ['get-screenshot', '--max-width', '400', '-o', shot, 'console'])).code, 0);
      const img = decodeImage(readFileSync(shot));
      assert.equal(img.width, 400);
      assert.deepEqual([...img.rgb.subarray(0, 3)], [0, 255, 0]);
      const virtual = await dcv(root, ['create-session', 'beside-console']);
      assert.equal(virtual.code, 7);
      assert.match(virtual.stderr, /^Close the console session first: console and virtual sessions cannot run at the same time\.\n$/);
      assert.equal((await dcv(root, ['close-session', 'console'])).code, 0);
      assert.equal((await dcv(root, ['list-sessions'])).stdout, 'There are no sessions available.\n');
      assert.ok(xServerRunning(`:${n}`) || existsSync(`/tmp/.X11-unix/X${n}`), 'closing the console leaves the display running');
    } finally {
      await dcvserver(root, ['stop']);
      removeDcvRoot(root);
      xvfb.kill('SIGTERM');
    }
  });
});

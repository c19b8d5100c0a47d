// The local side of docs/security.md's threats (issue 11, items 5 and 9-12), each run for real against a
// real dcvserver: a local user filling the log disk, flooding the control socket, forging log lines through
// a viewer, probing paths through --init, and the faults an administrator meets (a killed server, a broken
// dcv.conf). Real users, real sockets, loopback only, bounded in count and time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { callServer } from '../../src/server/control/control-socket.js';
import { MAX_CONNECTIONS_PER_USER } from '../../src/server/control/control-socket.js';
import { MAX_REQUEST_BYTES } from '../../src/control/channel.js';
import { RATE_LIMIT, RATE_WINDOW_MS } from '../../src/server/logger.js';
import { readPid } from '../../src/host/pid-file.js';
import { TestViewer } from './test-viewer.js';
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
virtual-session-default-layout=[{'w':<320>, 'h':<240>, 'x':<0>, 'y':<0>}]
`;

const socketOf = (root: string): string => join(root, 'run/dcv/control.sock');
const serverLog = (root: string): string => join(root, 'var/log/dcv/server.log');

/** Runs a Node script as `user` (argv after the script: `args`); resolves to its exit status and stdout. */
function nodeAsUser(
  user: TestUser,
  script: string,
  args: string[] = [],
  timeoutMs = 60_000,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'setpriv',
      [
        `--reuid=${user.uid}`,
        `--regid=${user.gid}`,
        '--init-groups',
        process.execPath,
        '-e',
        script,
        '--',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: '/' },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** One `list-sessions` on a fresh connection, as root: connecting, the kernel's credentials and the answer. */
async function listSessionsMs(root: string): Promise<number> {
  const t = Date.now();
  await callServer(socketOf(root), 'list-sessions');
  return Date.now() - t;
}

function serverPid(root: string): number {
  return readPid(join(root, 'run/dcv/dcvserver.pid'))!;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startServer(conf: string): Promise<{ root: string; mallory: TestUser; init: string }> {
  const root = makeDcvRoot(conf);
  const mallory = ensureUser('odcv-sec-mallory');
  const init = writeInit(root, 'sleep-init', 'exec sleep 600');
  const up = await dcvserver(root, ['start']);
  assert.equal(up.code, 0, up.stderr);
  return { root, mallory, init };
}

describe('a full log disk (item 5)', () => {
  let root: string;
  let mallory: TestUser;
  let init: string;
  let logDir: string;

  before(async () => {
    // The log directory is a real 256 KiB filesystem, mounted before the server starts.
    root = makeDcvRoot(CONF);
    logDir = join(root, 'var/log/dcv');
    mkdirSync(logDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', logDir]);
    mallory = ensureUser('odcv-sec-mallory');
    init = writeInit(root, 'sleep-init', 'exec sleep 600');
    const up = await dcvserver(root, ['start']);
    assert.equal(up.code, 0, up.stderr);
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    try {
      execFileSync('umount', [logDir]);
    } catch {
      execFileSync('umount', ['-l', logDir]);
    }
    removeDcvRoot(root);
  });

  test('set-name spam fills little of the log; a full disk stops no request, no session, and is reported after', async () => {
    const created = await dcv(root, ['create-session', '--init', init, 'mal-log'], mallory);
    assert.equal(created.code, 0, created.stderr);
    const before = statSync(serverLog(root)).size;
    // The probe's attack: 200 renames per connection, names of 256 characters.
    const spam = `const net = require('net'); const c = net.createConnection(process.argv[1]);
      let n = 0, answered = 0; c.on('data', (d) => { answered += String(d).split('\\n').length - 1; if (answered >= 200) c.end(); });
      c.on('connect', () => { for (let i = 0; i < 200; i++) c.write(JSON.stringify({ id: ++n, method: 'set-name', params: { id: 'mal-log', name: String(i).padEnd(256, 'x') } }) + '\\n'); });
      c.on('close', () => console.log(answered));`;
    const first = await nodeAsUser(mallory, spam, [socketOf(root)]);
    assert.equal(first.out.trim(), '200', 'every rename was answered');
    const grown = statSync(serverLog(root)).size - before;
    const renames = readFileSync(serverLog(root), 'utf8')
      .split('\n')
      .filter((l) => / is now named /.test(l));
    assert.ok(renames.length <= 2 * RATE_LIMIT + 2, `${renames.length} rename lines logged for 200 renames`);
    assert.ok(grown < 16 * 1024, `200 renames grew the log by ${grown} bytes`);

    // Fill the filesystem to the last block, and wait for the renames' rate window to end, so the next
    // spam is written (and fails) again, more than the last page of server.log still holds.
    await new Promise((r) => setTimeout(r, RATE_WINDOW_MS));
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(logDir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
    } catch {
      // dd ends with "No space left on device": the point.
    }
    const pid = serverPid(root);
    const full = readFileSync(serverLog(root), 'utf8');
    // Lines that are not rate-limited, from root, while nothing can be written; and the spam again.
    for (let i = 0; i < 5; i++)
      assert.equal((await dcv(root, ['set-name', '--session', 'mal-log', '--name', `r${i}`])).code, 0);
    assert.equal((await nodeAsUser(mallory, spam, [socketOf(root)])).out.trim(), '200');
    for (let i = 0; i < 5; i++) {
      assert.ok((await listSessionsMs(root)) < 1000, 'the server answers at once');
    }
    assert.ok(alive(pid), 'dcvserver is still running');
    const listed = JSON.parse((await dcv(root, ['list-sessions', '-j'])).stdout) as { id: string }[];
    assert.deepEqual(
      listed.map((s) => s.id),
      ['mal-log'],
    );
    assert.ok(sessionProcesses('mal-log').length > 0, 'the session still runs');
    assert.equal(readFileSync(serverLog(root), 'utf8').length <= full.length + 4096, true);

    // Room again: the next line written says how many were lost.
    rmSync(join(logDir, 'filler'));
    await waitFor(
      'the log to say lines were lost',
      async () => {
        await dcv(root, ['set-name', '--session', 'mal-log', '--name', 'after']);
        return /WARN {2}server - \d+ log line\(s\) were lost: .*server\.log could not be written \(ENOSPC\)/.test(
          readFileSync(serverLog(root), 'utf8'),
        )
          ? true
          : undefined;
      },
      15_000,
    );
    assert.equal((await dcv(root, ['close-session', 'mal-log'])).code, 0);
  });
});

describe('a local user against the control socket (item 9)', () => {
  let root: string;
  let mallory: TestUser;

  before(async () => {
    ({ root, mallory } = await startServer(CONF));
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  // Writes up to `mib` MiB without a newline on `count` connections at once, each as fast as the socket takes
  // it, reconnecting when the server closes one, until `ms` have passed; prints the first connection's time
  // to be closed and the server's answer.
  const flood = `const net = require('net'); const [path, mib, count, ms] = process.argv.slice(1).map((a, i) => i === 0 ? a : Number(a));
    const chunk = Buffer.alloc(1 << 20, 0x78); const end = Date.now() + ms; let first = null;
    function one(report) { const c = net.createConnection(path); let sent = 0, reply = ''; const t = Date.now();
      const pump = () => { while (sent < mib && c.writable) { sent++; if (!c.write(chunk)) return c.once('drain', pump); } };
      let endedMs = null; c.on('connect', pump); c.on('data', (d) => (reply += d)); c.on('error', () => {});
      c.on('end', () => (endedMs ??= Date.now() - t));
      c.on('close', () => { if (report && first === null) first = { ms: endedMs ?? Date.now() - t, reply, sent };
        if (Date.now() < end) one(false); else done(); }); }
    let open = count; function done() { if (--open === 0) { console.log(JSON.stringify(first)); process.exit(0); } }
    for (let i = 0; i < count; i++) one(i === 0);`;

  test('a 70 MiB request line is refused in under a second, with the reason', async () => {
    const r = await nodeAsUser(mallory, flood, [socketOf(root), '70', '1', '0']);
    const first = JSON.parse(r.out) as { ms: number; reply: string; sent: number };
    assert.ok(first.ms < 1000, `refused after ${first.ms} ms`);
    assert.ok(first.sent < 70, `the server did not read all 70 MiB (${first.sent} MiB sent)`);
    assert.match(first.reply, /"code":"CONTROL_PROTOCOL".*1 MiB a request may have/);
  });

  test('8 connections flooding large lines do not slow list-sessions past a second', async () => {
    const attack = nodeAsUser(mallory, flood, [socketOf(root), '60', '8', '6000']);
    await new Promise((r) => setTimeout(r, 500));
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      times.push(await listSessionsMs(root));
      await new Promise((r) => setTimeout(r, 500));
    }
    await attack;
    assert.ok(Math.max(...times) < 1000, `list-sessions took ${times.join(', ')} ms`);
    assert.ok(MAX_REQUEST_BYTES <= 1024 * 1024);
  });

  test(`a user holds at most ${MAX_CONNECTIONS_PER_USER} connections; root still gets in`, async () => {
    // Opens one more than the cap, one after another, then holds them while the test asks as root.
    const hold = spawn(
      'setpriv',
      [
        `--reuid=${mallory.uid}`,
        `--regid=${mallory.gid}`,
        '--init-groups',
        process.execPath,
        '-e',
        `const net = require('net'); const path = process.argv[1]; const n = Number(process.argv[2]); const conns = [];
         function open(i) { if (i === n) return; const c = net.createConnection(path); conns.push(c); c.on('error', () => {});
           c.on('connect', () => setTimeout(() => open(i + 1), 50)); }
         open(0);
         const last = () => conns[n - 1];
         const wait = setInterval(() => { const c = last(); if (c === undefined) return; clearInterval(wait);
           let reply = ''; c.on('data', (d) => (reply += d)); c.on('close', () => console.log(JSON.stringify({ reply, closed: true }))); }, 20);
         process.stdin.on('data', () => process.exit(0));`,
        '--',
        socketOf(root),
        String(MAX_CONNECTIONS_PER_USER + 1),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let out = '';
    hold.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const refused = await waitFor('the connection over the cap to be refused', () =>
        out.includes('closed') ? (JSON.parse(out) as { reply: string }) : undefined,
      );
      assert.match(refused.reply, /Too many connections to dcvserver from uid \d+ \(at most 16 at once\)/);
      assert.ok((await listSessionsMs(root)) < 1000, 'root is not counted');
    } finally {
      hold.stdin.write('x');
      await new Promise((r) => hold.once('exit', r));
    }
    // The held connections are gone: the user gets in again.
    await waitFor('the user to get in again', async () =>
      (await dcv(root, ['list-sessions'], mallory)).code === 0 ? true : undefined,
    );
  });
});

describe('a viewer forging server.log lines (item 10)', () => {
  let root: string;
  let port: number;

  before(async () => {
    ({ root } = await startServer(`${CONF}[security]\nauthentication='none'\n`));
    port = Number(/web-port=(\d+)/.exec(readFileSync(join(root, 'etc/dcv/dcv.conf'), 'utf8'))![1]);
    // The CI run once found the web port not yet accepting right after the start; wait for it, bounded.
    await waitFor(
      'the web port to accept connections',
      () =>
        new Promise<true | undefined>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.once('connect', () => {
            s.destroy();
            resolve(true);
          });
          s.once('error', () => resolve(undefined));
        }),
    );
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  test('a session id with a newline, CR or ESC stays on its own line, escaped', async () => {
    const forged = [
      "x\n2026-01-01 00:00:00,000000 [     1] INFO  auth - User 'root' logged in from 203.0.113.9",
      "y\r\u001b[2KUser 'root' logged in from 203.0.113.9\u2028z\u0085w",
    ];
    for (const sessionId of forged) {
      const v = await TestViewer.open(port, { sessionId });
      await v.decided();
      assert.ok(v.close !== undefined, 'the viewer is refused');
    }
    const log = await waitFor('both refusals in the log', () => {
      const text = readFileSync(serverLog(root), 'utf8');
      return (text.match(/refused: The .* session is not available/g) ?? []).length >= 2 ? text : undefined;
    });
    const lines = log.split('\n').slice(0, -1);
    const record = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{6} \[ *\d+\] (ERROR|WARN |INFO |DEBUG) [\w-]+ - /;
    for (const l of lines)
      assert.match(l, record, `every line is a record of the server's: ${JSON.stringify(l)}`);
    assert.ok(!lines.some((l) => /^User 'root'|^2026-01-01 00:00:00/.test(l)), `no forged line:\n${log}`);
    assert.ok(!/[\r\u001b\u2028\u0085]/.test(log), 'no control character reached the file');
    assert.match(
      log,
      /The x\\n2026-01-01 .*User 'root' logged in from 203\.0\.113\.9 session is not available/,
    );
    assert.match(log, /The y\\r\\x1b\[2KUser 'root' logged in from 203\.0\.113\.9\\u2028z\\x85w session/);
  });
});

describe('probing paths through --init (item 11), and the faults of item 12', () => {
  let root: string;
  let mallory: TestUser;
  let init: string;

  before(async () => {
    ({ root, mallory, init } = await startServer(CONF));
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  test('an init under a root-only directory gets the same answer as one that does not exist', async () => {
    const hidden = join(root, 'private');
    mkdirSync(hidden, { mode: 0o700 });
    const secret = writeInit(root, 'private/init', 'exec sleep 600');
    assert.ok(existsSync(secret) && (statSync(hidden).mode & 0o777) === 0o700);
    const absent = join(root, 'nothing-here/init');
    const answers = [];
    for (const path of [secret, absent]) {
      const r = await dcv(root, ['create-session', '--init', path, 'probe'], mallory);
      answers.push({ code: r.code, stderr: r.stderr.replace(path, 'PATH') });
    }
    assert.deepEqual(answers[0], answers[1]);
    assert.deepEqual(answers[0], {
      code: 2,
      stderr: "Init program 'PATH' does not exist or is not executable.\n",
    });
    // Root, for whom the file is there, may start a session of its own with it.
    const mine = await dcv(root, ['create-session', '--init', secret, 'root-probe']);
    assert.equal(mine.code, 0, mine.stderr);
    assert.equal((await dcv(root, ['close-session', 'root-probe'])).code, 0);
  });

  test('after a kill -9 the sessions end with the server, and the next start cleans what was left', async () => {
    const created = await dcv(root, ['create-session', '--init', init, 'mal-kill'], mallory);
    assert.equal(created.code, 0, created.stderr);
    const display = (
      JSON.parse((await dcv(root, ['describe-session', '-j', 'mal-kill'])).stdout) as {
        'x11-display': string;
      }
    )['x11-display'];
    const pid = serverPid(root);
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed server to be gone', () => (alive(pid) ? undefined : true));
    // Its X server and init program are told to end (the parent-death signal), not left running.
    await waitFor('the session to end with the server', () =>
      sessionProcesses('mal-kill').length === 0 && !xServerRunning(display) ? true : undefined,
    );
    // Xvnc, ended by that signal, removed its own lock file and socket.
    const n = display.slice(1);
    assert.ok(
      !existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`),
      'no X lock or socket left',
    );
    // What a kill -9 leaves: the pid file, the socket, the session's directory.
    assert.equal(readPid(join(root, 'run/dcv/dcvserver.pid')), pid);
    assert.ok(existsSync(socketOf(root)));
    assert.ok(existsSync(join(root, 'run/dcv/sessions/mal-kill')));

    const up = await dcvserver(root, ['start']);
    assert.equal(up.code, 0, up.stderr);
    assert.notEqual(serverPid(root), pid, 'the stale pid file was replaced');
    assert.match(
      readFileSync(serverLog(root), 'utf8'),
      /Removed the directory of session 'mal-kill', left by an earlier run/,
    );
    assert.ok(!existsSync(join(root, 'run/dcv/sessions/mal-kill')));
    assert.equal((await dcv(root, ['list-sessions'], mallory)).stdout, 'There are no sessions available.\n');
    const again = await dcv(root, ['create-session', '--init', init, 'mal-kill'], mallory);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await dcv(root, ['close-session', 'mal-kill'])).code, 0);
  });

  test('a dcv.conf with a quote cut off stops the start, naming file, line and key', async () => {
    const broken = makeDcvRoot(`[security]\npam-service-name="opendcv\n`);
    try {
      const r = await dcvserver(broken, ['start']);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /etc\/dcv\/dcv\.conf:2: \[security\] pam-service-name: "opendcv is not a quoted string .*; write 'opendcv' with a quote at each end/,
      );
      assert.equal(readPid(join(broken, 'run/dcv/dcvserver.pid')), null);
    } finally {
      removeDcvRoot(broken);
    }
  });
});

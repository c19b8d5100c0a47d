// The attacks of docs/security.md, each run for real against a real dcvserver and shown to fail: a session
// owner (a real local user) planting symlinks, FIFOs and a fake X server where root works, after a kill -9
// and while racing; floods from viewers and local users; all on loopback, bounded in count and time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloseCode, encodeMessage, type Message } from '../../src/protocol/index.js';
import { connectControlSocket } from '../../src/server/control/control-socket.js';
import { TestViewer } from './test-viewer.js';
import { readPid } from '../../src/host/pid-file.js';
import {
  dcv,
  dcvserver,
  ensureUser,
  makeDcvRoot,
  removeDcvRoot,
  REPO,
  sleep,
  waitFor,
  writeInit,
  type TestUser,
} from './harness.js';

const CONF = `[session-management]
virtual-session-default-layout=[{'w':<320>, 'h':<240>, 'x':<0>, 'y':<0>}]
`;

/** Runs a shell command as `user`; returns its exit status and output. */
function asUser(user: TestUser, script: string): { code: number; out: string } {
  try {
    const out = execFileSync(
      'setpriv',
      [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '/bin/sh', '-c', script],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return { code: 0, out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** A root-owned file no user may write: what the attacker wants root to overwrite and give them. */
function makeDecoy(root: string): { path: string; intact(): boolean } {
  const path = join(root, 'decoy');
  writeFileSync(path, 'root:x:0:0:precious\n', { mode: 0o644 });
  return {
    path,
    intact: () => {
      const st = lstatSync(path);
      return (
        st.isFile() &&
        st.uid === 0 &&
        (st.mode & 0o777) === 0o644 &&
        readFileSync(path, 'utf8') === 'root:x:0:0:precious\n'
      );
    },
  };
}

/** One `list-sessions` over an open control connection, timed: the server's event loop answers or it does not. */
async function controlRoundTripMs(c: Awaited<ReturnType<typeof connectControlSocket>>): Promise<number> {
  const t = Date.now();
  await c.channel.call('list-sessions');
  return Date.now() - t;
}

/** The web port makeDcvRoot gave the server. */
function webPort(root: string): number {
  return Number(/web-port=(\d+)/.exec(readFileSync(join(root, 'etc/dcv/dcv.conf'), 'utf8'))![1]);
}

/** A running server in a fresh root with `conf`, the attacker's account, a decoy of root's and an idle init. */
async function startAttackedServer(conf: string): Promise<{
  root: string;
  mallory: TestUser;
  decoy: ReturnType<typeof makeDecoy>;
  init: string;
}> {
  const root = makeDcvRoot(conf);
  const mallory = ensureUser('odcv-sec-mallory');
  const decoy = makeDecoy(root);
  const init = writeInit(root, 'sleep-init', 'exec sleep 600');
  const up = await dcvserver(root, ['start']);
  assert.equal(up.code, 0, up.stderr);
  return { root, mallory, decoy, init };
}

describe('a session owner attacking root through the files of their session', () => {
  let root: string;
  let mallory: TestUser;
  let decoy: ReturnType<typeof makeDecoy>;
  let init: string;
  const sessions = (): string => join(root, 'run/dcv/sessions');
  const port = (): number => webPort(root);

  before(async () => {
    ({ root, mallory, decoy, init } = await startAttackedServer(CONF));
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  test('after a kill -9 the owner cannot plant a symlink that root then writes through (item 1)', async () => {
    const created = await dcv(root, ['create-session', '--init', init, 'mal-1'], mallory);
    assert.equal(created.code, 0, created.stderr);
    // Root's own directory: the owner cannot add, remove or replace anything in it.
    const dir = join(sessions(), 'mal-1');
    assert.equal(statSync(dir).uid, 0);
    const xauth = lstatSync(join(dir, 'Xauthority'));
    assert.ok(xauth.isFile() && xauth.uid === mallory.uid && (xauth.mode & 0o777) === 0o600);

    const pid = readPid(join(root, 'run/dcv/dcvserver.pid'))!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed server to be gone', () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    // The attack of the report: replace Xauthority with a symlink to a file root owns.
    const planted = asUser(mallory, `ln -sfn ${decoy.path} ${dir}/Xauthority`);
    assert.notEqual(planted.code, 0, 'the owner may not replace files in the session directory');
    assert.match(planted.out, /Permission denied/);
    // What an older version left: a session directory owned by the user, holding their symlink.
    execFileSync('mkdir', ['-p', join(sessions(), 'mal-2')]);
    execFileSync('chown', [`${mallory.uid}:${mallory.gid}`, join(sessions(), 'mal-2')]);
    assert.equal(
      asUser(
        mallory,
        `ln -sfn ${decoy.path} ${sessions()}/mal-2/Xauthority && mkdir ${sessions()}/mal-2/fb && ln -sfn ${decoy.path} ${sessions()}/mal-2/fb/Xvfb_screen0`,
      ).code,
      0,
    );

    const up = await dcvserver(root, ['start']);
    assert.equal(up.code, 0, up.stderr);
    const log = readFileSync(join(root, 'var/log/dcv/server.log'), 'utf8');
    assert.match(log, /Removed the directory of session 'mal-1', left by an earlier run/);
    assert.match(log, /Removed the directory of session 'mal-2', left by an earlier run/);
    for (const id of ['mal-1', 'mal-2']) {
      const again = await dcv(root, ['create-session', '--init', init, id], mallory);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(lstatSync(join(sessions(), id)).uid, 0);
      assert.ok(lstatSync(join(sessions(), id, 'Xauthority')).isFile());
    }
    assert.ok(decoy.intact(), 'the decoy is untouched and still root’s');
    for (const id of ['mal-1', 'mal-2']) assert.equal((await dcv(root, ['close-session', id])).code, 0);
  });

  test('a FIFO or a symlink in place of the framebuffer neither stalls root nor leaks a file (item 3)', async () => {
    // Virtual sessions run Xvnc, read through MIT-SHM: root opens no file of the owner's at all. The owner
    // plants what used to stall or leak (a FIFO, then a symlink to a root-only file, where Xvfb kept its
    // framebuffer); screenshots keep coming at once and tell nothing of the linked file.
    const created = await dcv(root, ['create-session', '--init', init, 'mal-fb'], mallory);
    assert.equal(created.code, 0, created.stderr);
    const fb = join(sessions(), 'mal-fb', 'fb');
    const secret = join(root, 'secret');
    writeFileSync(secret, 'TOPSECRET root only\n', { mode: 0o600 });
    assert.equal(asUser(mallory, `mkdir -p ${fb} && mkfifo ${fb}/Xvfb_screen0`).code, 0);
    const c = await connectControlSocket(join(root, 'run/dcv/control.sock'));
    try {
      const shot = await c.channel.call('get-screenshot', { id: 'mal-fb' }).then(
        (r) => r.data,
        (e: Error) => e.message,
      );
      assert.ok((await controlRoundTripMs(c)) < 1000, 'the server still answers at once');
      assert.doesNotMatch(shot, /TOPSECRET/);
      assert.equal(asUser(mallory, `rm ${fb}/Xvfb_screen0 && ln -s ${secret} ${fb}/Xvfb_screen0`).code, 0);
      const viaLink = await c.channel.call('get-screenshot', { id: 'mal-fb' }).then(
        (r) => Buffer.from(r.data, 'base64').toString('latin1'),
        (e: Error) => e.message,
      );
      assert.doesNotMatch(viaLink, /XWD file version|TOPSECRET/, 'nothing of the linked file is told');
      assert.ok((await controlRoundTripMs(c)) < 1000, 'the server still answers at once');
    } finally {
      c.close();
    }
    assert.equal((await dcv(root, ['close-session', 'mal-fb'])).code, 0);
  });

  test("a fake X server in place of the session's own cannot hang the server (item 2)", async () => {
    // root may watch it, so the test's viewer can get in with a token of root's.
    const perm = join(root, 'mal-x.perm');
    writeFileSync(perm, '[permissions]\n%owner% allow builtin\nroot allow display\n', { mode: 0o644 });
    const created = await dcv(
      root,
      ['create-session', '--init', init, '--permissions-file', perm, 'mal-x'],
      mallory,
    );
    assert.equal(created.code, 0, created.stderr);
    const described = JSON.parse((await dcv(root, ['describe-session', '-j', 'mal-x'])).stdout) as Record<
      string,
      string
    >;
    const socket = `/tmp/.X11-unix/X${described['x11-display']!.slice(1)}`;
    // The owner's stand-in answers every connection with a well-formed setup reply whose resource id mask
    // is 0, on which the x11 package's handshake used to loop forever.
    const fake = spawn(
      'setpriv',
      [
        `--reuid=${mallory.uid}`,
        `--regid=${mallory.gid}`,
        '--init-groups',
        process.execPath,
        '-e',
        `const net = require('net'), fs = require('fs');
         const r = Buffer.alloc(8 + 116); r[0] = 1; r.writeUInt16LE(11, 2); r.writeUInt16LE(29, 6);
         r.writeUInt32LE(0x00200000, 12); r.writeUInt32LE(0, 16); r.writeUInt16LE(4, 24); r.writeUInt16LE(65535, 26);
         r[28] = 1; r[29] = 1; r.write('fake', 40); r[44] = 24; r[45] = 32; r[46] = 32;
         const scr = 52; r.writeUInt32LE(0x100, scr); r.writeUInt16LE(320, scr + 20); r.writeUInt16LE(240, scr + 22);
         r.writeUInt32LE(0x21, scr + 32); r[scr + 38] = 24; r[scr + 39] = 1;
         r[scr + 40] = 24; r.writeUInt16LE(1, scr + 42); r.writeUInt32LE(0x21, scr + 48); r[scr + 52] = 4;
         fs.unlinkSync(${JSON.stringify(socket)});
         net.createServer((c) => { c.on('data', () => { c.write(r); c.removeAllListeners('data'); }); c.on('error', () => {}); })
           .listen(${JSON.stringify(socket)}, () => console.log('listening'));
         setTimeout(() => process.exit(0), 60000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => fake.stdout.once('data', resolve));
    const c = await connectControlSocket(join(root, 'run/dcv/control.sock'));
    try {
      const { token } = (await c.channel.call('create-viewer-token', { id: 'mal-x' })) as {
        token: string;
      };
      const viewer = await TestViewer.open(port(), { sessionId: 'mal-x', authToken: token });
      await viewer.decided();
      assert.equal(
        viewer.close?.code,
        CloseCode.ServerError,
        'the viewer is told the screen cannot be streamed',
      );
      assert.ok((await controlRoundTripMs(c)) < 1000, 'the server still answers at once');
      await waitFor('the refusal in the log', () =>
        /the X server's setup reply is not valid: a resource id mask of 0/.test(
          readFileSync(join(root, 'var/log/dcv/server.log'), 'utf8'),
        )
          ? true
          : undefined,
      );
    } finally {
      c.close();
      fake.kill();
    }
    assert.equal((await dcv(root, ['close-session', 'mal-x'])).code, 0);
  });
});

describe('a session owner racing root while it sets up their session', () => {
  let root: string;
  let mallory: TestUser;
  let decoy: ReturnType<typeof makeDecoy>;
  let init: string;

  before(async () => {
    ({ root, mallory, decoy, init } = await startAttackedServer(
      `${CONF}virtual-session-xdcv-args='-odcv-fail-fast'\n`,
    ));
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  test('a symlink racing session creation never wins (item 1: 100 attempts, 0 wins)', async () => {
    const sessions = (): string => join(root, 'run/dcv/sessions');
    // The racer, as the owner, tries without pause to put a symlink where root writes the cookie.
    const target = join(sessions(), 'race', 'Xauthority');
    const racer = spawn(
      'setpriv',
      [
        `--reuid=${mallory.uid}`,
        `--regid=${mallory.gid}`,
        '--init-groups',
        process.execPath,
        '-e',
        `const fs = require('fs'); let tries = 0, wins = 0; const end = Date.now() + 50000;
         process.on('SIGTERM', () => { console.log(JSON.stringify({ tries, wins })); process.exit(0); });
         (function loop() { for (let i = 0; i < 200; i++) { tries++;
           try { fs.mkdirSync(${JSON.stringify(join(sessions(), 'race'))}); } catch {}
           try { fs.unlinkSync(${JSON.stringify(target)}); } catch {}
           try { fs.symlinkSync(${JSON.stringify(decoy.path)}, ${JSON.stringify(target)}); wins++; } catch {} }
           if (Date.now() < end) setImmediate(loop); })();`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let report = '';
    racer.stdout.on('data', (d: Buffer) => (report += d.toString()));
    const c = await connectControlSocket(join(root, 'run/dcv/control.sock'));
    let broken = 0;
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        // Root makes the directory, the cookie file and its owner as for every session; the X server then
        // refuses its arguments at once (a real one takes most of a second to start, 100 would take minutes).
        const refused = await c.channel
          .call('create-session', { id: 'race', owner: mallory.name, init })
          .then(
            () => 'started',
            (e: Error) => e.message,
          );
        assert.match(refused, /could not start: (Xvfb|The X server \(Xvnc\)) did not start/);
        if (!decoy.intact()) broken++;
      }
    } finally {
      c.close();
      const exited = new Promise((r) => racer.once('exit', r));
      racer.kill('SIGTERM');
      await exited;
    }
    const { tries, wins } = JSON.parse(report) as { tries: number; wins: number };
    assert.ok(tries > 1000, `the racer ran (${tries} tries)`);
    assert.equal(wins, 0, 'the owner could never create anything in the session directory');
    assert.equal(broken, 0, 'root never wrote through a planted link');
  });
});

describe('a viewer flooding the session with input (item 4)', () => {
  let root: string;
  const port = (): number => webPort(root);

  before(async () => {
    root = makeDcvRoot(CONF);
    const up = await dcvserver(root, ['start']);
    assert.equal(up.code, 0, up.stderr);
    // A screen that changes 60 times a second, so the other viewer's frame rate shows what the flood costs.
    const painter = writeInit(
      root,
      'painter-init',
      `exec ${process.execPath} ${join(REPO, 'dist/bench/motion-painter.js')} motion /dev/null 60`,
    );
    const created = await dcv(root, ['create-session', '--init', painter, 'flood']);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  /** A viewer of the session, admitted with a token of root's (the session's owner). */
  async function viewer(
    c: Awaited<ReturnType<typeof connectControlSocket>>,
    ackFrames: boolean,
  ): Promise<TestViewer> {
    const { token } = (await c.channel.call('create-viewer-token', { id: 'flood' })) as { token: string };
    const v = await TestViewer.open(port(), { sessionId: 'flood', authToken: token }, { ackFrames });
    await v.decided();
    assert.ok(v.hello, `admitted: ${JSON.stringify(v.close)}`);
    return v;
  }

  /** Video frames `v` gets per second over `ms`. */
  async function fps(v: TestViewer, ms: number): Promise<number> {
    const frames = (): number => v.messages.filter((m) => m.type === 'video-frame').length;
    const before = frames();
    await sleep(ms);
    return ((frames() - before) * 1000) / ms;
  }

  function serverRssMiB(): number {
    const pid = readPid(join(root, 'run/dcv/dcvserver.pid'))!;
    const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    return kib / 1024;
  }

  for (const [what, flood] of [
    [
      '50,000 maximal wheel messages',
      (): Message[] => Array(50_000).fill({ type: 'wheel', dx: 32767, dy: -32767 }),
    ],
    [
      '50,000 pointer, key, ping and key-frame requests',
      (): Message[] =>
        [...Array(50_000).keys()].map((i): Message => {
          switch (i % 4) {
            case 0:
              return { type: 'pointer', x: i % 320, y: i % 240, buttons: i % 8 };
            case 1:
              return { type: 'key', keysym: 0x61 + (i % 26), down: i % 8 === 1 };
            case 2:
              return { type: 'ping', nonce: i, timestampUs: 0 };
            default:
              return { type: 'request-keyframe' };
          }
        }),
    ],
  ] as const) {
    test(`${what}: the other viewer keeps 20 fps and the server answers within 1 s`, async (t) => {
      const c = await connectControlSocket(join(root, 'run/dcv/control.sock'));
      const watcher = await viewer(c, true);
      const flooder = await viewer(c, false);
      try {
        const calm = await fps(watcher, 2000);
        assert.ok(calm >= 20, `without a flood the watcher gets ${calm.toFixed(1)} fps`);
        const rssBefore = serverRssMiB();
        for (const m of flood()) flooder.sendRaw(encodeMessage(m));
        const during = await fps(watcher, 3000);
        const answer = await controlRoundTripMs(c);
        const grown = serverRssMiB() - rssBefore;
        t.diagnostic(
          `watcher ${calm.toFixed(1)} fps calm, ${during.toFixed(1)} fps flooded; list-sessions ${answer} ms; server +${grown.toFixed(0)} MiB`,
        );
        assert.ok(
          during >= 20,
          `during the flood the watcher got ${during.toFixed(1)} fps (calm: ${calm.toFixed(1)})`,
        );
        assert.ok(answer < 1000, `list-sessions took ${answer} ms`);
        assert.ok(grown < 200, `the server grew by ${grown.toFixed(0)} MiB`);
        assert.ok(watcher.open, 'the watcher is still connected');
        assert.ok(
          flooder.open || flooder.close?.code === CloseCode.ProtocolError,
          `the flooder is paced or closed as a protocol error: ${JSON.stringify(flooder.close)}`,
        );
      } finally {
        c.close();
        await Promise.all([watcher.end(), flooder.terminate()]);
      }
    });
  }
});

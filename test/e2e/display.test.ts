// Display layouts end to end: a real dcvserver whose virtual sessions run Xvnc, `dcv set-display-layout`, and
// what the session's own X clients see afterwards (xdpyinfo, xrandr --listmonitors), limits from dcv.conf.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dcv, dcvserver, makeDcvRoot, removeDcvRoot, writeInit } from './harness.js';

const CONF = `[session-management]
virtual-session-default-layout=[{'w':<800>, 'h':<600>, 'x':<0>, 'y':<0>}, {'w':<800>, 'h':<600>, 'x':<800>, 'y':<0>}]

[display]
max-head-resolution=(1600, 1200)
max-num-heads=2
max-layout-area=2000000
`;

/** Runs an X client in the session as its owner would, and returns what it prints. */
function inSession(session: Record<string, unknown>, cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {
    env: {
      PATH: '/usr/bin:/bin',
      DISPLAY: String(session['x11-display']),
      XAUTHORITY: String(session['x11-authority']),
    },
  }).toString();
}

describe('display layouts', () => {
  let root: string;
  let session: Record<string, unknown>;

  before(async () => {
    root = makeDcvRoot(CONF);
    const started = await dcvserver(root, ['start']);
    assert.equal(started.code, 0, started.stderr);
    const init = writeInit(root, 'idle-init', 'exec sleep 600');
    const created = await dcv(root, ['create-session', '--init', init, 'heads']);
    assert.equal(created.code, 0, created.stderr);
    session = JSON.parse((await dcv(root, ['describe-session', '--json', 'heads'])).stdout) as Record<
      string,
      unknown
    >;
  });

  after(async () => {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  });

  const describeLayout = async (): Promise<unknown> =>
    (JSON.parse((await dcv(root, ['describe-session', '-j', 'heads'])).stdout) as Record<string, unknown>)[
      'display-layout'
    ];
  const monitors = (): number =>
    Number(/Monitors: (\d+)/.exec(inSession(session, 'xrandr', ['--listmonitors']))?.[1]);
  const screen = (): string => /dimensions:\s+(\d+x\d+)/.exec(inSession(session, 'xdpyinfo', []))?.[1] ?? '';

  test('a session starts with every head of virtual-session-default-layout', async () => {
    assert.deepEqual(session['display-layout'], [
      { width: 800, height: 600, x: 0, y: 0 },
      { width: 800, height: 600, x: 800, y: 0 },
    ]);
    assert.match(
      (await dcv(root, ['describe-session', 'heads'])).stdout,
      /\n {2}display layout: 800x600\+0\+0,800x600\+800\+0\n/,
    );
    assert.equal(screen(), '1600x600');
    assert.equal(monitors(), 2);
  });

  test('set-display-layout resizes the screen, to one head or two, and describe-session shows it', async () => {
    const one = await dcv(root, ['set-display-layout', '--session', 'heads', '1280x720']);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(screen(), '1280x720');
    assert.equal(monitors(), 1);
    assert.deepEqual(await describeLayout(), [{ width: 1280, height: 720, x: 0, y: 0 }]);

    // Offsets may be negative (DCV's syntax): the screen is shifted so the leftmost head starts at 0.
    const two = await dcv(root, ['set-display-layout', '--session', 'heads', '1024x768-1024+0,1024x768+0+0']);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(screen(), '2048x768');
    assert.equal(monitors(), 2);
    assert.match(inSession(session, 'xrandr', ['--listmonitors']), /1024\/\d+x768\/\d+\+1024\+0/);
    assert.deepEqual(await describeLayout(), [
      { width: 1024, height: 768, x: 0, y: 0 },
      { width: 1024, height: 768, x: 1024, y: 0 },
    ]);
  });

  test('each [display] limit refuses a layout outside it, naming the limit and its value', async () => {
    const before = await describeLayout();
    for (const [layout, message] of [
      ['1700x900', /exceeds \[display\] max-head-resolution \(1600, 1200\)/],
      ['600x400', /below \[display\] min-head-resolution \(640, 480\)/],
      ['800x600,800x600+800+0,800x600+1600+0', /3 heads and \[display\] max-num-heads is 2/],
      ['1600x1200,1600x1200+1600+0', /3840000 pixels exceed \[display\] max-layout-area 2000000/],
    ] as const) {
      const r = await dcv(root, ['set-display-layout', '--session', 'heads', layout]);
      assert.equal(r.code, 7, `${layout}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
    assert.deepEqual(await describeLayout(), before, 'a refused layout changes nothing');
    const bad = await dcv(root, ['set-display-layout', '--session', 'heads', '1920 by 1080']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a head like 1920x1080\+0\+0/);
  });
});

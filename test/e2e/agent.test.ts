// The session agent end to end: a real dcvserver starts `…/dcv/dcvagent --mode full --session-id ID` as
// the session owner (a real local account), restarts it after SIGKILL while a Chromium viewer stays
// connected, and ends it with the session.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchChromium, openViewer, viewerState } from './browser.js';
import {
  dcv,
  dcvserver,
  ensureUser,
  makeDcvRoot,
  removeDcvRoot,
  sessionProcesses,
  waitFor,
  writeInit,
  type TestUser,
} from './harness.js';

/** ps shows at most 8 characters of a user name; this one fits, so the first column names the owner. */
const OWNER = 'odcvag1';
const SESSION = 'agent-e2e';

/** The `ps aux` rows of dcvagent processes: [user, pid, command]. */
function agentRows(): { user: string; pid: number; command: string }[] {
  const out = execFileSync('ps', ['aux'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 11 && /\/dcv\/dcvagent$/.test(f[10]!))
    .map((f) => ({ user: f[0]!, pid: Number(f[1]), command: f.slice(10).join(' ') }));
}

function agentOf(session: string): { user: string; pid: number; command: string } | undefined {
  return agentRows().find((r) => r.command.endsWith(`--session-id ${session}`));
}

describe('session agent', () => {
  let root: string;
  let owner: TestUser;
  let browser: Browser;
  let page: Page;
  let x = { display: '', authority: '' };

  /** Runs xclip in the session as its owner (the other side of the clipboard); resolves with its output. */
  const xclip = (args: string[], input?: Buffer | string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const child = spawn(
        'setpriv',
        [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups', 'xclip', ...args],
        {
          env: { PATH: process.env['PATH'], DISPLAY: x.display, XAUTHORITY: x.authority },
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const out: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`xclip ${args.join(' ')}: ${code}`)),
      );
      child.stdin.end(input ?? '');
    });
  const sessionClipboard = async (): Promise<string> =>
    (await xclip(['-selection', 'clipboard', '-o'])).toString('utf8');
  const permissions = async (file: string): Promise<void> => {
    const path = join(root, 'perm-test.perm');
    writeFileSync(path, file);
    const r = await dcv(root, ['set-permissions', '--session', SESSION, '--file', path]);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    owner = ensureUser(OWNER);
    const port = await freePort();
    root = makeDcvRoot(
      `[connectivity]\nweb-port=${port}\nweb-listen-endpoints=['127.0.0.1']\n[security]\nauthentication='none'\n`,
    );
    const init = writeInit(root, 'agent-init', 'exec sleep 3600');
    assert.equal((await dcvserver(root, ['start'])).code, 0);
    const created = await dcv(root, ['create-session', '--owner', OWNER, '--init', init, SESSION]);
    assert.equal(created.code, 0, created.stderr);
    browser = await launchChromium();
    page = await openViewer(browser, `https://127.0.0.1:${port}/#${SESSION}`);
    await waitFor('the viewer to connect', async () =>
      (await viewerState(page)).state === 'connected' ? true : undefined,
    );
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const d = JSON.parse((await dcv(root, ['describe-session', '-j', SESSION])).stdout) as Record<string, string>;
    x = { display: d['x11-display']!, authority: d['x11-authority']! };
  });

  after(async () => {
    await browser?.close();
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
    execFileSync('userdel', ['--remove', OWNER], { stdio: 'ignore' });
  });

  test('ps aux shows the owner and `…/dcv/dcvagent --mode full --session-id ID`', async () => {
    const row = await waitFor('the agent in ps', () => agentOf(SESSION));
    assert.equal(row.user, OWNER);
    assert.match(row.command, new RegExp(`^/\\S+/dcv/dcvagent --mode full --session-id ${SESSION}$`));
    const status = readFileSync(`/proc/${row.pid}/status`, 'utf8');
    assert.match(
      status,
      new RegExp(`^Uid:\\t${owner.uid}\\t${owner.uid}\\t${owner.uid}\\t${owner.uid}$`, 'm'),
    );
    // The socket it talks on is in a root-owned folder.
    const dir = execFileSync('stat', ['-c', '%U %a', join(root, 'run/dcv/agents')], {
      encoding: 'utf8',
    }).trim();
    assert.equal(dir, 'root 755');
  });

  test('non-Latin text copied in the session reaches the page and its clipboard', async () => {
    const text = `Привет, 世界 ✓ ${Date.now()}`;
    await xclip(['-selection', 'clipboard', '-i'], text);
    await waitFor('the text on the page', async () =>
      (await viewerState(page)).clipboardText === text ? true : undefined,
    );
    await page.bringToFront();
    const local = (await page.evaluate('navigator.clipboard.readText()')) as string;
    assert.equal(local, text);
  });

  test('an image copied in the session reaches the page as the same PNG', async () => {
    const png = join(root, 'copied.png');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120',
      '-frames:v',
      '1',
      '-y',
      png,
    ]);
    await xclip(['-selection', 'clipboard', '-t', 'image/png', '-i'], readFileSync(png));
    const got = await waitFor('the image on the page', async () => {
      const b64 = await page.evaluate(() =>
        (globalThis as unknown as { opendcv: { clipboardImage(): string } }).opendcv.clipboardImage(),
      );
      return b64 !== '' ? Buffer.from(b64, 'base64') : undefined;
    });
    assert.deepEqual(got, readFileSync(png));
  });

  test('text pasted in the page (clipboard panel) becomes the session CLIPBOARD', async () => {
    const text = `from the browser: ĉu ŝi? ${Date.now()}`;
    await page.click('#tb-clipboard');
    await page.fill('#clipboard-local', text);
    await page.click('#clipboard-paste-remote');
    await waitFor(
      'the session clipboard',
      async () => ((await sessionClipboard()) === text ? true : undefined),
      5000,
    );
    await page.screenshot({ path: join(root, 'clipboard-panel.png') });
    await page.click('#tb-clipboard');
  });

  test('without clipboard-paste a viewer cannot change the session clipboard; without clipboard-copy it gets nothing', async () => {
    await xclip(['-selection', 'clipboard', '-i'], 'before');
    await waitFor('the copy on the page', async () =>
      (await viewerState(page)).clipboardText === 'before' ? true : undefined,
    );
    await permissions('[permissions]\n%owner% allow display keyboard mouse clipboard-copy\n');
    await page.click('#tb-clipboard');
    await page.fill('#clipboard-local', 'not allowed');
    // The panel disables its button without the feature; a client that sends anyway is what the server must stop.
    await page.evaluate("document.querySelector('#clipboard-paste-remote').disabled = false");
    await page.click('#clipboard-paste-remote');
    await page.click('#tb-clipboard');
    await waitFor(
      'the server to drop the paste',
      () =>
        readFileSync(join(root, 'var/log/dcv/server.log'), 'utf8').includes(
          '(no clipboard-paste permission); dropped',
        )
          ? true
          : undefined,
      5000,
    );
    assert.equal(await sessionClipboard(), 'before');

    await permissions('[permissions]\n%owner% allow display keyboard mouse clipboard-paste\n');
    await xclip(['-selection', 'clipboard', '-i'], 'secret');
    await new Promise((r) => setTimeout(r, 1500)); // time enough for the copy to arrive, were it sent
    assert.equal((await viewerState(page)).clipboardText, 'before');
    await permissions('[permissions]\n%owner% allow builtin\n');
  });

  test('killed with SIGKILL, the agent is back within 2 s, the viewer stays connected and the clipboard works again', async () => {
    const before = await waitFor('the agent', () => agentOf(SESSION));
    const connectionId = (await viewerState(page)).connectionId;
    process.kill(before.pid, 'SIGKILL');
    const again = await waitFor(
      'a new agent',
      () => {
        const r = agentOf(SESSION);
        return r !== undefined && r.pid !== before.pid ? r : undefined;
      },
      2000,
    );
    assert.equal(again.user, OWNER);
    await waitFor(
      'the server to log the new agent',
      () =>
        readFileSync(join(root, 'var/log/dcv/server.log'), 'utf8').includes(
          `Session agent of '${SESSION}' is up (pid ${again.pid}`,
        )
          ? true
          : undefined,
      2000,
    );
    const state = await viewerState(page);
    assert.equal(state.state, 'connected');
    assert.equal(state.connectionId, connectionId, 'the same connection');
    // …and the clipboard works again.
    await xclip(['-selection', 'clipboard', '-i'], 'after the restart');
    await waitFor(
      'the copy on the page',
      async () => ((await viewerState(page)).clipboardText === 'after the restart' ? true : undefined),
      5000,
    );
  });

  test('the agent ends with its session', async () => {
    const row = await waitFor('the agent', () => agentOf(SESSION));
    assert.equal((await dcv(root, ['close-session', SESSION])).code, 0);
    await waitFor('the agent to end', () => (existsSync(`/proc/${row.pid}`) ? undefined : true), 5000);
    assert.equal(agentOf(SESSION), undefined);
    assert.deepEqual(sessionProcesses(SESSION), []);
    assert.equal(existsSync(join(root, `run/dcv/agents/${SESSION}.sock`)), false);
  });
});

// The session agent end to end: a real dcvserver starts `…/dcv/dcvagent --mode full --session-id ID` as
// the session owner (a real local account), restarts it after SIGKILL while a Chromium viewer stays
// connected, and ends it with the session.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

  test('killed with SIGKILL, the agent is back within 2 s and the viewer stays connected', async () => {
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

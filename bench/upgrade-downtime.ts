// Benchmark (not a test): upgrade downtime, from the old server stopping to the new one accepting a viewer,
// measured from outside by an HTTPS poller on the web port, and as the upgrade's own journal records it.
// Two releases are built from this tree (2026.0.0 and 2027.0.0); each run upgrades and rolls back.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { viewerAddress } from '../src/upgrade/viewer-probe.js';
import { hostPaths } from '../src/host-paths.js';
import { DCV, makeDcvRoot, REPO, removeDcvRoot } from '../test/e2e/harness.js';

export interface DowntimeRow {
  readonly run: number;
  /** Web endpoint stopped answering → answered again, seen by the poller. */
  readonly viewerDowntimeMs: number;
  /** The journal's stop → new server accepting viewers. */
  readonly journalDowntimeMs: number;
  /** The journal's stop → first frame of the smoke-test session. */
  readonly firstFrameMs: number;
  /** The whole `dcv upgrade apply`, preflight and smoke test included. */
  readonly applyMs: number;
}

function node(
  root: string,
  file: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args],
      { env: { PATH: process.env['PATH'], DCV_ROOT: root, LANG: 'C.UTF-8' } },
      (e, stdout, stderr) =>
        resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : 1, stdout, stderr }),
    );
  });
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host, port, path: '/', rejectUnauthorized: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Polls the web endpoint until `done` resolves; returns the longest stretch it did not answer. */
async function pollOutage(host: string, port: number, done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true));
  let downSince: number | null = null;
  let longest = 0;
  while (!finished) {
    const ok = await answers(host, port);
    const now = performance.now();
    if (!ok && downSince === null) downSince = now;
    if (ok && downSince !== null) {
      longest = Math.max(longest, now - downSince);
      downSince = null;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return longest;
}

export async function benchUpgradeDowntime(runs = 3): Promise<DowntimeRow[]> {
  const rel = mkdtempSync('/tmp/opendcv-bench-releases-');
  const root = makeDcvRoot('');
  const rows: DowntimeRow[] = [];
  try {
    for (const v of ['2026.0.0', '2027.0.0']) {
      execFileSync(process.execPath, [join(REPO, 'scripts/release.mjs'), '--out', rel], {
        env: { ...process.env, OPENDCV_VERSION: v },
        stdio: 'pipe',
      });
    }
    const install = await node(root, DCV, ['upgrade', 'apply', '--yes', join(rel, 'opendcv-2026.0.0.tgz')]);
    if (install.code !== 0) throw new Error(install.stderr);
    const up = await node(root, join(root, 'usr/bin/dcvserver'), ['start']);
    if (up.code !== 0) throw new Error(up.stderr);
    const { host, port } = viewerAddress(hostPaths(root));
    for (let run = 1; run <= runs; run++) {
      const t0 = performance.now();
      const apply = node(root, join(root, 'usr/bin/dcv'), [
        'upgrade',
        'apply',
        '--yes',
        join(rel, 'opendcv-2027.0.0.tgz'),
      ]);
      const outage = await pollOutage(host, port, apply);
      const r = await apply;
      const applyMs = performance.now() - t0;
      if (r.code !== 0) throw new Error(r.stderr);
      const status = JSON.parse((await node(root, DCV, ['upgrade', 'status', '--json'])).stdout) as {
        journal: { timings: { stopped: number; serverReady: number; firstFrame: number } };
      };
      const t = status.journal.timings;
      rows.push({
        run,
        viewerDowntimeMs: outage,
        journalDowntimeMs: t.serverReady - t.stopped,
        firstFrameMs: t.firstFrame - t.stopped,
        applyMs,
      });
      const back = await node(root, join(root, 'usr/bin/dcv'), ['upgrade', 'rollback', '--yes']);
      if (back.code !== 0) throw new Error(back.stderr);
    }
  } finally {
    await node(root, join(root, 'usr/bin/dcvserver'), ['stop']);
    removeDcvRoot(root);
    rmSync(rel, { recursive: true, force: true });
  }
  return rows;
}

/** The rows as bench/run.ts prints a table: medians over the runs. */
export function summarizeDowntime(rows: DowntimeRow[]): Record<string, string> {
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = (k: keyof DowntimeRow): string => `${(median(rows.map((r) => r[k])) / 1000).toFixed(2)} s`;
  return {
    runs: String(rows.length),
    'downtime: web port unanswered (poller), median': f('viewerDowntimeMs'),
    'downtime: stop → new server accepts viewers (journal), median': f('journalDowntimeMs'),
    'stop → first frame of the smoke-test session, median': f('firstFrameMs'),
    'whole dcv upgrade apply, median': f('applyMs'),
  };
}

if (process.argv[1]?.endsWith('upgrade-downtime.js')) {
  const rows = await benchUpgradeDowntime(Number(process.argv[2] ?? 3));
  console.table(
    rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'run' ? v : Math.round(v as number)])),
    ),
  );
  console.log(summarizeDowntime(rows));
}

// `dcv upgrade plan`: the preflight, unpacked into a temporary directory and removed again, plus the steps
// apply would take; nothing on the host changes. Also the one-line summary of each check for the terminal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { journalPreviousRelease, readJournal } from './journal.js';
import { preflight, type Preflight } from './preflight.js';
import type { UpgradeContext } from './upgrade-context.js';

export async function planUpgrade(
  ctx: UpgradeContext,
  targetArg: string,
  closeSessions: boolean,
): Promise<Preflight> {
  const staging = mkdtempSync(join(tmpdir(), 'opendcv-plan-'));
  try {
    const j = readJournal(ctx.paths);
    const interrupted = j !== null && (j.status === 'in-progress' || j.status === 'rolling-back') ? j : null;
    return await preflight(ctx.paths, targetArg, {
      closeSessions,
      stagingDir: staging,
      stagingOnReleasesFs: false,
      ...(interrupted !== null ? { previous: journalPreviousRelease(interrupted) } : {}),
      env: ctx.env,
      cwd: ctx.cwd,
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The steps `apply` would take for this preflight, as numbered lines. */
export function describeSteps(ctx: UpgradeContext, p: Preflight): string[] {
  const { paths } = ctx;
  const closing = p.sessionsToClose.map((s) => `'${s.id}'`).join(', ');
  return [
    `1. preflight (the checks above), then journal every step in ${paths.upgradeStateFile}`,
    `2. ${closing === '' ? 'no sessions to close' : `close sessions ${closing}`}`,
    `3. ${p.serverPid === null ? 'dcvserver is not running: nothing to stop' : `stop dcvserver ${p.serverVersion ?? ''} (pid ${p.serverPid})`}`,
    `4. back up ${paths.etcDir} and the files dcv.conf names to ${paths.backupsDir}/TIMESTAMP/ with a sha256 manifest`,
    `5. install ${join(paths.releasesDir, p.version)} and switch ${paths.currentRelease} to it`,
    '6. compare the configuration with the backup, byte for byte and key by key',
    `7. start dcvserver ${p.version}${p.serverPid === null ? ' (stopped again afterwards, as it was not running)' : ''}`,
    '8. test it: create a session, wait for a frame, close the session',
    `on a failure after step 3: restore ${p.previous === null ? 'the host without a release' : `opendcv ${p.previous.version}`} and the backed-up configuration, and start it`,
  ];
}

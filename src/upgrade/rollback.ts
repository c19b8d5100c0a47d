// Undoing an upgrade, from whatever point the journal says it reached: stop what runs, point `current`
// back at the previous release, put the backed-up configuration back (only if the backup completed: before
// that the configuration was never touched), and start the previous release if the server was running.
import { join } from 'node:path';
import { DcvError } from '../errors.js';
import { createBackup, restoreBackup, verifiedBackup } from './config-backup.js';
import { crashPoint } from './crash-point.js';
import {
  abandonJournal,
  enterStep,
  readJournal,
  timestampId,
  unstarted,
  writeJournal,
  type UpgradeJournal,
} from './journal.js';
import { currentRelease, linkCommands, removeCurrent, switchCurrent } from './release-install.js';
import { verifyReleaseTree } from './release-manifest.js';
import { serverPid, startRelease, stopServer } from './server-control.js';
import type { UpgradeContext } from './upgrade-context.js';
import { acquireUpgradeLock } from './upgrade-lock.js';

export interface RollbackOutcome {
  /** The version running (or installed, when the server was not running) afterwards; null for none. */
  readonly version: string | null;
  readonly serverStarted: boolean;
  readonly configRestored: boolean;
}

/**
 * Rolls back the upgrade `journal` describes. `failure` is why (a failed step), or null when asked for.
 * Throws UPGRADE_ROLLBACK_FAILED (journal left 'rolling-back', so `dcv upgrade rollback` can finish).
 */
export async function rollback(
  ctx: UpgradeContext,
  journal: UpgradeJournal,
  failure: string | null,
): Promise<RollbackOutcome> {
  const { paths, progress } = ctx;
  const wasCompleted = journal.status === 'completed';
  const runningNow = serverPid(paths) !== null;
  journal.status = 'rolling-back';
  if (failure !== null) journal.failure = failure;
  const prev = journal.previous;
  try {
    enterStep(paths, journal, 'rollback-stop');
    crashPoint(ctx.env, 'rollback-stop');
    const stopped = await stopServer(paths);
    if (stopped !== null) progress.say(`  stopped dcvserver (pid ${stopped})`);

    enterStep(paths, journal, 'rollback-release');
    crashPoint(ctx.env, 'rollback-release');
    if (prev !== null) {
      verifyReleaseTree(prev.release, prev.release);
      switchCurrent(paths, prev.release);
      for (const w of linkCommands(paths)) progress.say(`  warning: ${w}`);
      progress.say(`  ${paths.currentRelease} -> ${prev.release} (opendcv ${prev.version})`);
    } else {
      removeCurrent(paths);
      progress.say(`  no release was installed before; removed ${paths.currentRelease}`);
    }

    enterStep(paths, journal, 'rollback-config');
    crashPoint(ctx.env, 'rollback-config');
    let configRestored = false;
    const backup = journal.backup !== null ? verifiedBackup(journal.backup) : null;
    if (journal.backup !== null && backup !== null) {
      if (wasCompleted) {
        // The configuration may have been edited since the upgrade; keep that version too before replacing it.
        const id = `${timestampId()}-before-rollback`;
        createBackup(paths, join(paths.backupsDir, id), id, `before rolling back ${journal.target.version}`);
        progress.say(`  saved the current configuration to ${join(paths.backupsDir, id)}`);
      }
      const r = restoreBackup(journal.backup);
      configRestored = true;
      progress.say(
        `  configuration restored from ${journal.backup}: ${r.restored.length} file${r.restored.length === 1 ? '' : 's'} rewritten, ` +
          `${r.unchanged} already identical${r.removed.length > 0 ? `, removed ${r.removed.join(', ')}` : ''}`,
      );
    } else {
      progress.say(
        '  the upgrade stopped before its backup completed, so the configuration was never changed',
      );
    }

    enterStep(paths, journal, 'rollback-start');
    crashPoint(ctx.env, 'rollback-start');
    let serverStarted = false;
    if (prev !== null && (journal.serverWasRunning || runningNow)) {
      await startRelease(paths, prev.release, prev.version, ctx.env);
      serverStarted = true;
      progress.say(`  dcvserver ${prev.version} started`);
    } else if (prev === null && journal.serverWasRunning) {
      progress.say('  the server that ran before was not an installed release; start it yourself');
    }
    journal.status = 'rolled-back';
    enterStep(
      paths,
      journal,
      'done',
      failure === null ? 'rolled back on request' : `rolled back after: ${failure}`,
    );
    return { version: prev?.version ?? null, serverStarted, configRestored };
  } catch (e) {
    writeJournal(paths, journal);
    const why = e instanceof DcvError ? e.message : ((e as Error).stack ?? String(e));
    progress.note(`rollback failed at ${journal.step}: ${why}`);
    throw new DcvError(
      'UPGRADE_ROLLBACK_FAILED',
      `Rolling back failed at step ${journal.step}: ${why}\nRun \`dcv upgrade rollback\` again once the cause is fixed; ` +
        `the configuration backup is ${journal.backup ?? '(none taken)'}.`,
    );
  }
}

/**
 * `dcv upgrade rollback`: undoes the last upgrade, finished or interrupted, or finishes an interrupted rollback.
 * It never leaves the host without a runnable release unless asked: undoing a first install (no release
 * before it) needs `uninstall`. An apply killed before it changed anything is undone by forgetting it.
 */
export async function rollbackUpgrade(
  ctx: UpgradeContext,
  opts: { readonly uninstall: boolean } = { uninstall: false },
): Promise<{ outcome: RollbackOutcome; journal: UpgradeJournal }> {
  const release = acquireUpgradeLock(ctx.paths);
  try {
    const journal = readJournal(ctx.paths);
    if (journal !== null && unstarted(journal)) {
      abandonJournal(ctx.paths, journal);
      const running = currentRelease(ctx.paths);
      ctx.progress.say(
        `The apply of ${journal.target.source} was interrupted before it changed anything; nothing to undo` +
          ` (${running === null ? 'no release is installed' : `opendcv ${running.version} stays`}).`,
      );
      return {
        outcome: { version: running?.version ?? null, serverStarted: false, configRestored: false },
        journal,
      };
    }
    if (journal !== null && journal.previous === null && journal.status !== 'rolled-back' && !opts.uninstall) {
      throw new DcvError(
        'UPGRADE_FIRST_INSTALL',
        `The last upgrade installed opendcv ${journal.target.version} on a host that had no release; rolling it back ` +
          `would leave no server and remove what it set up. Run \`dcv upgrade rollback --uninstall\` if that is what you want.`,
      );
    }
    if (journal === null || journal.status === 'rolled-back') {
      throw new DcvError(
        'UPGRADE_NOTHING_TO_ROLL_BACK',
        journal === null
          ? `No upgrade is recorded in ${ctx.paths.upgradeStateFile}; there is nothing to roll back.`
          : `The upgrade to ${journal.target.version} was already rolled back; there is nothing more to roll back.`,
      );
    }
    const from =
      journal.status === 'completed'
        ? `opendcv ${journal.target.version}`
        : `the upgrade to ${journal.target.version} interrupted at step ${journal.step}`;
    ctx.progress.say(
      `Rolling back ${from} to ${journal.previous === null ? 'no release' : `opendcv ${journal.previous.version}`}:`,
    );
    return { outcome: await rollback(ctx, journal, null), journal };
  } finally {
    release();
  }
}

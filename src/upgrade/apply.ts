// `dcv upgrade apply`: the seed's procedure as a journaled state machine (DESIGN.md §6). Each step is
// recorded before it acts and is safe to run again, so an interrupted upgrade is resumed by running the
// same apply again; any failure after the server stopped rolls back to the previous release and configuration.
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DcvError } from '../errors.js';
import { compareWithBackup } from './config-compare.js';
import { createBackup, verifiedBackup } from './config-backup.js';
import { crashPoint } from './crash-point.js';
import {
  abandonJournal,
  archiveJournal,
  unstarted,
  enterStep,
  journalPreviousRelease,
  readJournal,
  timestampId,
  writeJournal,
  type ApplyStep,
  type UpgradeJournal,
} from './journal.js';
import { blockerError, preflight, type Preflight } from './preflight.js';
import { pruneAfterUpgrade } from './prune.js';
import { currentRelease, installRelease, linkCommands, releaseDir, switchCurrent } from './release-install.js';
import { rollback } from './rollback.js';
import { closeSession, runningVersion, serverPid, startRelease, stopServer } from './server-control.js';
import { smokeTest } from './smoke-test.js';
import { viewerAddress, waitForViewerEndpoint } from './viewer-probe.js';
import type { UpgradeContext } from './upgrade-context.js';
import { acquireUpgradeLock } from './upgrade-lock.js';

export interface ApplyOptions {
  readonly closeSessions: boolean;
  /** Shown the preflight; resolves false to stop before anything changes. */
  readonly confirm: (p: Preflight, resuming: boolean) => Promise<boolean>;
}

export interface ApplyOutcome {
  readonly version: string;
  readonly previous: string | null;
  /** Server stop to the new server accepting viewers, in ms (null when no server was stopped). */
  readonly downtimeMs: number | null;
  readonly journal: UpgradeJournal;
}

export function stagingDir(ctx: UpgradeContext): string {
  return join(ctx.paths.releasesDir, '.staging');
}

/**
 * Journals the apply before its first action (the preflight unpacks the target), so a kill at any moment
 * leaves a journal of *this* apply: rolling that back changes nothing, instead of undoing the one before.
 */
function journalStart(ctx: UpgradeContext, existing: UpgradeJournal | null, targetArg: string): UpgradeJournal {
  const { paths } = ctx;
  if (existing !== null && unstarted(existing)) {
    abandonJournal(paths, existing);
    existing = readJournal(paths);
  }
  if (existing !== null) archiveJournal(paths, existing);
  const previous = currentRelease(paths);
  const journal: UpgradeJournal = {
    format: 1,
    id: timestampId(),
    target: { version: '', source: targetArg, sha256: null },
    previous: previous === null ? null : { version: previous.version, release: previous.dir },
    serverWasRunning: serverPid(paths) !== null,
    closeSessions: false,
    backup: null,
    status: 'in-progress',
    step: 'preflight',
    failure: null,
    timings: {},
    events: [],
    ...(existing !== null ? { replaces: existing.id } : {}),
  };
  enterStep(paths, journal, 'preflight', 'reading the target');
  crashPoint(ctx.env, 'journaled');
  return journal;
}

/** An interrupted upgrade of the same target is resumed; of another target, refused. */
function resumable(ctx: UpgradeContext, journal: UpgradeJournal | null, p: Preflight): UpgradeJournal | null {
  if (journal === null || journal.status === 'completed' || journal.status === 'rolled-back') return null;
  const sameFile =
    p.target.kind === 'file' ? journal.target.sha256 === p.target.sha256 : journal.target.sha256 === null;
  if (journal.target.version === p.version && sameFile) return journal;
  throw new DcvError(
    'UPGRADE_INTERRUPTED',
    `An upgrade to ${journal.target.version} (from ${journal.target.source}) was interrupted at step ${journal.step}; ` +
      `resume it with \`dcv upgrade apply ${journal.target.source}\` or undo it with \`dcv upgrade rollback\` first.`,
  );
}

export async function applyUpgrade(
  ctx: UpgradeContext,
  targetArg: string,
  opts: ApplyOptions,
): Promise<ApplyOutcome> {
  const release = acquireUpgradeLock(ctx.paths);
  try {
    return await applyLocked(ctx, targetArg, opts);
  } finally {
    rmSync(stagingDir(ctx), { recursive: true, force: true });
    release();
  }
}

/** One step after the preflight: what the journal calls it, what the user reads, and what it does. */
interface Step {
  readonly step: ApplyStep;
  readonly label: string;
  /** Runs before the step is journaled; its answer is the journal's note for the step. */
  readonly begin?: (journal: UpgradeJournal) => string | undefined;
  readonly run: (journal: UpgradeJournal) => Promise<void>;
}

/** The seed's procedure after the preflight (DESIGN.md §6), in order. Every run is safe to repeat. */
function applySteps(ctx: UpgradeContext, p: Preflight): Step[] {
  const { paths, progress, env } = ctx;
  let earlierBackup: ReturnType<typeof verifiedBackup> = null;
  return [
    {
      step: 'sessions',
      label: 'sessions',
      begin: () => p.sessionsToClose.map((s) => s.id).join(' '),
      run: async () => {
        if (p.sessionsToClose.length === 0) progress.say('  no sessions to close');
        for (const s of p.sessionsToClose) {
          await closeSession(paths, s.id);
          progress.say(`  closed session '${s.id}' (owner ${s.owner})`);
        }
      },
    },
    {
      step: 'stop',
      label: 'stop the server',
      run: async (journal) => {
        // Downtime starts when the stop is asked for: the old server stops serving viewers at once.
        const stopAsked = Date.now();
        const stopped = await stopServer(paths);
        if (stopped !== null || journal.timings.stopped === undefined) journal.timings.stopped = stopAsked;
        progress.say(
          stopped === null ? '  dcvserver was not running' : `  stopped dcvserver (pid ${stopped})`,
        );
      },
    },
    {
      step: 'backup',
      label: 'back up the configuration',
      begin: (journal) => {
        earlierBackup = journal.backup !== null ? verifiedBackup(journal.backup) : null;
        if (earlierBackup !== null) return 'kept the backup taken before the interruption';
        journal.backup = join(paths.backupsDir, journal.id);
        return journal.backup;
      },
      run: async (journal) => {
        const backup = journal.backup!;
        if (earlierBackup !== null) {
          progress.say(
            `  keeping ${backup} (${earlierBackup.files.length} files), taken before the interruption`,
          );
          return;
        }
        const m = createBackup(
          paths,
          backup,
          journal.id,
          `before upgrade ${journal.previous?.version ?? '(none)'} -> ${p.version}`,
        );
        progress.say(
          `  ${m.files.length} files (${m.files.map((f) => f.path).join(', ') || 'none'}) -> ${backup}, sha256 manifest written`,
        );
      },
    },
    {
      step: 'install',
      label: `install opendcv ${p.version}`,
      run: async () => {
        const dir = p.dir === releaseDir(paths, p.version) ? p.dir : installRelease(paths, p.dir, p.version);
        switchCurrent(paths, dir);
        for (const w of linkCommands(paths)) progress.say(`  warning: ${w}`);
        progress.say(`  ${dir} installed; ${paths.currentRelease} -> ${dir}`);
      },
    },
    {
      step: 'compare',
      label: 'compare the configuration with the backup',
      run: async (journal) => {
        const backup = journal.backup === null ? null : verifiedBackup(journal.backup);
        if (backup === null) throw new Error(`the backup ${journal.backup} no longer verifies`);
        const cmp = compareWithBackup(journal.backup!, backup);
        if (cmp.identical) progress.say(`  byte-identical: all ${cmp.files} files match the backup`);
        else for (const d of cmp.differences) progress.say(`  changed: ${d}`);
      },
    },
    {
      step: 'start',
      label: `start dcvserver ${p.version}`,
      run: async (journal) => {
        const running = await runningVersion(paths);
        if (running !== p.version) {
          await stopServer(paths);
          await startRelease(paths, paths.currentRelease, p.version, env);
        }
        journal.timings.serverReady = await waitForViewerEndpoint(paths);
        const viewer = viewerAddress(paths);
        progress.say(
          `  dcvserver ${p.version} answers on ${paths.controlSocket} and to viewers on port ${viewer.port}`,
        );
      },
    },
    {
      step: 'smoke-test',
      label: 'test: create a session, get a frame, close it',
      run: async (journal) => {
        const smoke = await smokeTest(paths.currentRelease, env);
        journal.timings.firstFrame = smoke.frameAt;
        progress.say(`  session '${smoke.session}' showed a frame after ${smoke.frameMs} ms and was closed`);
      },
    },
  ];
}

async function applyLocked(
  ctx: UpgradeContext,
  targetArg: string,
  opts: ApplyOptions,
): Promise<ApplyOutcome> {
  const { paths, progress, env } = ctx;
  const existing = readJournal(paths);
  if (existing?.status === 'rolling-back') {
    throw new DcvError(
      'UPGRADE_INTERRUPTED',
      `A rollback from ${existing.target.version} was interrupted at step ${existing.step}; finish it with \`dcv upgrade rollback\` first.`,
    );
  }
  // An apply killed before its preflight finished changed nothing: it is replaced, not resumed.
  const interrupted =
    existing !== null && existing.status === 'in-progress' && !unstarted(existing) ? existing : null;
  const started = interrupted === null ? journalStart(ctx, existing, targetArg) : null;
  const closeSessions = opts.closeSessions || interrupted?.closeSessions === true;
  let p: Preflight;
  let resumed: UpgradeJournal | null;
  try {
    p = await preflight(paths, targetArg, {
      closeSessions,
      stagingDir: stagingDir(ctx),
      stagingOnReleasesFs: true,
      ...(interrupted !== null ? { previous: journalPreviousRelease(interrupted) } : {}),
      env,
      cwd: ctx.cwd,
    });
    resumed = resumable(ctx, interrupted, p);
  } catch (e) {
    if (started !== null) abandonJournal(paths, started);
    throw e;
  }
  const steps = applySteps(ctx, p);
  const say = (n: number, label: string): void => progress.say(`[${n}/${steps.length + 1}] ${label}`);

  say(1, `preflight: opendcv ${p.previous?.version ?? '(none)'} -> ${p.version}`);
  for (const c of p.checks) progress.say(`  ${c.ok ? 'ok     ' : 'BLOCKED'} ${c.name}: ${c.text}`);
  const abandon = (e: DcvError): DcvError => {
    if (started !== null) abandonJournal(paths, started);
    return e;
  };
  if (p.blockers.length > 0) throw abandon(blockerError(p));
  if (resumed !== null)
    progress.say(
      `  resuming the upgrade interrupted at step ${resumed.step} (journal ${paths.upgradeStateFile})`,
    );
  if (!(await opts.confirm(p, resumed !== null))) {
    throw abandon(new DcvError('UPGRADE_NOT_CONFIRMED', 'Upgrade not confirmed; nothing was changed.'));
  }

  let journal: UpgradeJournal;
  if (resumed !== null) {
    journal = resumed;
  } else {
    journal = {
      format: 1,
      id: started?.id ?? timestampId(),
      target: {
        version: p.version,
        source: p.target.kind === 'file' ? p.target.file : p.version,
        sha256: p.target.kind === 'file' ? p.target.sha256 : null,
      },
      previous: p.previous === null ? null : { version: p.previous.version, release: p.previous.dir },
      serverWasRunning: p.serverPid !== null,
      closeSessions,
      backup: null,
      status: 'in-progress',
      step: 'preflight',
      failure: null,
      timings: {},
      events: started?.events ?? [],
      ...(started?.replaces !== undefined ? { replaces: started.replaces } : {}),
    };
  }
  enterStep(paths, journal, 'preflight', resumed !== null ? 'resumed; checks passed' : 'checks passed');
  crashPoint(env, 'preflight');

  // Each step is recorded (enterStep) before it acts; the crash points let the tests stop the upgrade on
  // either side of every step.
  let current: ApplyStep = steps[0]!.step;
  try {
    for (const [i, s] of steps.entries()) {
      current = s.step;
      say(i + 2, s.label);
      enterStep(paths, journal, s.step, s.begin?.(journal));
      crashPoint(env, s.step);
      await s.run(journal);
      crashPoint(env, `${s.step}+`);
    }
  } catch (e) {
    // The stack is for the upgrade log; the user reads the reason.
    const why = e instanceof Error ? e.message : String(e);
    progress.note(`step ${current} failed: ${e instanceof DcvError ? why : ((e as Error).stack ?? why)}`);
    if (current === 'sessions') {
      // The server never stopped and nothing was installed: there is nothing to undo.
      journal.status = 'rolled-back';
      journal.failure = `${current}: ${why}`;
      enterStep(paths, journal, 'done', 'failed before the server stopped; nothing to undo');
      throw e;
    }
    progress.say(`Step ${current} failed: ${why}`);
    progress.say(`Rolling back to ${journal.previous?.version ?? 'no release'}:`);
    const r = await rollback(ctx, journal, `${current}: ${why}`);
    throw new DcvError(
      'UPGRADE_ROLLED_BACK',
      `Upgrade to ${p.version} failed at step ${current}: ${why}\n` +
        `Rolled back: ${r.version === null ? 'no release is installed' : `opendcv ${r.version} ${r.serverStarted ? 'runs' : 'is installed'}`}` +
        `${r.configRestored ? ` with the configuration from ${journal.backup}` : ''}.`,
    );
  }

  if (!journal.serverWasRunning) {
    await stopServer(paths);
    progress.say('dcvserver was not running before the upgrade, so it was stopped again');
  }
  journal.status = 'completed';
  enterStep(paths, journal, 'done', `opendcv ${p.version} installed`);
  writeJournal(paths, journal);
  // The rollback target (the previous release and this upgrade's backup) stays; older ones go.
  try {
    const keep = [p.version, ...(journal.previous ? [journal.previous.version] : [])];
    const pruned = pruneAfterUpgrade(paths, keep, journal.backup ? [basename(journal.backup)] : []);
    if (pruned.releases.length > 0) progress.say(`removed older releases: ${pruned.releases.join(', ')}`);
    if (pruned.backups.length > 0) progress.say(`removed older backups: ${pruned.backups.join(', ')}`);
  } catch (e) {
    progress.note(`could not remove older releases or backups: ${(e as Error).message}`);
  }
  const t = journal.timings;
  const downtimeMs =
    t.stopped !== undefined && t.serverReady !== undefined && journal.serverWasRunning
      ? t.serverReady - t.stopped
      : null;
  return { version: p.version, previous: journal.previous?.version ?? null, downtimeMs, journal };
}

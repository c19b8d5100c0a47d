// The upgrade journal, /var/lib/dcv/upgrade/state.json: what an upgrade set out to do, what it found before
// it acted (previous release, whether the server ran, where the backup is) and the step it is on, written
// durably *before* each step acts so that `apply` again or `rollback` can finish whatever a crash left.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { writeFileDurably } from '../host/durable-file.js';
import type { InstalledRelease } from './release-install.js';

/** The seed's procedure (DESIGN.md §6), in order. */
export const APPLY_STEPS = [
  'preflight',
  'sessions',
  'stop',
  'backup',
  'install',
  'compare',
  'start',
  'smoke-test',
] as const;
/** Undoing an upgrade: stop what runs, point `current` back, put the configuration back, start the old release. */
export const ROLLBACK_STEPS = [
  'rollback-stop',
  'rollback-release',
  'rollback-config',
  'rollback-start',
] as const;
export type ApplyStep = (typeof APPLY_STEPS)[number];
export type RollbackStep = (typeof ROLLBACK_STEPS)[number];
export type JournalStep = ApplyStep | RollbackStep | 'done';

export type JournalStatus =
  /** apply is running, or crashed: `apply` of the same target resumes, `rollback` undoes. */
  | 'in-progress'
  /** a rollback is running, or crashed: `rollback` finishes it. */
  | 'rolling-back'
  | 'completed'
  | 'rolled-back';

export interface JournalEvent {
  readonly at: string;
  readonly step: JournalStep;
  readonly note: string;
}

export interface UpgradeJournal {
  readonly format: 1;
  /** Also the name of the backup directory: a UTC timestamp. */
  readonly id: string;
  readonly target: { readonly version: string; readonly source: string; readonly sha256: string | null };
  /** The release `current` pointed to before the upgrade; null on a fresh host. */
  readonly previous: { readonly version: string; readonly release: string } | null;
  readonly serverWasRunning: boolean;
  readonly closeSessions: boolean;
  /** The configuration backup taken at the backup step (complete once its manifest verifies). */
  backup: string | null;
  status: JournalStatus;
  step: JournalStep;
  /** Why the upgrade was rolled back (a failed step), or null. */
  failure: string | null;
  /** Milliseconds since the epoch, for the downtime report: server stopped, new server accepting viewers, first frame. */
  timings: { stopped?: number; serverReady?: number; firstFrame?: number };
  events: JournalEvent[];
  /** The id of the finished journal this one moved to history when its apply began (put back if it changes nothing). */
  replaces?: string;
}

/**
 * The release an interrupted upgrade started from, as preflight takes it: resuming compares the target with
 * that release, not with whatever `current` points to half way through.
 */
export function journalPreviousRelease(j: UpgradeJournal): InstalledRelease | null {
  return j.previous === null ? null : { version: j.previous.version, dir: j.previous.release };
}

export function readJournal(paths: HostPaths): UpgradeJournal | null {
  let text: string;
  try {
    text = readFileSync(paths.upgradeStateFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const j = JSON.parse(text) as UpgradeJournal;
    if (j.format !== 1 || typeof j.id !== 'string' || typeof j.status !== 'string')
      throw new Error('unknown format');
    return j;
  } catch (e) {
    // Written by rename only, so this is damage from outside; never guess what an upgrade was doing.
    throw new DcvError(
      'INTERNAL',
      `The upgrade journal ${paths.upgradeStateFile} is damaged (${(e as Error).message}); ` +
        `inspect it and the backups under ${paths.backupsDir} before removing it.`,
    );
  }
}

/** Records the journal durably; callers change `step` first, so the record precedes the action. */
export function writeJournal(paths: HostPaths, journal: UpgradeJournal): void {
  mkdirSync(dirname(paths.upgradeStateFile), { recursive: true, mode: 0o700 });
  writeFileDurably(paths.upgradeStateFile, `${JSON.stringify(journal, null, 2)}\n`, 0o600);
}

export function enterStep(paths: HostPaths, journal: UpgradeJournal, step: JournalStep, note = ''): void {
  journal.step = step;
  journal.events.push({ at: new Date().toISOString(), step, note });
  writeJournal(paths, journal);
}

export function historyDir(paths: HostPaths): string {
  return join(dirname(paths.upgradeStateFile), 'history');
}

/** Moves a finished journal aside so the next upgrade starts its own; `status` lists the history. */
export function archiveJournal(paths: HostPaths, journal: UpgradeJournal): void {
  if (!existsSync(paths.upgradeStateFile)) return;
  mkdirSync(historyDir(paths), { recursive: true, mode: 0o700 });
  renameSync(paths.upgradeStateFile, join(historyDir(paths), `${journal.id}.json`));
}

/** A journal an apply wrote before its preflight read the target: nothing had been changed yet. */
export function unstarted(j: UpgradeJournal): boolean {
  return j.status === 'in-progress' && j.target.version === '';
}

/**
 * Ends an apply that changed nothing (refused, not confirmed, or killed before its preflight finished): its
 * journal goes, and the journal it replaced is current again, so `rollback` still undoes that upgrade.
 */
export function abandonJournal(paths: HostPaths, journal: UpgradeJournal): void {
  const replaced = journal.replaces !== undefined ? join(historyDir(paths), `${journal.replaces}.json`) : null;
  if (replaced !== null && existsSync(replaced)) renameSync(replaced, paths.upgradeStateFile);
  else rmSync(paths.upgradeStateFile, { force: true });
}

export function readHistory(paths: HostPaths): UpgradeJournal[] {
  let names: string[] = [];
  try {
    names = readdirSync(historyDir(paths))
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  const out: UpgradeJournal[] = [];
  for (const n of names) {
    try {
      out.push(JSON.parse(readFileSync(join(historyDir(paths), n), 'utf8')) as UpgradeJournal);
    } catch {
      // A damaged history entry is only history; status shows the rest.
    }
  }
  return out;
}

/** A sortable UTC timestamp usable as a directory name: 2026-05-01T12-00-00-123Z. */
export function timestampId(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

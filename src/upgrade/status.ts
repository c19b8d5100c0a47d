// `dcv upgrade status`: the journal (and whether an interrupted upgrade awaits `apply` or `rollback`), the
// release `current` points to, what runs, the installed releases, the backups and earlier upgrades.
import type { HostPaths } from '../host-paths.js';
import { listBackups, type BackupInfo } from './config-backup.js';
import { readHistory, readJournal, type UpgradeJournal } from './journal.js';
import { installedVersions } from './release-archive.js';
import { currentRelease, type InstalledRelease } from './release-install.js';
import { runningVersion, serverPid } from './server-control.js';
import { lockHolder } from './upgrade-lock.js';

export interface UpgradeStatus {
  readonly journal: UpgradeJournal | null;
  /** The journal is unfinished and no upgrade process holds the lock: it was interrupted. */
  readonly interrupted: boolean;
  readonly runningUpgradePid: number | null;
  readonly current: InstalledRelease | null;
  readonly server: { readonly pid: number; readonly version: string | null } | null;
  readonly installed: string[];
  readonly backups: BackupInfo[];
  readonly history: UpgradeJournal[];
}

export async function upgradeStatus(paths: HostPaths): Promise<UpgradeStatus> {
  const journal = readJournal(paths);
  const holder = lockHolder(paths);
  const pid = serverPid(paths);
  return {
    journal,
    interrupted:
      journal !== null &&
      (journal.status === 'in-progress' || journal.status === 'rolling-back') &&
      holder === null,
    runningUpgradePid: holder,
    current: currentRelease(paths),
    server: pid === null ? null : { pid, version: await runningVersion(paths) },
    installed: installedVersions(paths),
    backups: listBackups(paths),
    history: readHistory(paths),
  };
}

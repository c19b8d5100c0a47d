// One upgrade at a time per host: a lock file holding the upgrading process's pid. A lock whose process is
// gone (killed mid-upgrade) is stale and taken over, so a crash never blocks the recovery.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { isAlive } from '../host/pid-file.js';

export function lockFile(paths: HostPaths): string {
  return join(dirname(paths.upgradeStateFile), 'lock');
}

/** The pid holding the upgrade lock, when that process is alive. */
export function lockHolder(paths: HostPaths): number | null {
  try {
    const pid = Number(readFileSync(lockFile(paths), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock; returns the function that gives it back. */
export function acquireUpgradeLock(paths: HostPaths): () => void {
  const file = lockFile(paths);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = lockHolder(paths);
      if (holder !== null) {
        throw new DcvError(
          'UPGRADE_IN_PROGRESS',
          `Another dcv upgrade (pid ${holder}) is running on this host; wait for it to finish.`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DcvError(
    'UPGRADE_IN_PROGRESS',
    `Cannot take the upgrade lock ${file}; another dcv upgrade is starting.`,
  );
}

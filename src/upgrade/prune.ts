// After a completed upgrade, what the host no longer needs: releases other than the running one and the one it
// replaced (the rollback target), and backups beyond the newest few. Without this every upgrade left a whole
// release (~100 MB with its node_modules) and a backup behind for ever.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HostPaths } from '../host-paths.js';

/** Backups kept: the last upgrade's and the four before it (each is small: /etc/dcv and the files it names). */
export const BACKUPS_KEPT = 5;

export interface Pruned {
  releases: string[];
  backups: string[];
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * Removes releases other than `keepReleases` (version directory names) and all but the newest BACKUPS_KEPT
 * backups (their names sort by time), never one named in `keepBackups`. Returns what it removed.
 */
export function pruneAfterUpgrade(
  paths: HostPaths,
  keepReleases: readonly string[],
  keepBackups: readonly string[],
): Pruned {
  const releases = entries(paths.releasesDir).filter((v) => !keepReleases.includes(v));
  const all = entries(paths.backupsDir);
  const backups = all
    .slice(0, Math.max(0, all.length - BACKUPS_KEPT))
    .filter((b) => !keepBackups.includes(b));
  // Temporary names (a staged or half-removed release) start with a dot; they are the upgrade's own business.
  for (const v of releases.filter((n) => !n.startsWith('.')))
    rmSync(join(paths.releasesDir, v), { recursive: true, force: true });
  for (const b of backups) rmSync(join(paths.backupsDir, b), { recursive: true, force: true });
  return { releases: releases.filter((n) => !n.startsWith('.')), backups };
}

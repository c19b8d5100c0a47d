// The seed's step 6: after the install, is the configuration still what was backed up? Byte for byte
// per file, and for a dcv.conf that changed, key by key (the same semantic diff as `dcv config diff`).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffConfigs, formatChange, loadConfigFile } from '../config/index.js';
import type { BackupManifest } from './config-backup.js';

export interface ConfigComparison {
  /** Every backed-up file is byte-identical and every absent one is still absent. */
  readonly identical: boolean;
  readonly files: number;
  /** One line per difference, key-level for configuration files. */
  readonly differences: string[];
}

export function compareWithBackup(dir: string, m: BackupManifest): ConfigComparison {
  const differences: string[] = [];
  for (const f of m.files) {
    if (!existsSync(f.path)) {
      differences.push(`${f.path}: removed since the backup`);
      continue;
    }
    const now = readFileSync(f.path);
    if (createHash('sha256').update(now).digest('hex') === f.sha256) continue;
    if (f.path.endsWith('.conf') || f.path.endsWith('.reg')) {
      const before = loadConfigFile(readFileSync(join(dir, f.stored)), `${f.path} (backup)`);
      const diff = diffConfigs(before, loadConfigFile(now, f.path));
      if (diff.equalInMeaning)
        differences.push(`${f.path}: bytes differ, same keys and values (layout or comments only)`);
      else for (const c of diff.changes) differences.push(`${f.path}: ${formatChange(c)}`);
    } else {
      differences.push(`${f.path}: content differs from the backup`);
    }
  }
  for (const p of m.absent) if (existsSync(p)) differences.push(`${p}: created since the backup`);
  return { identical: differences.length === 0, files: m.files.length, differences };
}

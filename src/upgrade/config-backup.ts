// The configuration backup (the seed's step 4): dcv.conf, permissions files, TLS files, license files and
// every other file dcv.conf names, copied into /var/lib/dcv/backups/TIMESTAMP/ with a sha256 manifest
// written last, so a backup is complete exactly when its manifest exists and every copy verifies.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { licenseFileEntries, type ConfigEntry } from '../config/index.js';
import { readConfigFile } from '../host/dcv-conf-file.js';
import { DcvError } from '../errors.js';
import { resolveHostPath, type HostPaths } from '../host-paths.js';
import { writeFileDurably } from '../host/durable-file.js';

export const BACKUP_MANIFEST = 'backup-manifest.json';

export interface BackedUpFile {
  /** Where the file lives on this host (under DCV_ROOT when one is set). */
  readonly path: string;
  /** Inside the backup directory. */
  readonly stored: string;
  readonly sha256: string;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface BackupManifest {
  readonly format: 1;
  readonly id: string;
  readonly created: string;
  /** Why it was taken, e.g. "before upgrade 2026.0.0 -> 2027.0.0". */
  readonly reason: string;
  readonly files: readonly BackedUpFile[];
  /** Files that did not exist (no dcv.conf means defaults); a restore removes them again. */
  readonly absent: readonly string[];
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function filesUnder(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = lstatSync(p);
    if (st.isDirectory()) filesUnder(p, out);
    else if (st.isFile()) out.push(p);
  }
}

/** Everything under /etc/dcv, plus the files dcv.conf names elsewhere (`*-file` keys, license files). */
export function configurationFiles(paths: HostPaths): { present: string[]; absent: string[] } {
  const found: string[] = [];
  filesUnder(paths.etcDir, found);
  let entries: readonly ConfigEntry[] = [];
  try {
    entries = readConfigFile(paths.configFile, 'defaults').entries;
  } catch {
    // An unparsable dcv.conf is still backed up (it is under /etc/dcv); only the files it names are unknown.
  }
  for (const e of entries) {
    if (!e.key.endsWith('-file') || typeof e.value !== 'string' || e.value === '') continue;
    const specs =
      e.key === 'license-file' ? licenseFileEntries(e.value).filter((s) => !/^\d*@/.test(s)) : [e.value];
    for (const s of specs) {
      const p = resolveHostPath(paths, s);
      if (existsSync(p) && statSync(p).isFile() && !found.includes(p)) found.push(p);
    }
  }
  const known = [paths.configFile, paths.defaultPermissionsFile, paths.tlsCert, paths.tlsKey];
  return { present: found, absent: known.filter((p) => !found.includes(p)) };
}

function storedName(paths: HostPaths, path: string): string {
  // Keep the host layout inside the backup so an administrator can read it without the manifest.
  const rel = paths.root === '/' ? path.slice(1) : relative(paths.root, path);
  return join('files', rel.startsWith('..') ? path.slice(1) : rel);
}

/** Copies the configuration into `dir` (replacing a partial earlier attempt) and writes the manifest last. */
export function createBackup(paths: HostPaths, dir: string, id: string, reason: string): BackupManifest {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { present, absent } = configurationFiles(paths);
  const files: BackedUpFile[] = [];
  for (const path of present) {
    const bytes = readFileSync(path);
    const st = statSync(path);
    const stored = storedName(paths, path);
    mkdirSync(dirname(join(dir, stored)), { recursive: true, mode: 0o700 });
    writeFileDurably(join(dir, stored), bytes, 0o600);
    files.push({
      path,
      stored,
      sha256: sha256(bytes),
      size: bytes.length,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
    });
  }
  const manifest: BackupManifest = {
    format: 1,
    id,
    created: new Date().toISOString(),
    reason,
    files,
    absent,
  };
  writeFileDurably(join(dir, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
  return manifest;
}

/** The backup's manifest when the backup is complete and every copy matches it; null otherwise. */
export function verifiedBackup(dir: string): BackupManifest | null {
  let m: BackupManifest;
  try {
    m = JSON.parse(readFileSync(join(dir, BACKUP_MANIFEST), 'utf8')) as BackupManifest;
  } catch {
    return null;
  }
  for (const f of m.files) {
    try {
      if (sha256(readFileSync(join(dir, f.stored))) !== f.sha256) return null;
    } catch {
      return null;
    }
  }
  return m;
}

export interface RestoreResult {
  readonly restored: string[];
  readonly removed: string[];
  readonly unchanged: number;
}

/** Puts every backed-up file back (only those that differ) and checks the result byte for byte. */
export function restoreBackup(dir: string): RestoreResult {
  const m = verifiedBackup(dir);
  if (m === null)
    throw new DcvError(
      'UPGRADE_ROLLBACK_FAILED',
      `The backup ${dir} is incomplete or damaged; the configuration was not restored from it.`,
    );
  const restored: string[] = [];
  const removed: string[] = [];
  let unchanged = 0;
  for (const f of m.files) {
    const bytes = readFileSync(join(dir, f.stored));
    let same = false;
    try {
      const st = statSync(f.path);
      same = sha256(readFileSync(f.path)) === f.sha256 && (st.mode & 0o7777) === f.mode;
    } catch {
      same = false;
    }
    if (same) {
      unchanged++;
      continue;
    }
    mkdirSync(dirname(f.path), { recursive: true, mode: 0o755 });
    writeFileDurably(f.path, bytes, f.mode, { uid: f.uid, gid: f.gid });
    restored.push(f.path);
  }
  for (const p of m.absent) {
    if (existsSync(p)) {
      rmSync(p, { force: true });
      removed.push(p);
    }
  }
  for (const f of m.files) {
    if (sha256(readFileSync(f.path)) !== f.sha256) {
      throw new DcvError(
        'UPGRADE_ROLLBACK_FAILED',
        `${f.path} does not match the backup after restoring it from ${dir}.`,
      );
    }
  }
  return { restored, removed, unchanged };
}

export interface BackupInfo {
  readonly dir: string;
  readonly manifest: BackupManifest | null;
}

export function listBackups(paths: HostPaths): BackupInfo[] {
  let names: string[] = [];
  try {
    names = readdirSync(paths.backupsDir).sort();
  } catch {
    return [];
  }
  return names.map((n) => ({
    dir: join(paths.backupsDir, n),
    manifest: verifiedBackup(join(paths.backupsDir, n)),
  }));
}

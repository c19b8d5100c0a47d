// A release's manifest (opendcv-release.json, written by scripts/release.mjs): its version and the sha256,
// size and mode of every file. An unpacked release is trusted only when its tree matches it exactly.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DcvError } from '../errors.js';
import { isVersion } from '../version/version.js';

export const MANIFEST_FILE = 'opendcv-release.json';

export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  /** Octal permission bits, e.g. "755". */
  readonly mode: string;
}

export interface ReleaseManifest {
  readonly format: 1;
  readonly name: 'opendcv';
  readonly version: string;
  readonly created: string;
  readonly files: readonly ManifestFile[];
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function readManifest(dir: string, what: string): ReleaseManifest {
  let m: ReleaseManifest;
  try {
    m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as ReleaseManifest;
  } catch (e) {
    throw new DcvError(
      'UPGRADE_TARGET_INVALID',
      `${what} has no readable ${MANIFEST_FILE} (${(e as Error).message}); it is not an opendcv release.`,
    );
  }
  if (
    m.format !== 1 ||
    m.name !== 'opendcv' ||
    typeof m.version !== 'string' ||
    !isVersion(m.version) ||
    !Array.isArray(m.files)
  ) {
    throw new DcvError(
      'UPGRADE_TARGET_INVALID',
      `${what}: ${MANIFEST_FILE} is not an opendcv release manifest of a known format.`,
    );
  }
  return m;
}

function walk(dir: string, rel: string, out: Map<string, 'file' | 'other'>): void {
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) walk(dir, r, out);
    else out.set(r, st.isFile() ? 'file' : 'other');
  }
}

/** Checks the tree under `dir` against its manifest: same files, same bytes, nothing extra, no links. */
export function verifyReleaseTree(dir: string, what: string): ReleaseManifest {
  const m = readManifest(dir, what);
  const found = new Map<string, 'file' | 'other'>();
  walk(dir, '', found);
  found.delete(MANIFEST_FILE);
  const problems: string[] = [];
  for (const f of m.files) {
    const kind = found.get(f.path);
    if (kind === undefined) problems.push(`${f.path} is missing`);
    else if (kind !== 'file') problems.push(`${f.path} is not a regular file`);
    else if (sha256File(join(dir, f.path)) !== f.sha256) problems.push(`${f.path} does not match its sha256`);
    found.delete(f.path);
  }
  for (const extra of found.keys()) problems.push(`${extra} is not in the manifest`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    throw new DcvError(
      'UPGRADE_TARGET_INVALID',
      `${what} does not match its manifest: ${shown}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}; get a fresh copy of the release.`,
    );
  }
  return m;
}

export function releaseSize(m: ReleaseManifest): number {
  return m.files.reduce((sum, f) => sum + f.size, 0);
}

// Reading a release file (opendcv-VERSION.tgz) safely: its member names and types are checked before
// anything is extracted (one top directory, no absolute or `..` paths, no links or devices), then it is
// unpacked with the system tar and the tree is verified against its manifest.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { isVersion } from '../version/version.js';
import { MANIFEST_FILE, sha256File, verifyReleaseTree, type ReleaseManifest } from './release-manifest.js';

export type UpgradeTarget =
  | { readonly kind: 'file'; readonly file: string; readonly sha256: string }
  | { readonly kind: 'installed'; readonly version: string; readonly dir: string };

/** TARGET as the administrator typed it: a release file, or the version of a release already installed. */
export function resolveTarget(paths: HostPaths, target: string, cwd: string): UpgradeTarget {
  const file = resolve(cwd, target);
  if (existsSync(file) && statSync(file).isFile()) return { kind: 'file', file, sha256: sha256File(file) };
  if (isVersion(target) && existsSync(join(paths.releasesDir, target))) {
    return { kind: 'installed', version: target, dir: join(paths.releasesDir, target) };
  }
  throw new DcvError(
    'UPGRADE_TARGET_INVALID',
    `'${target}' is neither a release file nor an installed version (installed: ${installedVersions(paths).join(', ') || 'none'}).`,
  );
}

export function installedVersions(paths: HostPaths): string[] {
  try {
    return readdirSync(paths.releasesDir)
      .filter((n) => isVersion(n))
      .sort();
  } catch {
    return [];
  }
}

function tar(args: string[], what: string): string {
  const r = spawnSync('tar', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error !== undefined)
    throw new DcvError('UPGRADE_TARGET_INVALID', `Cannot run tar to read ${what}: ${r.error.message}.`);
  if (r.status !== 0) {
    throw new DcvError(
      'UPGRADE_TARGET_INVALID',
      `${what} is not a readable release archive: ${r.stderr.trim().split('\n')[0] ?? ''}`,
    );
  }
  return r.stdout;
}

/** The release's top directory name (opendcv-VERSION), after checking every member is safe to extract. */
export function checkMembers(file: string): string {
  const names = tar(['-tzf', file], file)
    .split('\n')
    .filter((n) => n !== '');
  const types = tar(['-tvzf', file], file)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l[0]);
  const tops = new Set(names.map((n) => n.split('/')[0]));
  const top = [...tops][0];
  if (tops.size !== 1 || top === undefined || !/^opendcv-\d{4}\.\d+\.\d+$/.test(top)) {
    throw new DcvError(
      'UPGRADE_TARGET_INVALID',
      `${file} is not an opendcv release: it must hold one directory opendcv-VERSION/.`,
    );
  }
  for (const n of names) {
    if (n.startsWith('/') || n.split('/').includes('..')) {
      throw new DcvError(
        'UPGRADE_TARGET_INVALID',
        `${file} holds an unsafe path '${n}'; refusing to extract it.`,
      );
    }
  }
  if (types.some((t) => t !== '-' && t !== 'd')) {
    throw new DcvError(
      'UPGRADE_TARGET_INVALID',
      `${file} holds links or special files; a release holds only files and directories.`,
    );
  }
  return top;
}

/** The manifest's text as the archive holds it (no extraction of anything else). */
export function archivedManifest(file: string, top: string): string {
  return tar(['-xzOf', file, `${top}/${MANIFEST_FILE}`], file);
}

export interface StagedRelease {
  /** The unpacked release directory, verified. */
  readonly dir: string;
  readonly manifest: ReleaseManifest;
}

/** Unpacks `file` into `into/opendcv-VERSION` (replacing a leftover) and verifies it. */
export function unpackRelease(file: string, into: string): StagedRelease {
  const top = checkMembers(file);
  const dir = join(into, top);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(into, { recursive: true, mode: 0o755 });
  tar(['-xzf', file, '-C', into, '--no-same-owner'], file);
  const manifest = verifyReleaseTree(dir, file);
  if (`opendcv-${manifest.version}` !== top) {
    throw new DcvError(
      'UPGRADE_TARGET_INVALID',
      `${file}: its manifest says ${manifest.version} but its directory is ${top}.`,
    );
  }
  return { dir, manifest };
}

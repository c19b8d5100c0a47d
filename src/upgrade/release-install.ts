// Releases on a host: /opt/dcv/releases/VERSION/ side by side, /opt/dcv/current a symlink to one of them,
// switched atomically (a new link under a temporary name renamed over the old), and /usr/bin/dcv and
// dcvserver pointing through `current`, so the switch is the whole install.
import { existsSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { fsyncDir } from '../host/durable-file.js';
import { MANIFEST_FILE, sha256File, verifyReleaseTree } from './release-manifest.js';

export interface InstalledRelease {
  readonly version: string;
  readonly dir: string;
}

export function releaseDir(paths: HostPaths, version: string): string {
  return join(paths.releasesDir, version);
}

/** The release `current` points to, or null on a host without one. */
export function currentRelease(paths: HostPaths): InstalledRelease | null {
  let link: string;
  try {
    link = readlinkSync(paths.currentRelease);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if ((e as NodeJS.ErrnoException).code === 'EINVAL') {
      throw new DcvError(
        'INTERNAL',
        `${paths.currentRelease} is not a symlink; opendcv manages it as one. Move it aside.`,
      );
    }
    throw e;
  }
  const dir = resolve(dirname(paths.currentRelease), link);
  return { version: basename(dir), dir };
}

/**
 * Moves an unpacked, verified release into releases/VERSION. A release already there with the same manifest
 * is kept (a resumed upgrade); a different one is replaced, unless it is the release `current` runs.
 */
export function installRelease(paths: HostPaths, staged: string, version: string): string {
  const dest = releaseDir(paths, version);
  mkdirSync(paths.releasesDir, { recursive: true, mode: 0o755 });
  if (existsSync(dest)) {
    let same = false;
    try {
      same = sha256File(join(dest, MANIFEST_FILE)) === sha256File(join(staged, MANIFEST_FILE));
      if (same) verifyReleaseTree(dest, dest);
    } catch {
      same = false;
    }
    if (same) {
      rmSync(staged, { recursive: true, force: true });
      return dest;
    }
    if (currentRelease(paths)?.dir === dest) {
      throw new DcvError(
        'UPGRADE_TARGET_INVALID',
        `${dest} is the running release and differs from the target of the same version; give the target a new version.`,
      );
    }
    // Aside first, so the name is never half-removed while the new tree takes it.
    const aside = join(paths.releasesDir, `.replaced-${version}-${process.pid}`);
    renameSync(dest, aside);
    rmSync(aside, { recursive: true, force: true });
  }
  renameSync(staged, dest);
  fsyncDir(paths.releasesDir);
  return dest;
}

/** Points `current` at `dir` in one rename: every reader sees the old release or the new one. */
export function switchCurrent(paths: HostPaths, dir: string): void {
  const parent = dirname(paths.currentRelease);
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const tmp = join(parent, `.current.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(relative(parent, dir), tmp);
  renameSync(tmp, paths.currentRelease);
  fsyncDir(parent);
}

/** Back to a host without a release (rolling back a first install). */
export function removeCurrent(paths: HostPaths): void {
  rmSync(paths.currentRelease, { force: true });
  if (existsSync(dirname(paths.currentRelease))) fsyncDir(dirname(paths.currentRelease));
}

/**
 * /usr/bin/dcv and /usr/bin/dcvserver → /opt/dcv/current/bin/…, made once; a switch of `current` needs no
 * change here. A real file at that path (another package's) is left alone and reported.
 */
export function linkCommands(paths: HostPaths): string[] {
  const warnings: string[] = [];
  mkdirSync(paths.binDir, { recursive: true, mode: 0o755 });
  for (const name of ['dcv', 'dcvserver']) {
    const link = join(paths.binDir, name);
    const want = join(paths.currentRelease, 'bin', name);
    let st: ReturnType<typeof lstatSync> | null = null;
    try {
      st = lstatSync(link);
    } catch {
      st = null;
    }
    if (st !== null && !st.isSymbolicLink()) {
      warnings.push(
        `${link} is not a symlink (another package's?); left as it is, so it does not follow ${paths.currentRelease}.`,
      );
      continue;
    }
    if (st !== null && readlinkSync(link) === want) continue;
    const tmp = `${link}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    symlinkSync(want, tmp);
    renameSync(tmp, link);
  }
  return warnings;
}

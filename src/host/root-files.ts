// What root may do with files near a user, and nothing more: create files and directories only where the
// user cannot write (never following a link, never reusing what is there), read a user's file only after
// checking what it is, and leave removing a user's files to that user (a recursive delete by root inside a
// directory the user controls can be steered through symlinks swapped in between its steps).
import { spawn } from 'node:child_process';
import {
  closeSync,
  constants as fs,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmdirSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Creates `path` new (O_EXCL: an existing file or symlink there is an error, never opened) with `data`, exact
 * `mode` and owner set on the descriptor. Its directory must be one only root writes to.
 */
export function createNewFile(path: string, data: Uint8Array, mode: number, owner?: Owner): void {
  const fd = openSync(path, fs.O_WRONLY | fs.O_CREAT | fs.O_EXCL | fs.O_NOFOLLOW, mode);
  try {
    fchmodSync(fd, mode);
    if (owner !== undefined) fchownSync(fd, owner.uid, owner.gid);
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the directory `path` new (not recursive: an existing entry, link or not, is an error) and sets its
 * mode and owner through a descriptor opened without following links.
 */
export function createNewDirectory(path: string, mode: number, owner?: Owner): void {
  mkdirSync(path, { mode });
  const fd = openSync(path, fs.O_RDONLY | fs.O_DIRECTORY | fs.O_NOFOLLOW);
  try {
    fchmodSync(fd, mode);
    if (owner !== undefined) fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes sure `path` is a directory that root owns and only root may write to (creating it when absent), so
 * what root creates in it cannot be swapped by anyone else. Throws when it is anything else.
 */
export function ensureRootDirectory(path: string, mode = 0o755): void {
  mkdirSync(path, { recursive: true, mode });
  const st = lstatSync(path);
  const self = selfUid();
  if (!st.isDirectory() || st.uid !== self || (st.mode & 0o022) !== 0) {
    throw new Error(
      `${path} must be a directory owned by uid ${self} that no one else may write to (it is ${describe(st)})`,
    );
  }
}

function selfUid(): number {
  return process.getuid?.() ?? 0;
}

function describe(st: Stats): string {
  const kind = st.isSymbolicLink() ? 'a symlink' : st.isDirectory() ? 'a directory' : 'not a directory';
  return `${kind}, uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}`;
}

/**
 * Opens a file a user's program wrote, for reading, only if it is a regular file (not a FIFO that would block
 * the event loop, not a device) reached without a symlink and owned by `uid` when given; returns the fd.
 */
export function openRegularFile(path: string, uid?: number): number {
  const fd = openSync(path, fs.O_RDONLY | fs.O_NOFOLLOW | fs.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('it is not a regular file');
    if (uid !== undefined && st.uid !== uid) throw new Error(`it belongs to uid ${st.uid}, not ${uid}`);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Removes the directory `dir`, which root created in a root-only directory and gave to a user: its contents
 * are deleted as that user (uid and gid of the directory itself), then root removes the emptied directory.
 * A link the user planted inside can therefore only ever reach what the user could delete anyway.
 */
export async function removeUserDirectory(dir: string): Promise<void> {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch {
    return; // already gone
  }
  if (!st.isDirectory()) {
    unlinkSync(dir); // a link or a file in root's directory: removing the entry follows nothing
    return;
  }
  if (st.uid === selfUid()) {
    await removeSessionDirectory(dir);
    return;
  }
  if (readdirSync(dir).length === 0) {
    rmdirSync(dir);
    return;
  }
  await new Promise<void>((resolve) => {
    const child = spawn(
      'setpriv',
      [
        `--reuid=${st.uid}`,
        `--regid=${st.gid}`,
        '--clear-groups',
        '--',
        'find',
        dir,
        '-mindepth',
        '1',
        '-delete',
      ],
      { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } },
    );
    child.once('error', () => resolve());
    child.once('exit', () => resolve());
  });
  rmdirSync(dir); // ENOTEMPTY when the user keeps adding files: the caller reports it
}

/**
 * Removes a directory that root created for a session (root-owned, in a root-only directory): its own files
 * directly, and the user-owned directories in it through removeUserDirectory.
 */
export async function removeSessionDirectory(dir: string): Promise<void> {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory() || st.uid !== selfUid()) {
    // Left by an older version (owned by the user) or not a directory at all: the user's to empty.
    await removeUserDirectory(dir);
    return;
  }
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const entry = lstatSync(p);
    if (entry.isDirectory()) await removeUserDirectory(p);
    else unlinkSync(p);
  }
  rmdirSync(dir);
}

// dcvserver's pid file: claimed atomically at start (a live owner means "already running", a dead one
// is stale and replaced) and removed at stop.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { DcvError } from '../errors.js';
import { procStat } from './proc-stat.js';

export function readPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed server whose parent has not reaped it yet is a zombie: it answers signals but is gone.
  // Without /proc the signal is all there is to trust.
  return procStat(pid)?.[0] !== 'Z';
}

/** The pid of a running dcvserver according to the pid file, or null. */
export function runningServerPid(path: string): number | null {
  const pid = readPid(path);
  return pid !== null && pid !== process.pid && isAlive(pid) ? pid : null;
}

export function claimPidFile(path: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const other = runningServerPid(path);
      if (other !== null) {
        throw new DcvError('SERVER_ALREADY_RUNNING', `dcvserver is already running (pid ${other}).`);
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new DcvError('SERVER_ALREADY_RUNNING', `Cannot claim ${path}; another dcvserver is starting.`);
}

export function releasePidFile(path: string): void {
  if (readPid(path) === process.pid) rmSync(path, { force: true });
}

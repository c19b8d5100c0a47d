// Reads /proc/PID/stat, whose second field (the command name, in parentheses) may itself hold spaces and
// parentheses: the fields are counted from after its last ')'.
import { readFileSync } from 'node:fs';

/** The fields after the command name (index 0 is the state, 1 the parent pid, 11 utime, 12 stime), or null. */
export function procStat(pid: number): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time a process has used, user + system, in clock ticks (1/100 s); 0 when it is gone. */
export function cpuTicks(pid: number): number {
  const f = procStat(pid);
  return f === null ? 0 : Number(f[11]) + Number(f[12]);
}

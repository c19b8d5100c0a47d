// Finds every process that carries a marker in its environment, however it was started (double-forked
// daemons leave the process group but keep the environment), so a closed session leaves nothing behind.
import { readdirSync, readFileSync } from 'node:fs';

export function processesWithEnvironment(marker: string): number[] {
  const needle = Buffer.from(`${marker}\0`);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`);
      if (environ.indexOf(needle) !== -1) found.push(Number(name));
    } catch {
      // the process exited meanwhile, or is not ours to read
    }
  }
  return found;
}

export function killAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

// What the administrator sees of an upgrade, and the record of it in /var/log/dcv/upgrade.log: every line
// shown is also appended there with a timestamp, so the log tells the whole story after the terminal is gone.
import { appendFileSync, mkdirSync } from 'node:fs';
import type { HostPaths } from '../host-paths.js';

export interface Progress {
  /** One line for the terminal and the log. */
  say(text: string): void;
  /** Only for the log (details the terminal does not need). */
  note(text: string): void;
}

export function upgradeProgress(paths: HostPaths, out: (text: string) => void, tag: string): Progress {
  const log = (text: string): void => {
    try {
      mkdirSync(paths.logDir, { recursive: true, mode: 0o755 });
      const stamp = new Date().toISOString();
      appendFileSync(
        paths.upgradeLog,
        text
          .split('\n')
          .map((l) => `${stamp} [${tag}] ${l}\n`)
          .join(''),
        { mode: 0o644 },
      );
    } catch {
      // A full or read-only log disk must not stop an upgrade (or its rollback) halfway.
    }
  };
  return {
    say(text) {
      out(`${text}\n`);
      log(text);
    },
    note: log,
  };
}

// Starts a program as a given account with a clean environment. Node's uid/gid options drop every
// supplementary group; setpriv --init-groups gives the program the groups the account really has.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { UserAccount } from './user-account.js';

export interface SpawnAsUserOptions {
  readonly env: Record<string, string>;
  readonly cwd?: string;
  readonly stdio?: StdioOptions;
  /** Own process group, so the whole tree can be signalled at once (the default). */
  readonly processGroup?: boolean;
}

/** The environment a login would give `account`, without anything inherited from dcvserver. */
export function cleanEnvironment(account: UserAccount, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: account.home,
    USER: account.name,
    LOGNAME: account.name,
    SHELL: account.shell || '/bin/sh',
    PATH: account.uid === 0 ? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' : '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    ...extra,
  };
}

export function spawnAsUser(
  account: UserAccount,
  command: string,
  args: readonly string[],
  options: SpawnAsUserOptions,
): ChildProcess {
  const self = process.getuid?.() ?? -1;
  const needsSwitch = self !== account.uid;
  // Only root can switch; anyone else can only start programs as themselves.
  const [file, argv] = needsSwitch
    ? [
        'setpriv',
        [
          `--reuid=${account.uid}`,
          `--regid=${account.gid}`,
          '--init-groups',
          // If dcvserver dies without cleaning up, its session programs die with it.
          '--pdeathsig=SIGTERM',
          '--',
          command,
          ...args,
        ],
      ]
    : [command, [...args]];
  return spawn(file, argv, {
    env: options.env,
    cwd: options.cwd ?? account.home,
    stdio: options.stdio ?? 'ignore',
    detached: options.processGroup ?? true,
  });
}

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
export function cleanEnvironment(
  account: UserAccount,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    HOME: account.home,
    USER: account.name,
    LOGNAME: account.name,
    SHELL: account.shell || '/bin/sh',
    PATH:
      account.uid === 0
        ? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        : '/usr/local/bin:/usr/bin:/bin',
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
  // Only root can switch accounts; anyone else can only start programs as themselves.
  const credentials =
    self === account.uid ? [] : [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups'];
  // setpriv also sets the parent-death signal: if dcvserver dies without cleaning up (a crash, SIGKILL),
  // the X server and the init program are told to end instead of living on with no one to close them.
  const [file, argv] = ['setpriv', [...credentials, '--pdeathsig=SIGTERM', '--', command, ...args]];
  return spawn(file, argv, {
    env: options.env,
    cwd: options.cwd ?? account.home,
    stdio: options.stdio ?? 'ignore',
    detached: options.processGroup ?? true,
  });
}

/**
 * Whether `account` could run `path`: a regular file it may execute, found through directories it may
 * search. Asked as the account (root would see into directories the account cannot), so the answer tells
 * a user nothing they could not learn themselves. False when the check does not finish within 5 s.
 */
export function canExecuteAs(account: UserAccount, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawnAsUser(account, '/bin/sh', ['-c', 'test -f "$1" && test -x "$1"', 'sh', path], {
      env: cleanEnvironment(account),
      cwd: '/',
      processGroup: false,
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

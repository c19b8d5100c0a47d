// Test support (not a test): whole dcvserver instances in temporary DCV_ROOTs, the real `dcv` and
// `dcvserver` commands run as real processes, and real local users for the permission tests.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processesWithEnvironment } from '../../src/host/process-sweep.js';

/** The repository root (this file runs from dist/test/e2e). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const DCV = join(REPO, 'bin/dcv');
export const DCVSERVER = join(REPO, 'bin/dcvserver');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/**
 * A fresh DCV_ROOT with the given dcv.conf; world-traversable so other local users reach its socket. Unless
 * the configuration names a web port, the server gets a random one on 127.0.0.1, so test servers running
 * side by side (and a real dcvserver on 8443) never collide.
 */
export function makeDcvRoot(conf = ''): string {
  const root = mkdtempSync('/tmp/opendcv-test-');
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'etc/dcv'), { recursive: true });
  const port = 20000 + Math.floor(Math.random() * 40000);
  // GLib merges a repeated group, so this works whether or not `conf` has a [connectivity] group.
  const web = /^\s*web-port\s*=/m.test(conf) ? '' : `\n[connectivity]\nweb-port=${port}\nweb-listen-endpoints=['127.0.0.1']\n`;
  writeFileSync(join(root, 'etc/dcv/dcv.conf'), `${conf}${web}`);
  return root;
}

export function removeDcvRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, asUser?: TestUser): Promise<RunResult> {
  const [cmd, argv] =
    asUser === undefined
      ? [process.execPath, [file, ...args]]
      : ['setpriv', [`--reuid=${asUser.uid}`, `--regid=${asUser.gid}`, '--init-groups', process.execPath, file, ...args]];
  return new Promise((resolve) => {
    execFile(cmd, argv, { env, cwd: asUser?.home ?? REPO, maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function envFor(root: string, asUser?: TestUser): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], DCV_ROOT: root, LANG: 'C.UTF-8' };
  if (asUser !== undefined) {
    env['HOME'] = asUser.home;
    env['USER'] = asUser.name;
  }
  return env;
}

export function dcv(root: string, args: string[], asUser?: TestUser): Promise<RunResult> {
  return run(DCV, args, envFor(root, asUser), asUser);
}

export function dcvserver(root: string, args: string[]): Promise<RunResult> {
  return run(DCVSERVER, args, envFor(root));
}

// What this test process put on the host (accounts, system files), removed when it exits: a test run leaves
// the host as it found it. Only what this process created is removed, never what was there before.
const createdUsers = new Set<string>();
const createdFiles = new Set<string>();
let cleanupRegistered = false;

function registerCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  process.once('exit', removeCreated);
}

/** Removes the accounts (with their homes) and files this process created; run at exit, callable earlier. */
export function removeCreated(): void {
  for (const f of createdFiles) rmSync(f, { force: true });
  createdFiles.clear();
  for (const name of createdUsers) {
    try {
      execFileSync('userdel', ['--remove', name], { stdio: 'ignore' });
    } catch {
      process.stderr.write(`test cleanup: could not remove the account ${name} (still in use?)\n`);
    }
  }
  createdUsers.clear();
}

/** Writes a system file (such as /etc/pam.d/dcv) unless it exists; one this process wrote is removed at exit. */
export function ensureSystemFile(path: string, content: string): void {
  if (existsSync(path)) return;
  writeFileSync(path, content);
  createdFiles.add(path);
  registerCleanup();
}

/** Creates (once) a local account for tests, with a home directory; one this process created is removed at exit. */
export function ensureUser(name: string): TestUser {
  try {
    execFileSync('getent', ['passwd', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', name], { stdio: 'ignore' });
    createdUsers.add(name);
    registerCleanup();
  }
  const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
  return { name, uid: Number(line[2]), gid: Number(line[3]), home: line[5]! };
}

/** Pids of processes whose environment says they belong to session `id` (DCV_SESSION_ID). */
export function sessionProcesses(id: string): number[] {
  return processesWithEnvironment(`DCV_SESSION_ID=${id}`);
}

/** Whether any process runs an X server for `display` (":N"). */
export function xServerRunning(display: string): boolean {
  try {
    execFileSync('pgrep', ['-f', `^(Xvfb|Xvnc) ${display} `], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Writes an executable init script into the root and returns its path. */
export function writeInit(root: string, name: string, body: string): string {
  const path = join(root, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

// The upgrade's hold on dcvserver: is it running and which version, its sessions, stopping it (SIGTERM,
// as `dcvserver stop` does) and starting a given release's own dcvserver, the one `current` points to.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import type { SessionDescription } from '../control/contract.js';
import { callServer } from '../server/control/control-socket.js';
import { isAlive, runningServerPid } from '../host/pid-file.js';

const STOP_TIMEOUT_MS = 60_000;

export function serverPid(paths: HostPaths): number | null {
  return runningServerPid(paths.pidFile);
}

/** The version the running server reports on its control socket, or null when none answers. */
export async function runningVersion(paths: HostPaths): Promise<string | null> {
  if (serverPid(paths) === null) return null;
  try {
    const r = await callServer(paths.controlSocket, 'version');
    return typeof r.version === 'string' ? r.version : null;
  } catch {
    return null;
  }
}

export async function listSessions(paths: HostPaths): Promise<SessionDescription[]> {
  if (serverPid(paths) === null) return [];
  return callServer(paths.controlSocket, 'list-sessions');
}

export async function closeSession(paths: HostPaths, id: string): Promise<void> {
  await callServer(paths.controlSocket, 'close-session', { id });
}

/** Stops the running server and waits for it to exit (it closes its sessions on the way). */
export async function stopServer(paths: HostPaths): Promise<number | null> {
  const pid = serverPid(paths);
  if (pid === null) return null;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      // A server that will not stop must not keep the old release half-running under the new one.
      process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return pid;
}

export interface StartResult {
  readonly ok: boolean;
  /** What `dcvserver start` printed (its reason when it failed). */
  readonly output: string;
}

/** Runs `RELEASE/bin/dcvserver start`: the release's own code, waiting until its control socket answers. */
export function startServer(release: string, env: NodeJS.ProcessEnv): Promise<StartResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(release, 'bin/dcvserver'), 'start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolve({ ok: false, output: e.message }));
    child.on('close', (code) => resolve({ ok: code === 0, output: output.trim() }));
  });
}

/** Starts `release` and checks the server that answers is that release's version. */
export async function startRelease(
  paths: HostPaths,
  release: string,
  version: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const r = await startServer(release, env);
  if (!r.ok)
    throw new DcvError(
      'SERVER_NOT_RUNNING',
      `dcvserver ${version} did not start: ${r.output || 'no reason given'}`,
    );
  const running = await runningVersion(paths);
  if (running !== version) {
    throw new DcvError(
      'SERVER_NOT_RUNNING',
      `the server that answers reports version ${running ?? 'nothing'}, not ${version}.`,
    );
  }
}

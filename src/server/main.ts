// The `dcvserver` command: runs in the foreground (as systemd wants), or `start|stop|status` for hosts
// without systemd, using the pid file and the control socket to know whether a server is up.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DcvError } from '../errors.js';
import { hostPaths, type HostPaths } from '../host-paths.js';
import { SERVER_VERSION } from '../version/current.js';
import { callServer } from './control/control-socket.js';
import { DcvServer } from './dcv-server.js';
import { isAlive, runningServerPid } from '../host/pid-file.js';
import { runProgram } from '../host/run-program.js';

const USAGE = `Usage: dcvserver [run]          run in the foreground (systemd, containers)
       dcvserver start           start in the background and wait until it is ready
       dcvserver stop            stop the running server (closes every session)
       dcvserver status          say whether it runs (exit 0) or not (exit 3)
       dcvserver --version
Files hang off DCV_ROOT when set (e.g. DCV_ROOT=/tmp/x reads /tmp/x/etc/dcv/dcv.conf).`;

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 60_000;

async function runForeground(paths: HostPaths): Promise<number> {
  const server = await DcvServer.start(paths, { echoLog: process.stderr.isTTY === true || process.env['DCV_LOG_STDERR'] === '1' });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      void server.stop(`received ${signal}`).then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGHUP', () => stop('SIGHUP'));
  });
  return 0;
}

async function serverAnswers(paths: HostPaths): Promise<boolean> {
  try {
    await callServer(paths.controlSocket, 'version');
    return true;
  } catch {
    return false;
  }
}

async function start(paths: HostPaths): Promise<number> {
  const running = runningServerPid(paths.pidFile);
  if (running !== null) throw new DcvError('SERVER_ALREADY_RUNNING', `dcvserver is already running (pid ${running}).`);
  mkdirSync(paths.runDir, { recursive: true, mode: 0o755 });
  // The daemon's early errors (a bad dcv.conf) land here, so `start` can show them.
  const errFile = `${paths.runDir}/dcvserver.start.err`;
  const err = openSync(errFile, 'w', 0o600);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'run'], {
    detached: true,
    stdio: ['ignore', 'ignore', err],
    env: { ...process.env, DCV_LOG_STDERR: '0' },
  });
  closeSync(err);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      const text = existsSync(errFile) ? readFileSync(errFile, 'utf8').trim() : '';
      process.stderr.write(`${text || 'dcvserver exited during start; see the server log.'}\n`);
      return 1;
    }
    if (await serverAnswers(paths)) {
      rmSync(errFile, { force: true });
      process.stdout.write(`dcvserver started (pid ${child.pid})\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`dcvserver did not become ready within ${START_TIMEOUT_MS / 1000} s; see the server log.\n`);
  return 1;
}

async function stop(paths: HostPaths): Promise<number> {
  const pid = runningServerPid(paths.pidFile);
  if (pid === null) {
    process.stdout.write('dcvserver is not running\n');
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.stderr.write(`dcvserver (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it.\n`);
      process.kill(pid, 'SIGKILL');
      return 1;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.stdout.write('dcvserver stopped\n');
  return 0;
}

function status(paths: HostPaths): number {
  const pid = runningServerPid(paths.pidFile);
  if (pid === null) {
    process.stdout.write('dcvserver is not running\n');
    return 3; // LSB: program is not running
  }
  process.stdout.write(`dcvserver is running (pid ${pid})\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const paths = hostPaths(process.env['DCV_ROOT']);
  const [command = 'run', ...rest] = argv;
  if (rest.length > 0) throw new DcvError('USAGE', `dcvserver ${command} takes no arguments.\n${USAGE}`);
  switch (command) {
    case 'run':
      return runForeground(paths);
    case 'start':
      return start(paths);
    case 'stop':
      return stop(paths);
    case 'status':
      return status(paths);
    case '--version':
    case 'version':
      process.stdout.write(`opendcv ${SERVER_VERSION}\n`);
      return 0;
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new DcvError('USAGE', `Unknown dcvserver command '${command}'.\n${USAGE}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runProgram('dcvserver', () => main(process.argv.slice(2)));
}

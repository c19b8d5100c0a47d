// The seed's last step, "test the server by starting a session", done with the new release's own `dcv`:
// create a session, receive its first video frame over the viewer protocol (viewer-frame.ts), close it.
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DcvError } from '../errors.js';
import { hostPaths } from '../host-paths.js';
import { receiveFirstFrame } from './viewer-frame.js';

export const SMOKE_SESSION_PREFIX = 'upgrade-smoke-';
const FRAME_TIMEOUT_MS = 20_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runDcv(release: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(release, 'bin/dcv'), ...args],
      { env, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr: stderr.trim() });
      },
    );
  });
}

/** Whether an image shows anything: scaled to 32x24 grey, its pixels are not all (nearly) one value. */
export function imageIsNonBlank(image: Uint8Array): boolean {
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-i', 'pipe:0', '-vf', 'scale=32:24', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
    {
      input: image,
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0 || r.stdout.length === 0) return false;
  let min = 255;
  let max = 0;
  for (const v of r.stdout) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min > 8;
}

export interface SmokeResult {
  readonly session: string;
  /** Milliseconds from create-session to the first non-blank frame. */
  readonly frameMs: number;
  /** When the first non-blank frame arrived (ms since the epoch). */
  readonly frameAt: number;
}

async function firstFrame(release: string, session: string, env: NodeJS.ProcessEnv): Promise<void> {
  const deadline = Date.now() + FRAME_TIMEOUT_MS;
  let why = '';
  for (;;) {
    const shot = await runDcv(
      release,
      ['get-screenshot', '--max-width', '320', '--max-height', '240', '--format', 'png', '-j', session],
      env,
    );
    if (shot.code === 0) {
      if (imageIsNonBlank(Buffer.from((JSON.parse(shot.stdout) as { data: string }).data, 'base64'))) return;
      why = 'its screen stayed blank';
    } else {
      why = shot.stderr;
    }
    if (Date.now() > deadline)
      throw new DcvError(
        'SCREENSHOT_FAILED',
        `no frame from the test session within ${FRAME_TIMEOUT_MS / 1000} s: ${why}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function smokeTest(release: string, env: NodeJS.ProcessEnv): Promise<SmokeResult> {
  const session = `${SMOKE_SESSION_PREFIX}${Date.now()}`;
  const t0 = Date.now();
  const created = await runDcv(
    release,
    ['create-session', '--type', 'virtual', '--name', 'dcv upgrade smoke test', session],
    env,
  );
  if (created.code !== 0)
    throw new DcvError('SESSION_START_FAILED', `the test session could not be created: ${created.stderr}`);
  let failure: unknown = null;
  try {
    // A frame over the viewer protocol, as a person would get it; a release without viewer tokens (older
    // than this code) is tested with a non-blank screenshot instead.
    await receiveFirstFrame(hostPaths(env['DCV_ROOT']), session).catch(async (e: unknown) => {
      if (e instanceof DcvError && e.code === 'USAGE') return firstFrame(release, session, env);
      throw e;
    });
  } catch (e) {
    failure = e;
  }
  const frameAt = Date.now();
  // Closed whatever the frame did: the test must leave no session behind.
  const closed = await runDcv(release, ['close-session', session], env);
  if (failure !== null) throw failure;
  if (closed.code !== 0)
    throw new DcvError('SESSION_NOT_FOUND', `the test session could not be closed: ${closed.stderr}`);
  return { session, frameMs: frameAt - t0, frameAt };
}

// Runs one short ffmpeg (a screenshot, an encoder probe): input on stdin, output and diagnostics collected,
// killed after a timeout so a hung driver or a huge input cannot hold the caller.
import { spawn } from 'node:child_process';

export interface FfmpegRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The start of ffmpeg's diagnostics (at most ~4 kB). */
  stderr: string;
}

/** Resolves when ffmpeg ends, whatever its status; rejects only when it cannot be started at all. */
export function runFfmpeg(
  bin: string,
  args: string[],
  input: Buffer,
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<FfmpegRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
    });
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.stdin.on('error', () => {
      /* ffmpeg exited early; its status says why */
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.end(input);
  });
}

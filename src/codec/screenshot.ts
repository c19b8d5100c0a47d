// One-shot screenshot of a session: reads its Xvfb framebuffer and has ffmpeg scale it down (keeping the
// aspect ratio, never up) and encode it as PNG or JPEG. Used by `dcv get-screenshot`.
import { DcvError } from '../errors.js';
import { Framebuffer } from '../display/framebuffer.js';
import { rawVideoInputArgs } from './ffmpeg-raw-input.js';
import { runFfmpeg } from './run-ffmpeg.js';

export interface ScreenshotOptions {
  /** Largest width of the image; the screen is scaled down to fit, never up. */
  maxWidth?: number;
  maxHeight?: number;
  /** Default 'png'. */
  format?: 'png' | 'jpeg';
  /** ffmpeg binary; default 'ffmpeg' from PATH. */
  ffmpegPath?: string;
}

const TIMEOUT_MS = 15_000;

export async function captureScreenshot(
  framebufferPath: string,
  options: ScreenshotOptions = {},
): Promise<Buffer> {
  const format = options.format ?? 'png';
  checkSizes(options);
  let fb: Framebuffer;
  try {
    fb = Framebuffer.open(framebufferPath);
  } catch (e) {
    throw new DcvError('SCREENSHOT_FAILED', `Cannot capture the screen: ${(e as Error).message}`);
  }
  let pixels: Buffer;
  const { width, height, pixFmt } = fb.format;
  try {
    pixels = fb.readFull();
  } catch (e) {
    throw new DcvError(
      'SCREENSHOT_FAILED',
      `Cannot read the screen from ${framebufferPath}: ${(e as Error).message}`,
    );
  } finally {
    fb.dispose();
  }
  const args = [
    ...rawVideoInputArgs(pixFmt, width, height),
    '-i',
    'pipe:0',
    ...outputArgs(width, height, format, options),
  ];
  // -nostdin only stops ffmpeg reading keyboard commands; pipe:0 is still the input.
  return encode(options.ffmpegPath ?? 'ffmpeg', args, pixels);
}

/**
 * A screenshot of a display that keeps no framebuffer file (a console session's existing X server):
 * ffmpeg grabs it through X11, then scales and encodes it as for a virtual session.
 */
export async function captureDisplayScreenshot(
  display: string,
  xauthority: string,
  size: { width: number; height: number },
  options: ScreenshotOptions = {},
): Promise<Buffer> {
  const format = options.format ?? 'png';
  checkSizes(options);
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'x11grab',
    '-video_size',
    `${size.width}x${size.height}`,
    '-i',
    display,
    ...outputArgs(size.width, size.height, format, options),
  ];
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', DISPLAY: display };
  if (xauthority !== '') env['XAUTHORITY'] = xauthority;
  return encode(options.ffmpegPath ?? 'ffmpeg', args, Buffer.alloc(0), env);
}

/** Scale down to fit (never up), keep the aspect ratio, encode one PNG or JPEG to stdout. */
function outputArgs(
  width: number,
  height: number,
  format: 'png' | 'jpeg',
  options: ScreenshotOptions,
): string[] {
  const maxW = Math.min(options.maxWidth ?? width, width);
  const maxH = Math.min(options.maxHeight ?? height, height);
  const filters: string[] = [];
  if (maxW < width || maxH < height) {
    filters.push(`scale=w=${maxW}:h=${maxH}:force_original_aspect_ratio=decrease:flags=area`);
  }
  const codecArgs =
    format === 'png'
      ? ['-c:v', 'png', '-pix_fmt', 'rgb24', '-f', 'image2pipe']
      : // JPEG: full-range 4:2:0 at high quality; ffmpeg's mjpeg wants the yuvj formats.
        ['-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', '3', '-f', 'image2pipe'];
  if (format === 'jpeg') filters.push('scale=out_range=full');
  return [...(filters.length ? ['-vf', filters.join(',')] : []), '-frames:v', '1', ...codecArgs, 'pipe:1'];
}

async function encode(bin: string, args: string[], input: Buffer, env?: NodeJS.ProcessEnv): Promise<Buffer> {
  let r;
  try {
    r = await runFfmpeg(bin, args, input, { timeoutMs: TIMEOUT_MS, ...(env ? { env } : {}) });
  } catch (e) {
    throw new DcvError('SCREENSHOT_FAILED', `Cannot run ${bin}: ${(e as Error).message}. Install ffmpeg.`);
  }
  if (r.code === 0 && r.stdout.length > 0) return r.stdout;
  throw new DcvError(
    'SCREENSHOT_FAILED',
    `ffmpeg could not encode the screenshot (${r.signal ?? `exit ${r.code}`}): ${r.stderr.trim() || 'no output'}`,
  );
}

function checkSizes(options: ScreenshotOptions): void {
  for (const [name, v] of [
    ['maxWidth', options.maxWidth],
    ['maxHeight', options.maxHeight],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
      throw new DcvError('USAGE', `${name} must be a positive whole number of pixels, not ${String(v)}.`);
    }
  }
}

// Test support (not a test): decodes images and H.264 with the real ffmpeg/ffprobe so tests check what a
// viewer would see.
import { spawnSync } from 'node:child_process';

/** Decodes a PNG/JPEG to packed RGB24 with ffmpeg. */
export function decodeImage(data: Uint8Array): { width: number; height: number; rgb: Buffer } {
  const probe = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-i', 'pipe:0'],
    {
      input: data,
    },
  );
  const [w, h] = probe.stdout.toString().trim().split(',').map(Number);
  if (!w || !h) throw new Error(`ffprobe could not read the image: ${probe.stderr.toString()}`);
  const dec = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    {
      input: data,
      maxBuffer: 1 << 28,
    },
  );
  if (dec.status !== 0) throw new Error(`ffmpeg could not decode the image: ${dec.stderr.toString()}`);
  return { width: w, height: h, rgb: dec.stdout };
}

/** Decodes an Annex-B H.264 stream; returns the number of frames and the last frame as RGB24. */
export function decodeH264(
  stream: Uint8Array,
  width: number,
  height: number,
): { frames: number; last: Buffer | undefined; stderr: string } {
  const dec = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'h264', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    {
      input: stream,
      maxBuffer: 1 << 30,
    },
  );
  const size = width * height * 3;
  const frames = Math.floor(dec.stdout.length / size);
  return {
    frames,
    last: frames > 0 ? dec.stdout.subarray((frames - 1) * size, frames * size) : undefined,
    stderr: dec.stderr.toString(),
  };
}

export function rgbAt(rgb: Buffer, width: number, x: number, y: number): [number, number, number] {
  const i = (y * width + x) * 3;
  return [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
}

/** True when two colours differ by at most `tol` per channel (lossy codecs shift colours a little). */
export function near(a: readonly number[], b: readonly number[], tol: number): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}

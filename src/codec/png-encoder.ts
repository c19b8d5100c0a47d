// Encodes 32-bit framebuffer pixels (BGRX and friends) as lossless RGB PNG with node:zlib: the
// "build to lossless" refinement rectangles. Deflate runs on libuv's thread pool, off the event loop.
import { crc32, deflate, constants } from 'node:zlib';
import { promisify } from 'node:util';

const deflateAsync = promisify(deflate);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Byte offsets of R, G and B inside a 4-byte pixel, by ffmpeg pixel format name. */
const CHANNELS: Record<string, readonly [number, number, number]> = {
  bgr0: [2, 1, 0],
  rgb0: [0, 1, 2],
  '0rgb': [1, 2, 3],
  '0bgr': [3, 2, 1],
};

/** Reusable memory for the filtered rows; one encode at a time may use it (it is read until the promise settles). */
export interface PngScratch {
  rows?: Buffer;
}

/**
 * PNG of a w×h block of 4-byte pixels (tightly packed, w*4 bytes per row). Rows use the Up filter, which
 * suits screen content (runs of identical rows in UI) and costs one subtraction per byte. With `scratch`, the
 * filtered rows go into memory kept from the previous encode instead of a fresh buffer (a 1080p screen is 6 MB,
 * and fresh ones of that size make V8 collect garbage on an otherwise idle server).
 */
export async function encodePng(
  pixels: Buffer,
  w: number,
  h: number,
  pixFmt: string,
  level = 3,
  scratch?: PngScratch,
): Promise<Buffer> {
  const ch = CHANNELS[pixFmt];
  if (!ch) throw new Error(`unsupported pixel format ${pixFmt}`);
  if (pixels.length < w * h * 4) throw new Error('pixel buffer shorter than the rectangle');
  const [ri, gi, bi] = ch;
  const stride = w * 3 + 1;
  let raw: Buffer;
  if (scratch === undefined) raw = Buffer.allocUnsafe(stride * h);
  else {
    if (scratch.rows === undefined || scratch.rows.length < stride * h)
      scratch.rows = Buffer.allocUnsafe(stride * h);
    raw = scratch.rows.subarray(0, stride * h);
  }
  for (let y = 0; y < h; y++) {
    const o = y * stride;
    const s = y * w * 4;
    raw[o] = y === 0 ? 0 : 2; // filter: None for the first row, Up after
    if (y === 0) {
      for (let x = 0, d = o + 1, p = s; x < w; x++, d += 3, p += 4) {
        raw[d] = pixels[p + ri]!;
        raw[d + 1] = pixels[p + gi]!;
        raw[d + 2] = pixels[p + bi]!;
      }
    } else {
      const u = s - w * 4;
      for (let x = 0, d = o + 1, p = s; x < w; x++, d += 3, p += 4) {
        raw[d] = (pixels[p + ri]! - pixels[u + x * 4 + ri]!) & 0xff;
        raw[d + 1] = (pixels[p + gi]! - pixels[u + x * 4 + gi]!) & 0xff;
        raw[d + 2] = (pixels[p + bi]! - pixels[u + x * 4 + bi]!) & 0xff;
      }
    }
  }
  const idat = await deflateAsync(raw, { level, strategy: constants.Z_DEFAULT_STRATEGY });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  // compression, filter method, interlace: 0
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// Reads the pixels of an Xvfb screen from its memory-mapped XWD file (`-fbdir DIR` → DIR/Xvfb_screen0):
// parses the header once (again after a resize) and copies whole screens or rectangles into reusable Buffers.
// The file is the session owner's: it is opened only as the regular file their X server made (see openFile).
import type { Rect } from '../protocol/index.js';
import { closeSync, fstatSync, lstatSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { DcvError } from '../errors.js';
import { openRegularFile } from '../host/root-files.js';

/** The layout of the pixel data, from the XWD header. */
export interface FramebufferFormat {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly bitsPerPixel: number;
  readonly bytesPerLine: number;
  /** Byte offset of the first pixel in the file (header + window name + colormap). */
  readonly pixelOffset: number;
  /**
   * The ffmpeg raw pixel format naming the 4 bytes of a pixel in memory order: Xvfb at depth 24 on a
   * little-endian host writes B,G,R,X ("bgr0").
   */
  readonly pixFmt: 'bgr0' | 'rgb0' | '0rgb' | '0bgr';
}

const XWD_FILE_VERSION = 7;
/** X's own limit per dimension, and a screen no one streams (256 MiB of pixels): a forged header stops here. */
const MAX_SIDE = 32767;
const MAX_PIXELS = 8192 * 8192;
const Z_PIXMAP = 2;
const HEADER_FIELDS = 25;

/** Parses an XWD header (big-endian CARD32 fields). Throws SCREENSHOT_FAILED-style DcvErrors naming the file. */
export function parseXwdHeader(header: Buffer, fileSize: number, path: string): FramebufferFormat {
  const bad = (why: string): DcvError =>
    new DcvError('FRAMEBUFFER_UNSUPPORTED', `${path} is not a usable X framebuffer: ${why}.`);
  if (header.length < HEADER_FIELDS * 4) throw bad('it is shorter than an XWD header');
  const f = (i: number): number => header.readUInt32BE(i * 4);
  const headerSize = f(0);
  if (f(1) !== XWD_FILE_VERSION) throw bad(`XWD file version ${f(1)}, expected ${XWD_FILE_VERSION}`);
  if (f(2) !== Z_PIXMAP) throw bad(`pixmap format ${f(2)}, expected ZPixmap (2)`);
  const depth = f(3);
  const width = f(4);
  const height = f(5);
  const byteOrder = f(7); // 0 = LSBFirst
  const bitsPerPixel = f(11);
  const bytesPerLine = f(12);
  const redMask = f(14);
  const blueMask = f(16);
  const ncolors = f(19);
  if (depth !== 24 && depth !== 32)
    throw bad(`depth ${depth} (only 24-bit colour is supported; start Xvfb with -screen 0 WxHx24)`);
  if (bitsPerPixel !== 32) throw bad(`${bitsPerPixel} bits per pixel (expected 32)`);
  if (width === 0 || height === 0 || width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS)
    throw bad(`geometry ${width}x${height}`);
  if (bytesPerLine < width * 4 || bytesPerLine > width * 4 + 64)
    throw bad(`geometry ${width}x${height}, ${bytesPerLine} bytes per line`);
  const pixelOffset = headerSize + ncolors * 12;
  if (pixelOffset + bytesPerLine * height > fileSize) throw bad('the file is shorter than its pixel data');
  // Memory order of the 4 bytes: LSBFirst puts the low byte first.
  let pixFmt: FramebufferFormat['pixFmt'];
  if (redMask === 0xff0000 && blueMask === 0xff) pixFmt = byteOrder === 0 ? 'bgr0' : '0rgb';
  else if (redMask === 0xff && blueMask === 0xff0000) pixFmt = byteOrder === 0 ? 'rgb0' : '0bgr';
  else throw bad(`colour masks red=0x${redMask.toString(16)} blue=0x${blueMask.toString(16)}`);
  return { width, height, depth, bitsPerPixel, bytesPerLine, pixelOffset, pixFmt };
}

/**
 * A screen's pixels as the streamer reads them: an Xvfb framebuffer file (virtual sessions), or a copy kept
 * up to date with X GetImage (a console session's display, which has no such file; see x-image-screen.ts).
 */
export interface ScreenPixels {
  readonly format: FramebufferFormat;
  readonly width: number;
  readonly height: number;
  /** Makes these areas' pixels current before they are read (a framebuffer file always is). */
  update(rects: readonly Rect[]): Promise<void>;
  /** The whole screen, tightly packed (width*4 bytes per row), in `into` when it is big enough. */
  readFull(into?: Buffer): Buffer;
  /** A rectangle, tightly packed, in `into` when it is big enough. */
  readRect(rect: Rect, into?: Buffer): Buffer;
  /** After a screen size change; true when the geometry changed. */
  refresh(): boolean;
  dispose(): void;
}

/** An open Xvfb framebuffer file. Owns its file descriptor; dispose() closes it. */
export class Framebuffer implements ScreenPixels {
  private fd: number;
  private fmt: FramebufferFormat;
  private disposed = false;

  private constructor(
    readonly path: string,
    fd: number,
    fmt: FramebufferFormat,
  ) {
    this.fd = fd;
    this.fmt = fmt;
  }

  /** Opens and validates `path` (e.g. DIR/Xvfb_screen0). */
  static open(path: string): Framebuffer {
    const fd = openFile(path);
    try {
      return new Framebuffer(path, fd, readFormat(fd, path));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get format(): FramebufferFormat {
    return this.fmt;
  }

  /** Xvfb writes the file as it draws: nothing to fetch. */
  update(): Promise<void> {
    return Promise.resolve();
  }

  get width(): number {
    return this.fmt.width;
  }

  get height(): number {
    return this.fmt.height;
  }

  /**
   * Re-reads the header (after a RANDR screen change Xvfb rewrites the file); returns true when the
   * geometry changed. Xvfb may replace the file, so the descriptor is reopened.
   */
  refresh(): boolean {
    this.assertOpen();
    const fd = openFile(this.path);
    let fmt: FramebufferFormat;
    try {
      fmt = readFormat(fd, this.path);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    closeSync(this.fd);
    this.fd = fd;
    const changed =
      fmt.width !== this.fmt.width ||
      fmt.height !== this.fmt.height ||
      fmt.bytesPerLine !== this.fmt.bytesPerLine;
    this.fmt = fmt;
    return changed;
  }

  /**
   * Copies the whole screen, tightly packed (width*4 bytes per row), into `into` (grown when too small) and
   * returns the view holding exactly the frame. When rows have no padding this is a single read.
   */
  readFull(into?: Buffer): Buffer {
    return this.readRect({ x: 0, y: 0, width: this.fmt.width, height: this.fmt.height }, into);
  }

  /** Copies a rectangle, tightly packed (w*4 bytes per row), into `into` and returns the view of it. */
  readRect(rect: Rect, into?: Buffer): Buffer {
    this.assertOpen();
    const { x, y, width: w, height: h } = clampRect(rect, this.fmt.width, this.fmt.height);
    const rowBytes = w * 4;
    const size = rowBytes * h;
    const out = into && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
    if (size === 0) return out;
    const stride = this.fmt.bytesPerLine;
    const base = this.fmt.pixelOffset + y * stride + x * 4;
    if (rowBytes === stride) {
      readFully(this.fd, out, 0, size, base);
    } else if (w === this.fmt.width || h * stride <= size * 2) {
      // Full-width-ish: one read of the spanned rows into the tail of a scratch, then compact.
      // Cheaper than h syscalls when the rectangle covers most of each row.
      const span = (h - 1) * stride + rowBytes;
      const scratch = this.scratchFor(span);
      readFully(this.fd, scratch, 0, span, base);
      for (let r = 0; r < h; r++) scratch.copy(out, r * rowBytes, r * stride, r * stride + rowBytes);
    } else {
      for (let r = 0; r < h; r++) readFully(this.fd, out, r * rowBytes, rowBytes, base + r * stride);
    }
    return out;
  }

  private scratch: Buffer | undefined;
  private scratchFor(size: number): Buffer {
    if (!this.scratch || this.scratch.length < size) this.scratch = Buffer.allocUnsafe(size);
    return this.scratch;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    closeSync(this.fd);
    this.scratch = undefined;
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('Framebuffer used after dispose()');
  }
}

/** Clips a rectangle to the screen; an empty result has w or h 0. */
export function clampRect(r: Rect, width: number, height: number): Rect {
  const x0 = Math.max(0, Math.min(width, Math.floor(r.x)));
  const y0 = Math.max(0, Math.min(height, Math.floor(r.y)));
  const x1 = Math.max(x0, Math.min(width, Math.ceil(r.x + r.width)));
  const y1 = Math.max(y0, Math.min(height, Math.ceil(r.y + r.height)));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Opens the framebuffer file without blocking and without following a link, and only when it is a regular
 * file owned by the owner of its directory (the account the X server runs as): a FIFO, a device, a symlink or
 * a hard link to someone else's file put there by the session's owner is refused, never read.
 */
function openFile(path: string): number {
  try {
    return openRegularFile(path, lstatSync(dirname(path)).uid);
  } catch (e) {
    throw new DcvError(
      'FRAMEBUFFER_UNSUPPORTED',
      `Cannot open the X framebuffer ${path}: ${(e as Error).message}.`,
    );
  }
}

function readFormat(fd: number, path: string): FramebufferFormat {
  const head = Buffer.alloc(HEADER_FIELDS * 4);
  const n = readSync(fd, head, 0, head.length, 0);
  return parseXwdHeader(head.subarray(0, n), fstatSync(fd).size, path);
}

function readFully(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
  while (length > 0) {
    const n = readSync(fd, buf, offset, length, position);
    if (n === 0) throw new Error('X framebuffer file ended early (was the X server stopped?)');
    offset += n;
    length -= n;
    position += n;
  }
}

// A screen without a framebuffer file (a virtual session's Xvnc, a console session's display): a copy of its
// pixels kept current with X GetImage (MIT-SHM when local), fetching only what DAMAGE reported since the last capture.
import type { Rect } from '../protocol/index.js';
import type { FramebufferFormat, ScreenPixels } from './framebuffer.js';
import { clampRect } from './framebuffer.js';
import type { XConnection } from './x-connection.js';

export class XImageScreen implements ScreenPixels {
  private pixels: Buffer;
  private fmt: FramebufferFormat;
  /** The whole copy must be fetched (first use, or after a size change). */
  private stale = true;
  private disposed = false;
  /** Bumped by every size change, so a read begun before one is not copied into the new screen. */
  private generation = 0;

  constructor(private readonly conn: XConnection) {
    this.fmt = this.formatFor(conn.size);
    this.pixels = Buffer.alloc(this.fmt.bytesPerLine * this.fmt.height);
  }

  get format(): FramebufferFormat {
    return this.fmt;
  }

  get width(): number {
    return this.fmt.width;
  }

  get height(): number {
    return this.fmt.height;
  }

  async update(rects: readonly Rect[]): Promise<void> {
    const whole = { x: 0, y: 0, width: this.fmt.width, height: this.fmt.height };
    const todo = this.stale ? [whole] : rects;
    const generation = this.generation;
    this.stale = false;
    for (const rect of todo) {
      const r = clampRect(rect, this.fmt.width, this.fmt.height);
      if (r.width === 0 || r.height === 0) continue;
      const band = Math.max(1, Math.floor(this.conn.imageBytesPerRequest / (r.width * 4)));
      for (let y = r.y; y < r.y + r.height; y += band) {
        const h = Math.min(band, r.y + r.height - y);
        const data = await this.conn.getImage({ x: r.x, y, width: r.width, height: h });
        // A resize while the read was in flight: its rows belong to the old screen; refresh() marked all stale.
        if (this.disposed || generation !== this.generation) return;
        // ZPixmap rows at 32 bits per pixel are w*4 bytes: no scanline padding to skip.
        for (let row = 0; row < h; row++) {
          const at = (y + row) * this.fmt.bytesPerLine + r.x * 4;
          data.copy(this.pixels, at, row * r.width * 4, (row + 1) * r.width * 4);
        }
      }
    }
  }

  readFull(into?: Buffer): Buffer {
    const size = this.pixels.length;
    const out = into && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
    this.pixels.copy(out);
    return out;
  }

  readRect(rect: Rect, into?: Buffer): Buffer {
    const { x, y, width: w, height: h } = clampRect(rect, this.fmt.width, this.fmt.height);
    const rowBytes = w * 4;
    const out =
      into && into.length >= rowBytes * h ? into.subarray(0, rowBytes * h) : Buffer.allocUnsafe(rowBytes * h);
    for (let r = 0; r < h; r++) {
      const at = (y + r) * this.fmt.bytesPerLine + x * 4;
      this.pixels.copy(out, r * rowBytes, at, at + rowBytes);
    }
    return out;
  }

  refresh(): boolean {
    const size = this.conn.size;
    if (size.width === this.fmt.width && size.height === this.fmt.height) return false;
    this.fmt = this.formatFor(size);
    this.pixels = Buffer.alloc(this.fmt.bytesPerLine * this.fmt.height);
    this.stale = true;
    this.generation++;
    return true;
  }

  dispose(): void {
    this.disposed = true;
    this.pixels = Buffer.alloc(0);
  }

  private formatFor(size: { width: number; height: number }): FramebufferFormat {
    return {
      width: size.width,
      height: size.height,
      depth: 24,
      bitsPerPixel: 32,
      bytesPerLine: size.width * 4,
      pixelOffset: 0,
      pixFmt: this.conn.pixelFormat(),
    };
  }
}

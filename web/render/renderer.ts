// Owns the picture: decodes H.264 access units with WebCodecs and paints them, and the lossless PNG
// rectangles over them, onto one canvas in arrival order. Runs in the decoder worker or, as a fallback,
// on the page; it knows nothing about sockets.
import { avcCodecString } from '../../src/protocol/annex-b.js';
import type { FromRenderer, ToRenderer } from './render-messages.js';

type AnyCanvas = OffscreenCanvas | HTMLCanvasElement;
type Ctx2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

interface Area {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The areas' bounding box widened to even coordinates, as 4:2:0 frames can only be cut there. */
function evenBoundingBox(areas: readonly Area[], width: number, height: number): Area {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (const a of areas) {
    x0 = Math.min(x0, a.x);
    y0 = Math.min(y0, a.y);
    x1 = Math.max(x1, a.x + a.width);
    y1 = Math.max(y1, a.y + a.height);
  }
  x0 = Math.max(0, x0 & ~1);
  y0 = Math.max(0, y0 & ~1);
  x1 = Math.min(width, x1 + (x1 & 1));
  y1 = Math.min(height, y1 + (y1 & 1));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Frames waiting in the decoder beyond this mean it cannot keep up: skip to the next key frame. */
const MAX_DECODE_QUEUE = 6;

interface PendingRect {
  /** Paint once this many video frames have been output, so the rect lands over the frame it refines. */
  readonly afterOutputs: number;
  bitmap?: ImageBitmap;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  failed?: boolean;
}

export class Renderer {
  private readonly ctx: Ctx2D;
  private decoder: VideoDecoder | undefined;
  private codec = '';
  private waitingForKey = true;
  private submitted = 0;
  private outputs = 0;
  private readonly timestamps = new Map<number, number>();
  /** Changed areas per submitted frame (by sequence); empty means the whole frame. */
  private readonly frameRects = new Map<number, readonly Area[]>();
  private readonly rects: PendingRect[] = [];
  private probe: { y: number; xs: readonly number[] } | undefined;
  /** Frames convert to RGBA with VideoFrame.copyTo (false after the browser refused once). */
  private rgbaCopy = true;
  /** The RGBA conversion target, one screen; reused so no frame allocates 8 MB. */
  private pixels: ImageData | undefined;
  /** The paint of the newest decoded frame (see paintFrame). */
  private painting: Promise<void> = Promise.resolve();

  constructor(
    private readonly canvas: AnyCanvas,
    private readonly emit: (m: FromRenderer, transfer?: Transferable[]) => void,
  ) {
    const ctx = canvas.getContext('2d', { alpha: false, desynchronized: true }) as Ctx2D | null;
    if (ctx === null) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  handle(m: ToRenderer): void {
    switch (m.kind) {
      case 'video':
        this.video(m);
        break;
      case 'lossless':
        this.lossless(m);
        break;
      case 'resize':
        this.resize(m.width, m.height);
        break;
      case 'reset':
        this.reset();
        break;
      case 'snapshot':
        void this.snapshot(m.id, m.format);
        break;
      case 'probe':
        this.probe = { y: m.y, xs: m.xs };
        break;
      case 'init':
        break;
    }
  }

  private resize(width: number, height: number): void {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      // Resizing clears the canvas; the server follows a size change with a key frame.
      this.canvas.width = width;
      this.canvas.height = height;
    }
  }

  private video(m: Extract<ToRenderer, { kind: 'video' }>): void {
    const data = new Uint8Array(m.buffer, m.offset, m.length);
    if (m.keyframe) {
      const codec = avcCodecString(data) ?? 'avc1.42E01F';
      if (this.decoder === undefined || this.decoder.state === 'closed' || codec !== this.codec)
        this.configure(codec);
      this.waitingForKey = false;
    } else if (this.waitingForKey || this.decoder === undefined) {
      // A delta frame without its reference would decode to garbage; ask for a key frame instead.
      this.emit({ kind: 'need-keyframe', why: 'no key frame yet' });
      return;
    }
    const decoder = this.decoder!;
    if (decoder.decodeQueueSize > MAX_DECODE_QUEUE && !m.keyframe) {
      this.skipToKeyframe('decoder queue full');
      return;
    }
    this.timestamps.set(m.sequence, m.timestampUs);
    this.frameRects.set(m.sequence, m.keyframe ? [] : m.rects);
    this.submitted++;
    try {
      // The chunk timestamp carries the sequence number: integral and unique, unlike the µs capture time.
      decoder.decode(
        new EncodedVideoChunk({ type: m.keyframe ? 'key' : 'delta', timestamp: m.sequence, data }),
      );
    } catch (e) {
      this.outputs = this.submitted;
      this.skipToKeyframe(`decode failed: ${String(e)}`);
    }
  }

  private configure(codec: string): void {
    if (this.decoder !== undefined && this.decoder.state !== 'closed') this.decoder.close();
    this.outputs = this.submitted;
    this.timestamps.clear();
    this.frameRects.clear();
    this.codec = codec;
    this.decoder = new VideoDecoder({
      output: (frame) => this.paintFrame(frame),
      error: (e) => {
        this.outputs = this.submitted;
        this.decoder = undefined;
        this.skipToKeyframe(`decoder error: ${e.message}`);
        this.emit({ kind: 'error', message: `video decoder: ${e.message}` });
      },
    });
    // Annex-B input: no `description`, so SPS/PPS are taken from the stream itself.
    this.decoder.configure({ codec, optimizeForLatency: true, hardwareAcceleration: 'no-preference' });
  }

  private skipToKeyframe(why: string): void {
    if (!this.waitingForKey) {
      this.waitingForKey = true;
      this.emit({ kind: 'need-keyframe', why });
    }
  }

  /**
   * Paints decoded frames in output order. Painting may wait on an RGBA conversion, so each frame waits for the
   * one before it; the decoder never has more than a few frames out, so this chain stays short.
   */
  private paintFrame(frame: VideoFrame): void {
    const sequence = frame.timestamp;
    const rects = this.frameRects.get(sequence) ?? [];
    this.frameRects.delete(sequence);
    this.painting = this.painting
      .then(() => this.draw(frame, rects))
      .then(
        () => {
          this.outputs++;
          const timestampUs = this.timestamps.get(sequence) ?? 0;
          this.timestamps.delete(sequence);
          const { displayWidth: width, displayHeight: height } = frame;
          const painter = this.rgbaCopy ? 'copyTo' : 'drawImage';
          this.emit({
            kind: 'shown',
            sequence,
            timestampUs,
            width,
            height,
            painter,
            ...this.readProbe(width),
          });
          this.paintReadyRects();
        },
        (e: unknown) => {
          this.outputs++;
          this.emit({ kind: 'error', message: `painting a video frame: ${String(e)}` });
        },
      )
      // The chain must stay resolved whatever happens above, or every later frame would be skipped.
      .catch((e: unknown) => this.emit({ kind: 'error', message: `after a video frame: ${String(e)}` }))
      .finally(() => frame.close());
  }

  /** Puts the frame's changed areas (all of it for a key frame or a new size) on the canvas. */
  private async draw(frame: VideoFrame, rects: readonly Area[]): Promise<void> {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const resized = this.canvas.width !== width || this.canvas.height !== height;
    this.resize(width, height);
    const areas = rects.length === 0 || resized ? [{ x: 0, y: 0, width, height }] : rects;
    if (this.rgbaCopy) {
      try {
        await this.putConverted(frame, areas);
        return;
      } catch (e) {
        // A browser without VideoFrame.copyTo(..., { format: 'RGBA' }) says so with one of these: draw from now
        // on. Anything else is this frame's own failure.
        const name = (e as { name?: string } | null)?.name;
        if (name !== 'TypeError' && name !== 'NotSupportedError') throw e;
        this.rgbaCopy = false;
      }
    }
    if (areas.length === 1) {
      const r = areas[0]!;
      this.ctx.drawImage(frame, r.x, r.y, r.width, r.height, r.x, r.y, r.width, r.height);
      return;
    }
    // One drawImage through a clip of all the rects, not one per rect: Chromium converts the whole YUV frame on
    // every drawImage of a VideoFrame. The rects are whole pixels, so the clip is exact.
    this.ctx.save();
    this.ctx.beginPath();
    for (const r of areas) this.ctx.rect(r.x, r.y, r.width, r.height);
    this.ctx.clip();
    this.ctx.drawImage(frame, 0, 0, width, height);
    this.ctx.restore();
  }

  /**
   * Converts the changed areas to RGBA with VideoFrame.copyTo and puts each with putImageData's dirty rectangle,
   * which is exact and needs no clip. Chromium without a GPU (headless, remote desktops, VMs):
   * drawImage(VideoFrame) on a 2D canvas cost ~20 ms of CPU per 1080p frame, this ~8 ms. One conversion of
   * the areas' bounding box, or one per area when they are scattered (a corner clock and a line of typing).
   */
  private async putConverted(frame: VideoFrame, areas: readonly Area[]): Promise<void> {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    if (this.pixels?.width !== width || this.pixels.height !== height)
      this.pixels = new ImageData(width, height);
    const pixels = this.pixels;
    const box = evenBoundingBox(areas, width, height);
    const scattered = 2 * areas.reduce((sum, a) => sum + a.width * a.height, 0) < box.width * box.height;
    const copies = scattered ? areas.map((a) => evenBoundingBox([a], width, height)) : [box];
    await Promise.all(
      copies.map(
        (rect) =>
          frame.copyTo(pixels.data, {
            rect,
            format: 'RGBA',
            layout: [{ offset: (rect.y * width + rect.x) * 4, stride: width * 4 }],
          } as unknown as VideoFrameCopyToOptions), // `format` is newer than TypeScript's DOM types
      ),
    );
    for (const r of areas) this.ctx.putImageData(pixels, 0, 0, r.x, r.y, r.width, r.height);
  }

  /** One readback of the probed row; only when a benchmark asked for it, since readbacks cost. */
  private readProbe(width: number): { probe?: number[]; paintedAt?: number } {
    if (this.probe === undefined) return {};
    const row = this.ctx.getImageData(0, this.probe.y, width, 1).data;
    const probe: number[] = [];
    for (const x of this.probe.xs) probe.push(row[x * 4]!, row[x * 4 + 1]!, row[x * 4 + 2]!);
    return { probe, paintedAt: performance.timeOrigin + performance.now() };
  }

  private lossless(m: Extract<ToRenderer, { kind: 'lossless' }>): void {
    const rect: PendingRect = {
      afterOutputs: this.submitted,
      x: m.x,
      y: m.y,
      width: m.width,
      height: m.height,
    };
    this.rects.push(rect);
    const blob = new Blob([new Uint8Array(m.buffer, m.offset, m.length)], { type: 'image/png' });
    createImageBitmap(blob).then(
      (bitmap) => {
        rect.bitmap = bitmap;
        this.paintReadyRects();
      },
      (e: unknown) => {
        rect.failed = true;
        this.emit({ kind: 'error', message: `lossless PNG: ${String(e)}` });
        this.paintReadyRects();
      },
    );
  }

  /** Paints queued rects in order, stopping at the first whose PNG or preceding video frame is not ready. */
  private paintReadyRects(): void {
    while (this.rects.length > 0) {
      const r = this.rects[0]!;
      if (!r.failed && (r.bitmap === undefined || this.outputs < r.afterOutputs)) return;
      this.rects.shift();
      if (r.bitmap !== undefined) {
        this.ctx.drawImage(r.bitmap, r.x, r.y, r.width, r.height);
        r.bitmap.close();
        this.emit({ kind: 'lossless-shown' });
      }
    }
  }

  private reset(): void {
    if (this.decoder !== undefined && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = undefined;
    this.codec = '';
    this.waitingForKey = true;
    this.outputs = this.submitted;
    this.timestamps.clear();
    this.frameRects.clear();
    for (const r of this.rects.splice(0)) r.bitmap?.close();
    // A new connection starts from black, never from the last connection's picture.
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  private async snapshot(id: number, format: 'png' | 'rgba'): Promise<void> {
    const { width, height } = this.canvas;
    if (format === 'rgba') {
      const rgba = this.ctx.getImageData(0, 0, width, height).data.buffer as ArrayBuffer;
      this.emit({ kind: 'snapshot', id, width, height, rgba }, [rgba]);
      return;
    }
    const png =
      'convertToBlob' in this.canvas
        ? await this.canvas.convertToBlob({ type: 'image/png' })
        : await new Promise<Blob>((resolve, reject) =>
            (this.canvas as HTMLCanvasElement).toBlob(
              (b) => (b ? resolve(b) : reject(new Error('toBlob failed'))),
              'image/png',
            ),
          );
    this.emit({ kind: 'snapshot', id, width, height, png });
  }
}

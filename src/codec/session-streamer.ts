// Streams one session's screen to its viewers: damage → capture (at most target-fps) → one H.264 encoder →
// every subscriber; once the screen settles, the regions changed since the last refinement go out as
// lossless PNG rectangles. Owns the framebuffer, encoder and timers; the session's X connection is its
// caller's (display/x-connection.ts, shared with input), and what it hands subscribers is the protocol's own
// frame and patch values.
import { EventEmitter } from 'node:events';
import { MAX_FRAME_RATE } from '../config/frame-rate.js';
import type { CursorImage, LosslessPatch, Rect, VideoChunk } from '../protocol/index.js';
import { Framebuffer, type ScreenPixels } from '../display/framebuffer.js';
import { XImageScreen } from '../display/x-image-screen.js';
import type { XConnection } from '../display/x-connection.js';
import { H264Encoder, type EncodedFrame } from './h264-encoder.js';
import type { H264EncoderKind } from './h264-encoder-choice.js';
import { encodePng, type PngScratch } from './png-encoder.js';
import { DirtyRegion } from './region.js';

/** How often capture looks again while every viewer is still showing earlier frames. */
const PACE_RETRY_MS = 250;

/** The streamer's clock (performance.now()) as µs since the epoch, the protocol's capture timestamps. */
function epochUs(performanceMs: number): number {
  return Math.round((performance.timeOrigin + performanceMs) * 1000);
}

/** One viewer of the stream. Calls are synchronous; the subscriber queues/sends as it likes. */
export interface StreamSubscriber {
  /** A frame and the areas it changed (the whole screen for a keyframe): a viewer blits only those. */
  video(frame: VideoChunk): void;
  /** Lossless PNG (RGB) patches of screen areas the video left lossy. */
  refine(patches: LosslessPatch[]): void;
  /** True when the viewer's connection has too much unsent data (e.g. ws.bufferedAmount over a limit). */
  isBacklogged(): boolean;
  /**
   * False while the viewer still has frames on their way to its screen (sent, not yet shown). When no
   * viewer is ready, nothing is captured: damage waits and is coalesced, so latency stays at the depth
   * of the pipeline instead of growing a queue in the browser. Call resume() when a viewer catches up.
   */
  isReady?(): boolean;
}

export interface SessionStreamerOptions {
  /**
   * DIR/Xvfb_screen0 of the session's Xvfb. Without it (a console session's display) the screen is read with
   * X GetImage, damaged areas only.
   */
  framebufferPath?: string;
  /** Frames per second at most (`[display] target-fps` as src/config/frame-rate.ts reads it); default 60. */
  maxFps?: number;
  /** Still time before the lossless refinement (default 250 ms). */
  settleMs?: number;
  ffmpegPath?: string;
  /** libx264 CRF (default 23). */
  crf?: number;
  /** The ffmpeg H.264 encoder (default libx264). */
  encoder?: H264EncoderKind;
}

export interface SessionStreamerEvents {
  cursor: [CursorImage];
  resize: [{ width: number; height: number }];
  /** A failure the server should log; the streamer keeps going where it can. */
  error: [Error];
  /** The X server went away; the streamer has disposed itself. */
  closed: [];
}

interface SubscriberState {
  sub: StreamSubscriber;
  /** Skips frames until a keyframe (joined, or fell behind). */
  needsKeyframe: boolean;
  /** Gets the whole screen in the next refinement (its picture so far is all lossy). */
  refineAll: boolean;
}

export class SessionStreamer extends EventEmitter<SessionStreamerEvents> {
  private readonly subs = new Set<SubscriberState>();
  private encoder: H264Encoder;
  /** Capture buffers, used in turn: ffmpeg may still read one while the next is filled. */
  private frameBufs: Array<Buffer | undefined> = [undefined, undefined];
  private nextBuf = 0;
  private readonly minIntervalMs: number;
  private readonly settleMs: number;
  private lastCaptureAt = -Infinity;
  private dirty = false;
  private forceFull = false;
  private capturing = false;
  private captureTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private paceTimer: NodeJS.Timeout | undefined;
  private refining = false;
  /** Memory the refinements reuse: a whole screen's pixels and PNG rows (see encodePng). */
  private readonly refineScratch: PngScratch & { pixels?: Buffer } = {};
  private readonly sinceRefine = new DirtyRegion();
  /** Damage rectangles of the frames inside the encoder, oldest first (access units come back in order). */
  private inFlightRects: Rect[][] = [];
  private lastCursor: CursorImage | undefined;
  /** Removes this streamer's listeners from the connection, which outlives it. */
  private readonly detachConnection: () => void;
  private disposed = false;
  /** Counts screen size changes: a capture or refinement begun before one is dropped, never sent. */
  private resizes = 0;

  private constructor(
    private readonly conn: XConnection,
    private readonly fb: ScreenPixels,
    private readonly options: SessionStreamerOptions,
  ) {
    super();
    this.detachConnection = () => {
      conn.off('damage', onDamage);
      conn.off('cursor', onCursor);
      conn.off('resize', onResize);
      conn.off('closed', onClosed);
    };
    this.minIntervalMs = 1000 / (options.maxFps ?? MAX_FRAME_RATE);
    this.settleMs = options.settleMs ?? 250;
    this.encoder = this.makeEncoder();
    const onDamage = (): void => this.onDamage();
    const onCursor = (c: CursorImage): void => {
      this.lastCursor = c;
      this.emit('cursor', c);
    };
    const onResize = (size: { width: number; height: number }): void => this.onResize(size);
    const onClosed = (): void => {
      this.dispose();
      this.emit('closed');
    };
    conn.on('damage', onDamage);
    conn.on('cursor', onCursor);
    conn.on('resize', onResize);
    conn.on('closed', onClosed);
  }

  /** Streams the screen of `conn`, which stays the caller's: dispose() leaves it open. */
  static open(conn: XConnection, options: SessionStreamerOptions = {}): SessionStreamer {
    const file =
      options.framebufferPath !== undefined ? Framebuffer.open(options.framebufferPath) : undefined;
    try {
      return new SessionStreamer(conn, file ?? new XImageScreen(conn), options);
    } catch (e) {
      file?.dispose();
      throw e;
    }
  }

  /** Where the pixels come from, for the server log. */
  get source(): string {
    if (this.fb instanceof Framebuffer) return 'the Xvfb framebuffer';
    return this.conn.sharedMemory ? 'MIT-SHM GetImage' : 'X GetImage';
  }

  get size(): { width: number; height: number } {
    return { width: this.fb.width, height: this.fb.height };
  }

  /** The cursor image now (the last notified one, or fetched). */
  async cursor(): Promise<CursorImage> {
    return this.lastCursor ?? (this.lastCursor = await this.conn.getCursor());
  }

  /** Adds a viewer; it gets a keyframe of the whole screen promptly. Returns the unsubscribe function. */
  subscribe(sub: StreamSubscriber): () => void {
    const state: SubscriberState = { sub, needsKeyframe: true, refineAll: true };
    this.subs.add(state);
    this.wantKeyframe();
    return () => {
      this.subs.delete(state);
    };
  }

  /** A viewer showed a frame: capture again if damage was waiting for it. */
  resume(): void {
    this.schedule();
  }

  get subscriberCount(): number {
    return this.subs.size;
  }

  private makeEncoder(): H264Encoder {
    const enc = new H264Encoder({
      width: this.fb.width,
      height: this.fb.height,
      pixFmt: this.fb.format.pixFmt,
      ...(this.options.ffmpegPath ? { ffmpegPath: this.options.ffmpegPath } : {}),
      ...(this.options.crf !== undefined ? { crf: this.options.crf } : {}),
      ...(this.options.encoder ? { kind: this.options.encoder } : {}),
    });
    enc.on('frame', (f) => this.onEncoded(f));
    enc.on('error', (e) => {
      this.emit('error', e);
      this.inFlightRects = [];
      // The lost frame's area must still reach viewers: the restarted ffmpeg begins with a keyframe.
      this.wantKeyframe();
    });
    return enc;
  }

  private wantKeyframe(): void {
    this.encoder.requestKeyframe();
    this.forceFull = true;
    this.schedule();
  }

  private onDamage(): void {
    this.dirty = true;
    this.schedule();
  }

  /** Captures now or at the next frame slot; nothing when no one watches (damage waits on the server). */
  private schedule(): void {
    if (this.disposed || this.captureTimer || this.capturing || this.subs.size === 0) return;
    if (!this.dirty && !this.forceFull) return;
    if (this.encoder.busy) return; // onEncoded() calls back when the encoder frees up
    if (![...this.subs].some((s) => s.sub.isReady?.() ?? true)) {
      // resume() calls back when a viewer catches up; the timer covers a viewer that never reports.
      this.paceTimer ??= setTimeout(() => {
        this.paceTimer = undefined;
        this.schedule();
      }, PACE_RETRY_MS);
      return;
    }
    const wait = Math.max(0, this.lastCaptureAt + this.minIntervalMs - performance.now());
    this.captureTimer = setTimeout(() => {
      this.captureTimer = undefined;
      void this.capture();
    }, wait);
  }

  private async capture(): Promise<void> {
    if (this.disposed || this.encoder.busy || this.subs.size === 0) return;
    this.capturing = true;
    try {
      const full = this.forceFull;
      const resizes = this.resizes;
      this.dirty = false;
      this.forceFull = false;
      const rects = await this.conn.takeDamage();
      if (this.disposed || resizes !== this.resizes) return;
      if (!full && rects.length === 0) return;
      this.clearSettle();
      const screen = { x: 0, y: 0, width: this.fb.width, height: this.fb.height };
      await this.fb.update(full ? [screen] : rects);
      // Resized meanwhile: these pixels are of neither size; onResize asked for a key frame of the new one.
      if (this.disposed || resizes !== this.resizes) return;
      const captureTime = performance.now();
      this.lastCaptureAt = captureTime;
      // The encoder holds one frame at a time (at most two, were that raised), so two buffers in turn are
      // never overwritten while ffmpeg still reads one.
      const i = this.nextBuf;
      this.nextBuf = (i + 1) % this.frameBufs.length;
      const buf = (this.frameBufs[i] = this.fb.readFull(this.frameBufs[i]));
      this.inFlightRects.push(full ? [screen] : rects);
      this.sinceRefine.addAll(rects);
      this.encoder.encode(buf, captureTime);
    } catch (e) {
      if (!this.disposed) this.emit('error', e as Error);
    } finally {
      this.capturing = false;
    }
    this.schedule();
  }

  private onEncoded(frame: EncodedFrame): void {
    if (this.disposed) return;
    const captured = this.inFlightRects.shift() ?? [];
    const rects = frame.keyframe ? [{ x: 0, y: 0, width: frame.width, height: frame.height }] : captured;
    const video: VideoChunk = {
      data: frame.data,
      keyframe: frame.keyframe,
      sequence: frame.seq,
      timestampUs: epochUs(frame.captureTime),
      width: frame.width,
      height: frame.height,
      rects,
    };
    let recovered = false;
    for (const s of this.subs) {
      if (s.needsKeyframe && !frame.keyframe) {
        if (!s.sub.isBacklogged()) recovered = true; // caught up: wants a keyframe to resume
        continue;
      }
      if (s.sub.isBacklogged()) {
        // Drop rather than queue: this viewer resumes at a keyframe once its connection drains.
        s.needsKeyframe = true;
        continue;
      }
      if (frame.keyframe && s.needsKeyframe) {
        s.needsKeyframe = false;
        s.refineAll = true;
      }
      s.sub.video(video);
    }
    if (recovered) this.wantKeyframe();
    this.armSettle();
    this.schedule();
  }

  private clearSettle(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
  }

  private armSettle(): void {
    this.clearSettle();
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      void this.refine();
    }, this.settleMs);
  }

  /** The screen has been still for settleMs: send changed regions (or all of it, to new viewers) lossless. */
  private async refine(): Promise<void> {
    if (this.disposed || this.refining || this.encoder.pending > 0 || this.dirty || this.forceFull) return;
    const ready = [...this.subs].filter((s) => !s.needsKeyframe && !s.sub.isBacklogged());
    // A viewer too busy for this refinement gets the whole screen in a later one.
    for (const s of this.subs) if (!ready.includes(s)) s.refineAll = true;
    if (ready.length === 0) return;
    this.refining = true;
    const resizes = this.resizes;
    try {
      const region = this.sinceRefine.take();
      const screen = { x: 0, y: 0, width: this.fb.width, height: this.fb.height };
      const needAll = ready.some((s) => s.refineAll);
      const partial = await this.encodeRects(region);
      const whole = needAll ? await this.encodeRects([screen]) : [];
      if (this.disposed || resizes !== this.resizes) return;
      for (const s of ready) {
        const rects = s.refineAll ? whole : partial;
        s.refineAll = false;
        if (rects.length > 0 && this.subs.has(s)) s.sub.refine(rects);
      }
    } catch (e) {
      if (!this.disposed) this.emit('error', e as Error);
    } finally {
      this.refining = false;
    }
  }

  private async encodeRects(rects: Rect[]): Promise<LosslessPatch[]> {
    const out: LosslessPatch[] = [];
    for (const r of rects) {
      // One refinement at a time (see refine), so the scratch memory is never shared.
      const pixels = this.fb.readRect(r, this.refineScratch.pixels);
      if (pixels.length > (this.refineScratch.pixels?.length ?? 0)) this.refineScratch.pixels = pixels;
      out.push({
        ...r,
        png: await encodePng(pixels, r.width, r.height, this.fb.format.pixFmt, 3, this.refineScratch),
      });
    }
    return out;
  }

  private onResize(size: { width: number; height: number }): void {
    try {
      this.fb.refresh();
    } catch (e) {
      this.emit('error', e as Error);
      return;
    }
    this.resizes++;
    this.encoder.dispose();
    this.frameBufs = [undefined, undefined];
    this.inFlightRects = [];
    this.sinceRefine.take();
    this.encoder = this.makeEncoder();
    for (const s of this.subs) {
      s.needsKeyframe = true;
      s.refineAll = true;
    }
    this.emit('resize', { width: this.fb.width || size.width, height: this.fb.height || size.height });
    this.wantKeyframe();
  }

  dispose(): void {
    if (this.paceTimer) clearTimeout(this.paceTimer);
    if (this.disposed) return;
    this.disposed = true;
    if (this.captureTimer) clearTimeout(this.captureTimer);
    this.clearSettle();
    this.subs.clear();
    this.encoder.dispose();
    this.detachConnection();
    this.fb.dispose();
  }
}

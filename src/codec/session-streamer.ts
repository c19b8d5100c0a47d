// Streams one session's screen to its viewers: damage → capture (at most target-fps) → one H.264 encoder →
// every subscriber; once the screen settles, the regions changed since the last refinement go out as
// lossless PNG rectangles. Owns the session's X connection, framebuffer, encoder and timers.
import { EventEmitter } from 'node:events';
import { Framebuffer, type Rect, type ScreenPixels } from '../display/framebuffer.js';
import { XImageScreen } from '../display/x-image-screen.js';
import type { InputInjector } from '../display/input-injector.js';
import { XConnection, type CursorShape } from '../display/x-connection.js';
import { H264Encoder, type EncodedFrame } from './h264-encoder.js';
import type { H264EncoderKind } from './h264-encoder-choice.js';
import { encodePng, type PngScratch } from './png-encoder.js';
import { DirtyRegion } from './region.js';

/** A video frame as sent to a viewer: the access unit plus the screen areas it changed. */
/** How often capture looks again while every viewer is still showing earlier frames. */
const PACE_RETRY_MS = 250;

export interface VideoFrame extends EncodedFrame {
  /**
   * Areas this frame changed (the whole screen for a keyframe). A viewer blits only these from the decoded
   * picture, so lossless refinements elsewhere stay pixel-exact.
   */
  rects: Rect[];
}

/** A lossless patch: PNG (RGB) of the screen rectangle x,y,w,h. */
export interface LosslessRect {
  x: number;
  y: number;
  w: number;
  h: number;
  png: Buffer;
}

/** One viewer of the stream. Calls are synchronous; the subscriber queues/sends as it likes. */
export interface StreamSubscriber {
  video(frame: VideoFrame): void;
  refine(rects: LosslessRect[]): void;
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
  display: string;
  authFile?: string;
  /**
   * DIR/Xvfb_screen0 of the session's Xvfb. Without it (a console session's display) the screen is read with
   * X GetImage, damaged areas only.
   */
  framebufferPath?: string;
  /** `[display] target-fps`: frames per second at most; -1 (auto) or 0 (unlimited) means as fast as the viewers show frames, up to 60. */
  targetFps?: number;
  /** Still time before the lossless refinement (default 250 ms). */
  settleMs?: number;
  ffmpegPath?: string;
  /** libx264 CRF (default 23). */
  crf?: number;
  /** The ffmpeg H.264 encoder (default libx264). */
  encoder?: H264EncoderKind;
}

export interface SessionStreamerEvents {
  cursor: [CursorShape];
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
  private lastCursor: CursorShape | undefined;
  private disposed = false;
  /** Counts screen size changes: a capture or refinement begun before one is dropped, never sent. */
  private resizes = 0;

  private constructor(
    private readonly conn: XConnection,
    private readonly fb: ScreenPixels,
    private readonly options: SessionStreamerOptions,
  ) {
    super();
    // DCV: -1 is "auto", 0 "unlimited". Frame pacing already holds capture back to what the viewers show, so
    // both mean "as fast as the viewers take frames", up to 60 fps; a positive value is a cap below that.
    const fps =
      options.targetFps === undefined || options.targetFps <= 0 ? 60 : Math.min(60, options.targetFps);
    this.minIntervalMs = 1000 / fps;
    this.settleMs = options.settleMs ?? 250;
    this.encoder = this.makeEncoder();
    conn.on('damage', () => this.onDamage());
    conn.on('cursor', (c) => {
      this.lastCursor = c;
      this.emit('cursor', c);
    });
    conn.on('resize', (size) => this.onResize(size));
    conn.on('closed', () => {
      this.dispose();
      this.emit('closed');
    });
  }

  static async open(options: SessionStreamerOptions): Promise<SessionStreamer> {
    const file =
      options.framebufferPath !== undefined ? Framebuffer.open(options.framebufferPath) : undefined;
    let conn: XConnection;
    try {
      conn = await XConnection.open({
        display: options.display,
        ...(options.authFile ? { authFile: options.authFile } : {}),
      });
    } catch (e) {
      file?.dispose();
      throw e;
    }
    try {
      return new SessionStreamer(conn, file ?? new XImageScreen(conn), options);
    } catch (e) {
      conn.dispose();
      file?.dispose();
      throw e;
    }
  }

  /** Where the pixels come from, for the server log. */
  get source(): string {
    if (this.fb instanceof Framebuffer) return 'the Xvfb framebuffer';
    return this.conn.sharedMemory ? 'MIT-SHM GetImage' : 'X GetImage';
  }

  /** Keyboard and pointer injection into this session. */
  get input(): InputInjector {
    return this.conn.input;
  }

  get size(): { width: number; height: number } {
    return { width: this.fb.width, height: this.fb.height };
  }

  /** The cursor image now (the last notified one, or fetched). */
  async cursor(): Promise<CursorShape> {
    return this.lastCursor ?? (this.lastCursor = await this.conn.getCursor());
  }

  pointerPosition(): Promise<{ x: number; y: number }> {
    return this.conn.pointerPosition();
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
      const screen = { x: 0, y: 0, w: this.fb.width, h: this.fb.height };
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
    const rects = frame.keyframe ? [{ x: 0, y: 0, w: frame.width, h: frame.height }] : captured;
    const video: VideoFrame = { ...frame, rects };
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
      const screen = { x: 0, y: 0, w: this.fb.width, h: this.fb.height };
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

  private async encodeRects(rects: Rect[]): Promise<LosslessRect[]> {
    const out: LosslessRect[] = [];
    for (const r of rects) {
      // One refinement at a time (see refine), so the scratch memory is never shared.
      const pixels = this.fb.readRect(r, this.refineScratch.pixels);
      if (pixels.length > (this.refineScratch.pixels?.length ?? 0)) this.refineScratch.pixels = pixels;
      out.push({
        ...r,
        png: await encodePng(pixels, r.w, r.h, this.fb.format.pixFmt, 3, this.refineScratch),
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
    this.conn.dispose();
    this.fb.dispose();
  }
}

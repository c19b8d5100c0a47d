// Encodes a session's frames to H.264 with one ffmpeg (libx264, zero latency) at a time: raw frames in on
// stdin, one access unit out per frame. Owns its ffmpeg children; a keyframe on demand switches to a
// pre-started spare ffmpeg, whose first picture is an IDR, so a joining viewer waits about one frame.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { DcvError } from '../errors.js';
import { FlvH264Demuxer, type AccessUnit } from './flv-h264-demuxer.js';
import { rawVideoInputArgs } from './ffmpeg-raw-input.js';
import { LIBX264, type H264EncoderKind } from './h264-encoder-choice.js';
import { i420Converter, i420Size, type I420Converter } from './i420.js';

/**
 * One frame inside ffmpeg at a time. A second one queued in the pipe only waits behind the first, so it
 * adds a whole encode time to its latency; the capture it would overlap is ~1 ms. Viewer bench, 1080p
 * motion: encoder in → access unit out p50 31 ms with two, 21 ms with one (with the flags below).
 */
const MAX_IN_FLIGHT = 1;
/** Pixels one x264 thread encodes in a frame time at 30-60 fps with ultrafast (a 1080p screen). */
const PIXELS_PER_THREAD = 1920 * 1088;
const MAX_FAILURES = 3;
/**
 * Throwaway frames a new ffmpeg encodes before the first real one, which it then encodes as an IDR. A fresh
 * x264 spends extra time on its first P-frame (~30-50 ms more at 1080p here, memory touched the first time), and
 * every new ffmpeg serves a joining viewer: warmed up while it waits as the spare, its real frames come at full
 * speed. Two: an I-frame and a P-frame.
 */
const WARM_UP_FRAMES = 2;

export interface EncodedFrame {
  /** Annex-B access unit; a keyframe starts with SPS and PPS. */
  data: Uint8Array;
  keyframe: boolean;
  /** Counts every frame this encoder emitted, across ffmpeg restarts. */
  seq: number;
  /** performance.now() when the frame's pixels were read; latency = arrival - captureTime. */
  captureTime: number;
  /** WebCodecs codec string, e.g. "avc1.42c028". */
  codec: string;
  width: number;
  height: number;
}

export interface H264EncoderOptions {
  width: number;
  height: number;
  /** Raw pixel layout of the frames given to encode(), as ffmpeg names it. */
  pixFmt: 'bgr0' | 'rgb0' | '0rgb' | '0bgr';
  /** A keyframe at least every this many frames (default 300) so a lost frame heals. */
  keyframeInterval?: number;
  /** libx264 constant rate factor, or a hardware encoder's QP (default 23; lower is better and bigger). */
  crf?: number;
  /** The ffmpeg encoder (default libx264; see h264-encoder-choice.ts). */
  kind?: H264EncoderKind;
  /**
   * Convert frames to I420 with libyuv before ffmpeg (default true, when native/yuv-convert.c is built):
   * ~1 ms instead of swscale's ~6 ms per 1080p frame, and 3 MB through the pipe instead of 8.
   */
  nativeConversion?: boolean;
  ffmpegPath?: string;
}

export interface H264EncoderEvents {
  frame: [EncodedFrame];
  /** ffmpeg failed (DcvError ENCODER_FAILED); the encoder restarts it for the next frame. */
  error: [Error];
}

export class H264Encoder extends EventEmitter<H264EncoderEvents> {
  private active: FfmpegH264 | undefined;
  private spare: FfmpegH264 | undefined;
  private keyframeWanted = false;
  /** Frames written to ffmpeg and not yet back, oldest first. */
  private inFlight: number[] = [];
  private seq = 0;
  private disposed = false;
  /** ffmpeg deaths since the last good frame; after MAX_FAILURES the encoder gives up instead of respawning. */
  private failures = 0;
  private broken = false;
  /** Converts frames to I420 before they go to ffmpeg, when the native module is there. */
  private readonly toI420: I420Converter | undefined;
  /** I420 frames handed to ffmpeg, used in turn like the caller's capture buffers. */
  private readonly i420Bufs: Buffer[] = [];
  private nextI420 = 0;

  constructor(private readonly options: H264EncoderOptions) {
    super();
    if (options.width % 2 || options.height % 2) {
      // yuv420p needs even sizes; the caller pads or crops (Xvfb screens are even in practice).
      throw new DcvError(
        'ENCODER_FAILED',
        `H.264 needs an even frame size, not ${options.width}x${options.height}.`,
      );
    }
    this.toI420 = options.nativeConversion === false ? undefined : i420Converter(options.pixFmt);
    if (this.toI420) {
      const size = i420Size(options.width, options.height);
      this.i420Bufs.push(Buffer.allocUnsafe(size), Buffer.allocUnsafe(size));
    }
    this.spare = this.startFfmpeg();
  }

  /** How frames reach ffmpeg: converted to I420 here, or as the caller's pixels for swscale. */
  get inputFormat(): string {
    return this.toI420 ? 'yuv420p' : this.options.pixFmt;
  }

  get width(): number {
    return this.options.width;
  }

  get height(): number {
    return this.options.height;
  }

  /**
   * True when encode() would refuse a frame: one frame is being encoded (a queued one would only add latency),
   * or a keyframe is due and the current ffmpeg must drain first. Callers coalesce damage instead of queueing.
   */
  get busy(): boolean {
    return (
      this.broken ||
      this.inFlight.length >= MAX_IN_FLIGHT ||
      (this.keyframeWanted && this.inFlight.length > 0)
    );
  }

  /** Frames given to encode() whose access unit has not come back yet. */
  get pending(): number {
    return this.inFlight.length;
  }

  /** The next encoded frame will be a keyframe (IDR with SPS/PPS). */
  requestKeyframe(): void {
    this.keyframeWanted = true;
  }

  /**
   * Starts encoding one frame (tightly packed, width*height*4 bytes, not modified until its 'frame' fires).
   * Returns false, taking nothing, while busy.
   */
  encode(pixels: Buffer, captureTime: number): boolean {
    if (this.disposed) throw new Error('H264Encoder used after dispose()');
    if (this.busy) return false;
    const expected = this.options.width * this.options.height * 4;
    if (pixels.length !== expected) throw new Error(`frame is ${pixels.length} bytes, expected ${expected}`);
    if (!this.active || this.keyframeWanted) {
      // A fresh ffmpeg starts with an IDR: switch to the warm spare and warm up the next one.
      this.active?.dispose();
      this.active = this.spare ?? this.startFfmpeg();
      this.spare = undefined;
      this.keyframeWanted = false;
      setImmediate(() => {
        if (!this.disposed && !this.spare) this.spare = this.startFfmpeg();
      });
    }
    this.inFlight.push(captureTime);
    if (this.toI420) {
      // One frame in ffmpeg at a time (MAX_IN_FLIGHT), so the buffer written two frames ago is free.
      const out = this.i420Bufs[this.nextI420]!;
      this.nextI420 = (this.nextI420 + 1) % this.i420Bufs.length;
      this.toI420(pixels, this.options.width, this.options.height, out);
      this.active.write(out);
    } else {
      this.active.write(pixels);
    }
    return true;
  }

  private startFfmpeg(): FfmpegH264 {
    const proc = new FfmpegH264(this.options, this.inputFormat);
    proc.onAccessUnit = (au) => {
      if (proc !== this.active) return;
      const captureTime = this.inFlight.shift();
      if (captureTime === undefined) return;
      this.failures = 0;
      this.emit('frame', {
        data: au.data,
        keyframe: au.keyframe,
        seq: this.seq++,
        captureTime,
        codec: au.codec,
        width: this.options.width,
        height: this.options.height,
      });
    };
    proc.onExit = (why) => {
      if (this.disposed) return;
      if (proc === this.spare) this.spare = undefined;
      if (proc === this.active) {
        this.active = undefined;
        this.inFlight = []; // those frames are lost; the next encode starts a new ffmpeg with a keyframe
        // A missing or broken ffmpeg would otherwise be respawned at frame rate.
        this.broken = ++this.failures >= MAX_FAILURES;
        const giveUp = this.broken ? ` (failed ${MAX_FAILURES} times in a row; encoding stopped)` : '';
        this.emit(
          'error',
          new DcvError('ENCODER_FAILED', `ffmpeg stopped while encoding H.264: ${why}${giveUp}`),
        );
      }
    };
    return proc;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.active?.dispose();
    this.spare?.dispose();
    this.active = this.spare = undefined;
    this.removeAllListeners();
  }
}

/** One ffmpeg child: raw frames on stdin, FLV-framed H.264 on stdout. */
class FfmpegH264 {
  onAccessUnit: (au: AccessUnit) => void = () => undefined;
  onExit: (why: string) => void = () => undefined;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stderr = '';
  private ended = false;

  constructor(o: H264EncoderOptions, inputFormat: string) {
    // Sliced threads cost ~20% more CPU per frame than one thread (x264 splits the picture and syncs per
    // frame): 1080p from a pipe, 22.7 ms CPU per frame at threads=auto (2 here) vs 19.2 ms at 1. Up to a
    // 1080p screen one thread keeps up, so more only burn CPU the viewer, Xvfb and the apps need; bigger
    // screens get a thread per 1080p's worth of pixels so the frame time stays the same.
    const threads = Math.min(
      availableParallelism(),
      Math.max(1, Math.ceil((o.width * o.height) / PIXELS_PER_THREAD)),
    );
    const kind = o.kind ?? LIBX264;
    const args = [
      ...kind.globalArgs,
      ...rawVideoInputArgs(inputFormat, o.width, o.height),
      '-framerate',
      '30',
      '-i',
      'pipe:0',
      ...kind.outputArgs({ quality: o.crf ?? 23, gop: o.keyframeInterval ?? 300, threads }),
      ...(kind.keyFrameAt ? kind.keyFrameAt(WARM_UP_FRAMES) : []),
      // Frames come when the screen changes, not at a fixed rate: keep every one, invent none.
      '-fps_mode',
      'passthrough',
      // FLV frames each picture (see flv-h264-demuxer.ts); flush it the moment it is muxed.
      '-flush_packets',
      '1',
      '-max_interleave_delta',
      '0',
      '-flvflags',
      'no_duration_filesize',
      '-f',
      'flv',
      'pipe:1',
    ];
    this.child = spawn(o.ffmpegPath ?? 'ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let warmUps = kind.keyFrameAt ? WARM_UP_FRAMES : 0;
    const demux = new FlvH264Demuxer((au) => {
      if (warmUps > 0)
        warmUps--; // a throwaway frame's access unit
      else this.onAccessUnit(au);
    });
    this.child.stdout.on('data', (d: Buffer) => {
      try {
        demux.push(d);
      } catch (e) {
        this.fail((e as Error).message);
      }
    });
    this.child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 4000) this.stderr += d.toString();
    });
    this.child.stdin.on('error', () => undefined); // reported by 'exit'
    this.child.on('error', (e) => this.fail(`cannot run ffmpeg: ${e.message}`));
    this.child.on('exit', (code, signal) =>
      this.fail(`${signal ?? `exit ${code}`}${this.stderr ? `: ${this.stderr.trim()}` : ''}`),
    );
    // Different pictures, so the P-frame has motion to search like a real one.
    const size = inputFormat === 'yuv420p' ? i420Size(o.width, o.height) : o.width * o.height * 4;
    for (let i = 0; i < warmUps; i++) this.write(Buffer.alloc(size, i * 97));
  }

  write(pixels: Buffer): void {
    if (!this.ended) this.child.stdin.write(pixels);
  }

  private fail(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.onExit(why);
  }

  dispose(): void {
    this.ended = true;
    this.child.stdin.destroy();
    // SIGKILL would be abrupt but ffmpeg holds nothing worth saving; SIGTERM lets it exit in a few ms.
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

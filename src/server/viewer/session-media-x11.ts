// A session's media for its viewers: one SessionStreamer (damage → capture → H.264, lossless refinement,
// cursor) shared by every viewer, and XTEST input. Translates between the streamer and the viewer seam.
import type { DcvConfig } from '../../config/index.js';
import { SessionStreamer, type StreamSubscriber } from '../../codec/session-streamer.js';
import type { H264EncoderKind } from '../../codec/h264-encoder-choice.js';
import type { CursorShape } from '../../display/x-connection.js';
import { WHEEL_NOTCH } from '../../protocol/index.js';
import type { Session } from '../../session/session.js';
import type { Logger } from '../logger.js';
import type { CursorImage, MediaSink, SessionMedia } from './session-media.js';

/** The streamer's clock (performance.now()) as µs since the epoch, the protocol's capture timestamps. */
function epochUs(performanceMs: number): number {
  return Math.round((performance.timeOrigin + performanceMs) * 1000);
}

function cursorImage(c: CursorShape): CursorImage {
  // X allows a hotspot on the image's far edge; the protocol wants it on a pixel of the image.
  const clamp = (v: number, size: number): number => Math.min(Math.max(0, v), Math.max(0, size - 1));
  return {
    id: c.serial,
    hotspotX: clamp(c.hotX, c.width),
    hotspotY: clamp(c.hotY, c.height),
    width: c.width,
    height: c.height,
    rgba: c.rgba,
  };
}

class StreamedSessionMedia implements SessionMedia {
  private readonly sinks = new Set<MediaSink>();
  /** Wheel motion below a whole notch, kept until it adds up to one (touchpads scroll in fractions). */
  private wheelRest = { dx: 0, dy: 0 };

  constructor(
    private readonly streamer: SessionStreamer,
    log: Logger,
  ) {
    streamer.on('cursor', (c) => {
      const image = cursorImage(c);
      for (const s of this.sinks) s.cursorShape(image);
    });
    streamer.on('resize', ({ width, height }) => {
      for (const s of this.sinks) s.screenSize(width, height);
    });
    streamer.on('error', (e) => log.warn(`streaming: ${e.message}`));
  }

  attach(sink: MediaSink): () => void {
    this.sinks.add(sink);
    const subscriber: StreamSubscriber = {
      video: (f) =>
        sink.video({
          data: f.data,
          keyframe: f.keyframe,
          sequence: f.seq,
          timestampUs: epochUs(f.captureTime),
          width: f.width,
          height: f.height,
          rects: f.rects.map((r) => ({ x: r.x, y: r.y, width: r.w, height: r.h })),
        }),
      refine: (rects) => {
        for (const r of rects) sink.lossless({ x: r.x, y: r.y, width: r.w, height: r.h, png: r.png });
      },
      isBacklogged: () => sink.isBacklogged(),
      isReady: () => sink.isReady(),
    };
    const unsubscribe = this.streamer.subscribe(subscriber);
    void this.streamer.cursor().then(
      (c) => this.sinks.has(sink) && sink.cursorShape(cursorImage(c)),
      () => undefined,
    );
    return () => {
      this.sinks.delete(sink);
      unsubscribe();
    };
  }

  key(keysym: number, down: boolean): void {
    this.streamer.input.key(keysym, down);
  }

  pointer(x: number, y: number, buttons: number): void {
    const { width, height } = this.streamer.size;
    this.streamer.input.pointer(
      Math.min(Math.max(0, x), width - 1),
      Math.min(Math.max(0, y), height - 1),
      buttons,
    );
  }

  wheel(dx: number, dy: number): void {
    const x = this.wheelRest.dx + dx;
    const y = this.wheelRest.dy + dy;
    const clicks = { dx: Math.trunc(x / WHEEL_NOTCH), dy: Math.trunc(y / WHEEL_NOTCH) };
    this.wheelRest = { dx: x - clicks.dx * WHEEL_NOTCH, dy: y - clicks.dy * WHEEL_NOTCH };
    if (clicks.dx !== 0 || clicks.dy !== 0) this.streamer.input.wheel(clicks.dx, clicks.dy);
  }

  frameShown(): void {
    this.streamer.resume();
  }

  releaseAll(): void {
    this.streamer.input.releaseAll();
  }

  screen(): { width: number; height: number } {
    return this.streamer.size;
  }

  async dispose(): Promise<void> {
    this.sinks.clear();
    this.streamer.dispose();
  }
}

export async function openSessionMedia(
  session: Session,
  config: DcvConfig,
  encoder: H264EncoderKind,
  log: Logger,
): Promise<SessionMedia> {
  const streamer = await SessionStreamer.open({
    display: session.x11Display,
    ...(session.x11Authority !== '' ? { authFile: session.x11Authority } : {}),
    targetFps: config.display['target-fps'],
    encoder,
  });
  log.info(`Streaming session '${session.id}' from ${session.x11Display} (${streamer.source})`);
  return new StreamedSessionMedia(streamer, log);
}

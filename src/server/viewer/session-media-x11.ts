// A session's media for its viewers: the session's one X connection (display/), a SessionStreamer reading the
// screen through it (damage → capture → H.264, lossless refinement, cursor) shared by every viewer, and XTEST
// input injected on the same connection. The streamer hands out protocol values, sent as they are.
import type { DcvConfig } from '../../config/index.js';
import { maxFrameRate } from '../../config/frame-rate.js';
import { SessionStreamer } from '../../codec/session-streamer.js';
import type { H264EncoderKind } from '../../codec/h264-encoder-choice.js';
import { XConnection } from '../../display/x-connection.js';
import { WHEEL_NOTCH } from '../../protocol/index.js';
import type { Session } from '../../session/session.js';
import type { Logger } from '../logger.js';
import type { MediaSink, SessionMedia } from './session-media.js';

class StreamedSessionMedia implements SessionMedia {
  private readonly sinks = new Set<MediaSink>();
  /** Wheel motion below a whole notch, kept until it adds up to one (touchpads scroll in fractions). */
  private wheelRest = { dx: 0, dy: 0 };

  constructor(
    private readonly conn: XConnection,
    private readonly streamer: SessionStreamer,
    log: Logger,
  ) {
    streamer.on('cursor', (c) => {
      for (const s of this.sinks) s.cursorShape(c);
    });
    streamer.on('resize', ({ width, height }) => {
      for (const s of this.sinks) s.screenSize(width, height);
    });
    streamer.on('error', (e) => log.warn(`streaming: ${e.message}`));
  }

  attach(sink: MediaSink): () => void {
    this.sinks.add(sink);
    const unsubscribe = this.streamer.subscribe({
      video: (f) => sink.video(f),
      refine: (patches) => {
        for (const p of patches) sink.lossless(p);
      },
      isBacklogged: () => sink.isBacklogged(),
      isReady: () => sink.isReady(),
    });
    void this.streamer.cursor().then(
      (c) => this.sinks.has(sink) && sink.cursorShape(c),
      () => undefined,
    );
    return () => {
      this.sinks.delete(sink);
      unsubscribe();
    };
  }

  key(keysym: number, down: boolean): void {
    this.conn.input.key(keysym, down);
  }

  pointer(x: number, y: number, buttons: number): void {
    const { width, height } = this.streamer.size;
    this.conn.input.pointer(
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
    if (clicks.dx !== 0 || clicks.dy !== 0) this.conn.input.wheel(clicks.dx, clicks.dy);
  }

  frameShown(): void {
    this.streamer.resume();
  }

  releaseAll(): void {
    this.conn.input.releaseAll();
  }

  screen(): { width: number; height: number } {
    return this.streamer.size;
  }

  async dispose(): Promise<void> {
    this.sinks.clear();
    this.streamer.dispose();
    this.conn.dispose();
  }
}

export async function openSessionMedia(
  session: Session,
  config: DcvConfig,
  encoder: H264EncoderKind,
  log: Logger,
): Promise<SessionMedia> {
  // One X connection per session, in display/: capture reads the screen through it, input is injected on it.
  const conn = await XConnection.open({
    display: session.x11Display,
    ...(session.x11Authority !== '' ? { authFile: session.x11Authority } : {}),
  });
  let streamer: SessionStreamer;
  try {
    streamer = SessionStreamer.open(conn, { maxFps: maxFrameRate(config.display['target-fps']), encoder });
  } catch (e) {
    conn.dispose();
    throw e;
  }
  log.info(`Streaming session '${session.id}' from ${session.x11Display} (${streamer.source})`);
  return new StreamedSessionMedia(conn, streamer, log);
}

// The seam between the viewer endpoint and a session's screen: what a viewer receives (video, lossless
// refinements, cursor) and what it sends (input). One SessionMedia per session, shared by all its viewers.
import type { CursorImage, LosslessPatch, VideoChunk } from '../../protocol/index.js';

/** One viewer as the media pipeline sees it. */
export interface MediaSink {
  video(chunk: VideoChunk): void;
  lossless(patch: LosslessPatch): void;
  cursorShape(cursor: CursorImage): void;
  cursorPosition(x: number, y: number): void;
  screenSize(width: number, height: number): void;
  /** True while the viewer's socket still holds unsent data: the pipeline skips to the next key frame. */
  isBacklogged(): boolean;
  /** False while frames sent to this viewer are not yet on its screen: the pipeline waits, coalescing damage. */
  isReady(): boolean;
}

export interface SessionMedia {
  /** Starts sending to `sink` (beginning with a key frame); returns the detach function. */
  attach(sink: MediaSink): () => void;
  key(keysym: number, down: boolean): void;
  pointer(x: number, y: number, buttons: number): void;
  wheel(dx: number, dy: number): void;
  /** A viewer put a frame on its screen: the pipeline may capture the next one. */
  frameShown(): void;
  /** Lifts every key and button still held (a viewer left). */
  releaseAll(): void;
  screen(): { width: number; height: number };
  dispose(): Promise<void>;
}

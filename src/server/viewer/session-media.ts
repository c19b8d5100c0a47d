// The seam between the viewer endpoint and a session's screen: what a viewer receives (video, lossless
// refinements, cursor) and what it sends (input). One SessionMedia per session, shared by all its viewers.

export interface VideoChunk {
  readonly data: Uint8Array;
  readonly keyframe: boolean;
  readonly sequence: number;
  /** Capture time, µs on the server's monotonic clock (performance.timeOrigin + performance.now()). */
  readonly timestampUs: number;
  readonly width: number;
  readonly height: number;
  /** Areas the frame changed; empty means the whole frame. */
  readonly rects: readonly { x: number; y: number; width: number; height: number }[];
}

export interface LosslessPatch {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly png: Uint8Array;
}

export interface CursorImage {
  readonly id: number;
  readonly hotspotX: number;
  readonly hotspotY: number;
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

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

// The messages between the page and the renderer (in the decoder worker, or on the page when workers or
// OffscreenCanvas are missing). Byte payloads travel as the whole WebSocket ArrayBuffer plus an offset, so
// handing a frame to the worker moves it instead of copying it.

export type ToRenderer =
  | { readonly kind: 'init'; readonly canvas: OffscreenCanvas }
  | {
      readonly kind: 'video';
      readonly keyframe: boolean;
      readonly sequence: number;
      readonly timestampUs: number;
      readonly width: number;
      readonly height: number;
      /** Areas the frame changed (empty: all); only these are painted from the decoded picture. */
      readonly rects: readonly { x: number; y: number; width: number; height: number }[];
      readonly buffer: ArrayBuffer;
      readonly offset: number;
      readonly length: number;
    }
  | {
      readonly kind: 'lossless';
      readonly x: number;
      readonly y: number;
      readonly width: number;
      readonly height: number;
      readonly buffer: ArrayBuffer;
      readonly offset: number;
      readonly length: number;
    }
  | { readonly kind: 'resize'; readonly width: number; readonly height: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'snapshot'; readonly id: number; readonly format: 'png' | 'rgba' }
  /** Measurement: after each video frame, read the pixels on row `y` at these x positions (benchmarks). */
  | { readonly kind: 'probe'; readonly y: number; readonly xs: readonly number[] };

export type FromRenderer =
  /** A video frame is on the canvas. */
  | {
      readonly kind: 'shown';
      readonly sequence: number;
      readonly timestampUs: number;
      readonly width: number;
      readonly height: number;
      /** How it was painted: converted by VideoFrame.copyTo, or drawImage where the browser cannot. */
      readonly painter: 'copyTo' | 'drawImage';
      /** With a probe set: the probed pixels (RGB per x) and when they were painted (ms since the epoch). */
      readonly probe?: readonly number[];
      readonly paintedAt?: number;
    }
  /** A lossless rectangle is on the canvas. */
  | { readonly kind: 'lossless-shown' }
  /** The decoder cannot continue until it sees a key frame. */
  | { readonly kind: 'need-keyframe'; readonly why: string }
  | { readonly kind: 'error'; readonly message: string }
  | {
      readonly kind: 'snapshot';
      readonly id: number;
      readonly width: number;
      readonly height: number;
      readonly png?: Blob;
      readonly rgba?: ArrayBuffer;
    };

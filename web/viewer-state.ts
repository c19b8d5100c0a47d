// window.opendcv: a read-only view of the viewer for end-to-end tests, the benchmark and curious users.
// Properties are getters over the live state, so a reader always sees current values and cannot change them.
import type { ConnectionState } from './ui/status-banner.js';

export interface ViewerState {
  state: ConnectionState;
  sessionId: string;
  connectionId: number | undefined;
  serverVersion: string | undefined;
  clientVersion: string;
  codec: string | undefined;
  features: number;
  closeCode: number | undefined;
  closeReason: string | undefined;
  remoteWidth: number;
  remoteHeight: number;
  framesReceived: number;
  framesDecoded: number;
  lastFrameSeq: number | undefined;
  losslessRects: number;
  bytesReceived: number;
  fps: number;
  rttMs: number | undefined;
  frameLatencyMs: number | undefined;
  reconnects: number;
  decoder: 'worker' | 'page' | undefined;
  /** How video frames reach the canvas (docs/protocol.md "Painting"); undefined before the first frame. */
  painter: 'copyTo' | 'drawImage' | undefined;
  cursor: string;
  clipboardText: string;
  /** Size of the last image the session copied (0: none yet). */
  clipboardImageBytes: number;
}

export interface ViewerApi extends Readonly<ViewerState> {
  /** The canvas at remote resolution as a PNG data URL (compare with `dcv get-screenshot`). */
  screenshot(): Promise<string>;
  /** The canvas at remote resolution as base64 RGBA bytes, for pixel checks without decoding a PNG. */
  pixels(): Promise<{ width: number; height: number; rgbaBase64: string }>;
  /** Benchmarks: after each painted video frame, read row `y` at `xs` (RGB each). */
  setProbe(y: number, xs: readonly number[]): void;
  /** Benchmarks: the probes recorded since the last call, with paint times (ms since the epoch). */
  takeProbes(): { at: number; rgb: readonly number[] }[];
  /** The last image the session copied, base64 PNG ('' for none). */
  clipboardImage(): string;
}

export function installViewerApi(
  state: ViewerState,
  methods: Pick<ViewerApi, 'screenshot' | 'pixels' | 'setProbe' | 'takeProbes' | 'clipboardImage'>,
): void {
  const api = {} as ViewerApi;
  for (const key of Object.keys(state) as (keyof ViewerState)[]) {
    Object.defineProperty(api, key, { get: () => state[key], enumerable: true });
  }
  Object.defineProperty(api, 'screenshot', { value: methods.screenshot });
  Object.defineProperty(api, 'pixels', { value: methods.pixels });
  Object.defineProperty(api, 'setProbe', { value: methods.setProbe });
  Object.defineProperty(api, 'takeProbes', { value: methods.takeProbes });
  Object.defineProperty(api, 'clipboardImage', { value: methods.clipboardImage });
  Object.freeze(api);
  Object.defineProperty(window, 'opendcv', { value: api, configurable: false, writable: false });
}

// The page's handle on the renderer: starts the decoder worker with the canvas transferred to it, or runs the
// Renderer on the page when the browser lacks workers or OffscreenCanvas. Also serves canvas snapshots.
import { Renderer } from './renderer.js';
import type { FromRenderer, ToRenderer } from './render-messages.js';

export interface Snapshot {
  readonly width: number;
  readonly height: number;
  readonly png?: Blob;
  readonly rgba?: ArrayBuffer;
}

export class RenderHost {
  private readonly worker: Worker | undefined;
  private readonly local: Renderer | undefined;
  private nextSnapshot = 1;
  private readonly snapshots = new Map<number, (s: Snapshot) => void>();
  /** Where the decoding happens, for the stats overlay and tests. */
  readonly where: 'worker' | 'page';

  constructor(
    canvas: HTMLCanvasElement,
    private readonly onEvent: (m: FromRenderer) => void,
  ) {
    const canOffscreen =
      typeof Worker !== 'undefined' && typeof canvas.transferControlToOffscreen === 'function';
    if (canOffscreen) {
      // Relative to the page, so a web-url-path prefix (e.g. /dcv/) keeps working.
      this.worker = new Worker(new URL('decoder-worker.js', document.baseURI));
      this.worker.onmessage = (e: MessageEvent<FromRenderer>) => this.receive(e.data);
      this.worker.onerror = (e) => this.onEvent({ kind: 'error', message: `decoder worker: ${e.message}` });
      const offscreen = canvas.transferControlToOffscreen();
      this.worker.postMessage({ kind: 'init', canvas: offscreen } satisfies ToRenderer, [offscreen]);
      this.where = 'worker';
    } else {
      this.local = new Renderer(canvas, (m) => this.receive(m));
      this.where = 'page';
    }
  }

  /** Sends a message; `buffer` is moved to the worker, so the caller must not use it afterwards. */
  post(m: ToRenderer): void {
    if (this.worker !== undefined) {
      const transfer = 'buffer' in m ? [m.buffer] : [];
      this.worker.postMessage(m, transfer);
    } else {
      this.local!.handle(m);
    }
  }

  snapshot(format: 'png' | 'rgba'): Promise<Snapshot> {
    const id = this.nextSnapshot++;
    return new Promise((resolve) => {
      this.snapshots.set(id, resolve);
      this.post({ kind: 'snapshot', id, format });
    });
  }

  dispose(): void {
    this.worker?.terminate();
  }

  private receive(m: FromRenderer): void {
    if (m.kind === 'snapshot') {
      const done = this.snapshots.get(m.id);
      this.snapshots.delete(m.id);
      done?.({
        width: m.width,
        height: m.height,
        ...(m.png ? { png: m.png } : {}),
        ...(m.rgba ? { rgba: m.rgba } : {}),
      });
      return;
    }
    this.onEvent(m);
  }
}

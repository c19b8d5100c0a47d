// The decoder worker: hosts a Renderer on the OffscreenCanvas the page hands over, so decoding and painting
// never wait behind the page's input handling (and vice versa).
import { Renderer } from './renderer.js';
import type { FromRenderer, ToRenderer } from './render-messages.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToRenderer>) => void) | null;
  postMessage(message: FromRenderer, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
let renderer: Renderer | undefined;

scope.onmessage = (e) => {
  const m = e.data;
  if (m.kind === 'init') {
    try {
      renderer = new Renderer(m.canvas, (out, transfer) => scope.postMessage(out, transfer ?? []));
    } catch (err) {
      scope.postMessage({ kind: 'error', message: `renderer: ${String(err)}` });
    }
    return;
  }
  renderer?.handle(m);
};

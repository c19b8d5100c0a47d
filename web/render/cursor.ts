// Draws the remote cursor locally: a CursorShape becomes a CSS cursor (PNG data URL with its hotspot) on the
// canvas, so the pointer moves at the browser's speed rather than the video's.
import type { CursorShape } from '../../src/protocol/messages.js';

export class CursorPainter {
  /** The CSS cursor value last applied, for tests and diagnostics. */
  current = 'default';

  constructor(private readonly target: HTMLElement) {}

  apply(shape: CursorShape): void {
    let css: string;
    if (shape.width === 0) {
      css = 'none';
    } else {
      const url = this.toDataUrl(shape);
      css = `url(${url}) ${shape.hotspotX} ${shape.hotspotY}, default`;
    }
    this.current = css;
    this.target.style.cursor = css;
  }

  private toDataUrl(shape: CursorShape): string {
    const canvas = document.createElement('canvas');
    canvas.width = shape.width;
    canvas.height = shape.height;
    const ctx = canvas.getContext('2d');
    if (ctx === null) return '';
    const image = ctx.createImageData(shape.width, shape.height);
    image.data.set(shape.rgba);
    ctx.putImageData(image, 0, 0);
    return canvas.toDataURL('image/png');
  }
}

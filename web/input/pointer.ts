// Mouse capture on the canvas: position in remote pixels, buttons as protocol bits, and the wheel in 1/120
// notch units. The pointer is captured on press so a drag that leaves the canvas still ends on release.
// Touch is input/touch.ts's: fingers make gestures, not a mouse.
import { PointerButton, WHEEL_NOTCH } from '../../src/protocol/messages.js';
import type { Display } from '../render/display.js';

export interface PointerOptions {
  sendPointer(x: number, y: number, buttons: number): void;
  sendWheel(dx: number, dy: number): void;
  enabled(): boolean;
}

// DOM MouseEvent.buttons bits → protocol bits (DOM puts right before middle; X the other way round).
function protocolButtons(dom: number): number {
  let b = 0;
  if (dom & 1) b |= PointerButton.Left;
  if (dom & 2) b |= PointerButton.Right;
  if (dom & 4) b |= PointerButton.Middle;
  if (dom & 8) b |= PointerButton.Back;
  if (dom & 16) b |= PointerButton.Forward;
  return b;
}

// Chromium reports one notch of a wheel as 100 px on Linux (120 on some platforms); lines are 3 per notch.
const PIXELS_PER_NOTCH = 100;
const LINES_PER_NOTCH = 3;

export class PointerInput {
  private last = { x: -1, y: -1, buttons: -1 };

  constructor(
    private readonly display: Display,
    private readonly opts: PointerOptions,
  ) {
    const c = display.canvas;
    const mouse = (e: PointerEvent): boolean => e.pointerType !== 'touch';
    c.addEventListener('pointermove', (e) => mouse(e) && this.move(e));
    c.addEventListener('pointerdown', (e) => {
      if (!mouse(e)) return;
      c.focus({ preventScroll: true });
      c.setPointerCapture(e.pointerId);
      e.preventDefault();
      this.move(e);
    });
    c.addEventListener('pointerup', (e) => {
      if (!mouse(e)) return;
      if (c.hasPointerCapture(e.pointerId)) c.releasePointerCapture(e.pointerId);
      e.preventDefault();
      this.move(e);
    });
    c.addEventListener('pointercancel', (e) => mouse(e) && this.move(e));
    c.addEventListener('contextmenu', (e) => e.preventDefault());
    c.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
  }

  private move(e: PointerEvent): void {
    if (!this.opts.enabled()) return;
    const { x, y } = this.display.toRemote(e.clientX, e.clientY);
    const buttons = protocolButtons(e.buttons);
    if (x === this.last.x && y === this.last.y && buttons === this.last.buttons) return;
    this.last = { x, y, buttons };
    this.opts.sendPointer(x, y, buttons);
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    if (!this.opts.enabled()) return;
    const unit =
      e.deltaMode === WheelEvent.DOM_DELTA_LINE
        ? WHEEL_NOTCH / LINES_PER_NOTCH
        : e.deltaMode === WheelEvent.DOM_DELTA_PAGE
          ? WHEEL_NOTCH
          : WHEEL_NOTCH / PIXELS_PER_NOTCH;
    const dx = clamp16(Math.round(e.deltaX * unit));
    const dy = clamp16(Math.round(e.deltaY * unit));
    if (dx !== 0 || dy !== 0) this.opts.sendWheel(dx, dy);
  }
}

function clamp16(v: number): number {
  return Math.max(-32768, Math.min(32767, v));
}

// Touch on the remote screen, as noVNC and DCV's web client treat it: a tap is a left click where the finger
// was, a finger held still is a right click, a moving finger drags with the left button held, and two fingers
// moving together scroll (the content follows the fingers, as on a phone). Mouse and pen stay PointerInput's.
import { PointerButton, WHEEL_NOTCH } from '../../src/protocol/messages.js';
import type { Display } from '../render/display.js';

export interface TouchOptions {
  sendPointer(x: number, y: number, buttons: number): void;
  sendWheel(dx: number, dy: number): void;
  enabled(): boolean;
}

/** A finger held this long without moving is a right click. */
export const LONG_PRESS_MS = 600;
/** Movement below this (CSS px) still counts as holding still. */
const SLOP_PX = 10;
/** Two-finger travel in CSS px that scrolls one wheel notch. */
const PX_PER_NOTCH = 40;

interface Finger {
  x: number;
  y: number;
  readonly startX: number;
  readonly startY: number;
}

export class TouchInput {
  private readonly fingers = new Map<number, Finger>();
  /** What the current gesture turned out to be. */
  private mode: 'none' | 'pending' | 'drag' | 'scroll' | 'done' = 'none';
  private longPress: ReturnType<typeof setTimeout> | undefined;
  private scrollRest = { x: 0, y: 0 };

  constructor(
    private readonly display: Display,
    private readonly opts: TouchOptions,
  ) {
    const c = display.canvas;
    c.addEventListener('pointerdown', (e) => e.pointerType === 'touch' && this.down(e));
    c.addEventListener('pointermove', (e) => e.pointerType === 'touch' && this.move(e));
    c.addEventListener('pointerup', (e) => e.pointerType === 'touch' && this.up(e, false));
    c.addEventListener('pointercancel', (e) => e.pointerType === 'touch' && this.up(e, true));
  }

  private down(e: PointerEvent): void {
    e.preventDefault();
    this.display.canvas.focus({ preventScroll: true });
    this.fingers.set(e.pointerId, { x: e.clientX, y: e.clientY, startX: e.clientX, startY: e.clientY });
    if (this.fingers.size === 1) {
      this.mode = 'pending';
      clearTimeout(this.longPress);
      this.longPress = setTimeout(() => {
        if (this.mode !== 'pending') return;
        this.mode = 'done';
        this.click(e.clientX, e.clientY, PointerButton.Right);
      }, LONG_PRESS_MS);
    } else if (this.fingers.size === 2 && (this.mode === 'pending' || this.mode === 'none')) {
      clearTimeout(this.longPress);
      this.mode = 'scroll';
      this.scrollRest = { x: 0, y: 0 };
    }
  }

  private move(e: PointerEvent): void {
    const f = this.fingers.get(e.pointerId);
    if (f === undefined) return;
    e.preventDefault();
    const dx = e.clientX - f.x;
    const dy = e.clientY - f.y;
    f.x = e.clientX;
    f.y = e.clientY;
    if (this.mode === 'pending' && Math.hypot(e.clientX - f.startX, e.clientY - f.startY) > SLOP_PX) {
      clearTimeout(this.longPress);
      this.mode = 'drag';
      this.send(f.startX, f.startY, PointerButton.Left);
    }
    if (this.mode === 'drag') this.send(e.clientX, e.clientY, PointerButton.Left);
    else if (this.mode === 'scroll') this.scroll(dx / this.fingers.size, dy / this.fingers.size);
  }

  private up(e: PointerEvent, cancelled: boolean): void {
    const f = this.fingers.get(e.pointerId);
    if (f === undefined) return;
    e.preventDefault();
    this.fingers.delete(e.pointerId);
    if (this.fingers.size > 0) return;
    clearTimeout(this.longPress);
    if (this.mode === 'pending' && !cancelled) this.click(f.startX, f.startY, PointerButton.Left);
    else if (this.mode === 'drag') this.send(e.clientX, e.clientY, 0);
    this.mode = 'none';
  }

  private click(clientX: number, clientY: number, button: number): void {
    this.send(clientX, clientY, 0);
    this.send(clientX, clientY, button);
    this.send(clientX, clientY, 0);
  }

  private send(clientX: number, clientY: number, buttons: number): void {
    if (!this.opts.enabled()) return;
    const { x, y } = this.display.toRemote(clientX, clientY);
    this.opts.sendPointer(x, y, buttons);
  }

  /** Fingers moving down pull the content down: the wheel scrolls up (negative dy). */
  private scroll(dx: number, dy: number): void {
    if (!this.opts.enabled()) return;
    this.scrollRest.x -= (dx * WHEEL_NOTCH) / PX_PER_NOTCH;
    this.scrollRest.y -= (dy * WHEEL_NOTCH) / PX_PER_NOTCH;
    const wx = Math.trunc(this.scrollRest.x);
    const wy = Math.trunc(this.scrollRest.y);
    if (wx === 0 && wy === 0) return;
    this.scrollRest.x -= wx;
    this.scrollRest.y -= wy;
    this.opts.sendWheel(wx, wy);
  }
}

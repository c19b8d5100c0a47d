// Injects viewer input into an X display with XTEST: keys by keysym (mapping keysyms the keymap lacks onto
// spare keycodes, so any character a browser sends arrives), pointer motion, buttons and wheel. Tracks
// what it pressed so releaseAll() can lift it all when a viewer goes away.
import type { X11Client, X11Display, X11Event, XTestExt } from 'x11';
import { call } from './x-client.js';

/** Pointer buttons as a bit mask: bit 0 left, 1 middle, 2 right, 3 back, 4 forward (X buttons 1,2,3,8,9). */
export const BUTTON_BITS: readonly number[] = [1, 2, 3, 8, 9];

const SHIFT_L = 0xffe1;
const SHIFT_R = 0xffe2;
/** The most clicks one wheel call turns into (per axis): what one wheel message may cost the X server. */
export const MAX_WHEEL_STEPS = 20;

interface KeyEntry {
  code: number;
  /** Column of the keysym in the keycode's row: 0 unshifted, 1 shifted, 2+ other groups. */
  col: number;
}

export class InputInjector {
  private byKeysym = new Map<number, KeyEntry>();
  private emptyCodes: number[] = [];
  /** Keysyms we mapped onto spare keycodes, least recently used first. */
  private assigned = new Map<number, number>();
  private keysymsPerCode = 2;
  /** keysym → keycode used for the press, so the release lifts the same key even if the map changed. */
  private pressed = new Map<number, number>();
  private buttons = 0;
  private lastPos: { x: number; y: number } | undefined;
  private refreshing: Promise<void> | undefined;
  /** Keycodes whose MappingNotify is the echo of our own ChangeKeyboardMapping. */
  private ownMappingChanges = new Map<number, number>();

  private constructor(
    private readonly client: X11Client,
    private readonly xdisplay: X11Display,
    private readonly xtest: XTestExt,
  ) {}

  static async create(client: X11Client, display: X11Display, xtest: XTestExt): Promise<InputInjector> {
    const inj = new InputInjector(client, display, xtest);
    await inj.loadKeymap();
    client.on('event', (ev: X11Event) => inj.onEvent(ev));
    return inj;
  }

  private get root(): number {
    return this.xdisplay.screen[0]!.root;
  }

  private async loadKeymap(): Promise<void> {
    const min = this.xdisplay.min_keycode;
    const max = this.xdisplay.max_keycode;
    const rows = await call<number[][]>((cb) => this.client.GetKeyboardMapping(min, max - min + 1, cb));
    this.byKeysym.clear();
    this.emptyCodes = [];
    this.keysymsPerCode = Math.max(2, rows[0]?.length ?? 2);
    const ours = new Set(this.assigned.values());
    rows.forEach((row, i) => {
      const code = min + i;
      if (ours.has(code)) return; // stays a spare of ours
      if (row.every((ks) => ks === 0)) {
        this.emptyCodes.push(code);
        return;
      }
      row.forEach((ks, col) => {
        const prev = this.byKeysym.get(ks);
        if (ks !== 0 && (!prev || col < prev.col)) this.byKeysym.set(ks, { code, col });
      });
    });
    // Spares are taken from the top, far from the keys a layout is likely to fill in later.
    this.emptyCodes.sort((a, b) => a - b);
  }

  private onEvent(ev: X11Event): void {
    // Another client (setxkbmap, a desktop's keyboard settings) changed the keymap: re-read it. Our own
    // ChangeKeyboardMapping requests also cause one notify each; those are skipped.
    if (ev.name !== 'MappingNotify' || ev.request !== 1) return;
    const first = Number(ev.firstKeyCode);
    const pending = this.ownMappingChanges.get(first) ?? 0;
    if (ev.count === 1 && pending > 0) {
      if (pending === 1) this.ownMappingChanges.delete(first);
      else this.ownMappingChanges.set(first, pending - 1);
      return;
    }
    this.refreshing ??= this.loadKeymap()
      .catch(() => undefined)
      .finally(() => (this.refreshing = undefined));
  }

  private get shiftDown(): boolean {
    return this.pressed.has(SHIFT_L) || this.pressed.has(SHIFT_R);
  }

  /** The keycode that produces `keysym` in the current modifier state, mapping a spare one when needed. */
  private keycodeFor(keysym: number): number | undefined {
    const e = this.byKeysym.get(keysym);
    if (e && (e.col === 0 || (e.col === 1 && this.shiftDown))) return e.code;
    // Modifiers and other function keys must stay on their real keycodes (the modifier map points there).
    if (e && keysym >= 0xfe00 && keysym <= 0xffff) return e.code;
    return this.spareFor(keysym);
  }

  private spareFor(keysym: number): number | undefined {
    const known = this.assigned.get(keysym);
    if (known !== undefined) {
      this.assigned.delete(keysym);
      this.assigned.set(keysym, known);
      return known;
    }
    let code = this.emptyCodes.pop();
    if (code === undefined) {
      const busy = new Set(this.pressed.values());
      for (const [ks, c] of this.assigned) {
        if (!busy.has(c)) {
          this.assigned.delete(ks);
          code = c;
          break;
        }
      }
    }
    if (code === undefined) return undefined;
    // The same keysym in both columns: the key types the character whether or not Shift is held.
    const syms = new Array<number>(this.keysymsPerCode).fill(0);
    syms[0] = keysym;
    syms[1] = keysym;
    this.ownMappingChanges.set(code, (this.ownMappingChanges.get(code) ?? 0) + 1);
    this.client.ChangeKeyboardMapping(code, this.keysymsPerCode, syms);
    this.assigned.set(keysym, code);
    return code;
  }

  /**
   * Presses or releases the key for an X keysym (e.g. 0x61 'a', 0xff0d Return, 0x20ac €). Values come as the
   * viewer protocol checked them (src/protocol/field-rules.ts): the one bound on a keysym is there.
   */
  key(keysym: number, down: boolean): void {
    if (down) {
      const code = this.pressed.get(keysym) ?? this.keycodeFor(keysym);
      if (code === undefined) return;
      this.pressed.set(keysym, code);
      this.xtest.FakeInput(this.xtest.KeyPress, code, 0, this.root, 0, 0);
    } else {
      const code = this.pressed.get(keysym);
      if (code === undefined) return; // never pressed through us (e.g. focus came with the key held)
      this.pressed.delete(keysym);
      this.xtest.FakeInput(this.xtest.KeyRelease, code, 0, this.root, 0, 0);
    }
  }

  /**
   * Moves the pointer to (x, y) and presses/releases buttons whose bit changed in `buttonMask`. The caller
   * bounds both once: the position to the screen (session-media-x11.ts), the mask to the protocol's button
   * bits (POINTER_BUTTON_MASK, checked when the message is decoded).
   */
  pointer(x: number, y: number, buttonMask: number): void {
    if (!this.lastPos || this.lastPos.x !== x || this.lastPos.y !== y) {
      this.xtest.FakeInput(this.xtest.MotionNotify, 0, 0, this.root, x, y);
      this.lastPos = { x, y };
    }
    const changed = buttonMask ^ this.buttons;
    for (let bit = 0; bit < BUTTON_BITS.length; bit++) {
      if (!(changed & (1 << bit))) continue;
      const down = (buttonMask & (1 << bit)) !== 0;
      this.xtest.FakeInput(
        down ? this.xtest.ButtonPress : this.xtest.ButtonRelease,
        BUTTON_BITS[bit]!,
        0,
        this.root,
        0,
        0,
      );
    }
    this.buttons = buttonMask;
  }

  /** Scrolls by whole wheel clicks: dy < 0 up (button 4), dy > 0 down (5), dx < 0 left (6), dx > 0 right (7). */
  wheel(dx: number, dy: number): void {
    const click = (button: number, n: number): void => {
      for (let i = 0; i < n; i++) {
        this.xtest.FakeInput(this.xtest.ButtonPress, button, 0, this.root, 0, 0);
        this.xtest.FakeInput(this.xtest.ButtonRelease, button, 0, this.root, 0, 0);
      }
    };
    const steps = (v: number): number => Math.min(MAX_WHEEL_STEPS, Math.abs(Math.trunc(v)));
    click(dy < 0 ? 4 : 5, steps(dy));
    click(dx < 0 ? 6 : 7, steps(dx));
  }

  /** Keysyms currently held down through this injector. */
  pressedKeysyms(): number[] {
    return [...this.pressed.keys()];
  }

  /** Lifts every key and button pressed through this injector (a viewer disconnected mid-chord). */
  releaseAll(): void {
    for (const [keysym, code] of [...this.pressed].reverse()) {
      this.pressed.delete(keysym);
      this.xtest.FakeInput(this.xtest.KeyRelease, code, 0, this.root, 0, 0);
    }
    for (let bit = 0; bit < BUTTON_BITS.length; bit++) {
      if (this.buttons & (1 << bit))
        this.xtest.FakeInput(this.xtest.ButtonRelease, BUTTON_BITS[bit]!, 0, this.root, 0, 0);
    }
    this.buttons = 0;
  }

  /** Resolves when the server has processed every injected event so far. */
  flush(): Promise<void> {
    return call<unknown>((cb) => this.client.GetInputFocus(cb as never)).then(() => undefined);
  }
}

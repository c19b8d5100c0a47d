// Keyboard capture while the canvas has focus: every key becomes a keysym down/up and the browser does not act
// on it. A key's up uses the keysym its down sent (Shift may change event.key in between), and everything held
// is released when focus leaves, so the session never sees a stuck key.
import { keysymFor } from './keysym.js';

export interface KeyboardOptions {
  send(keysym: number, down: boolean): void;
  enabled(): boolean;
  /**
   * Called for Ctrl+V / Cmd+V before the key is sent: the clipboard handler lets the browser's paste event
   * happen, forwards the text, then calls `proceed` so the remote paste sees the new clipboard.
   */
  beforePaste(proceed: () => void): void;
}

export class KeyboardInput {
  private readonly held = new Map<string, number>();
  /** Key events queued while a paste is being forwarded, to keep their order. */
  private queue: (() => void)[] | undefined;

  constructor(
    target: HTMLElement,
    private readonly opts: KeyboardOptions,
  ) {
    target.addEventListener('keydown', (e) => this.down(e));
    target.addEventListener('keyup', (e) => this.up(e));
    target.addEventListener('blur', () => this.releaseAll());
    window.addEventListener('blur', () => this.releaseAll());
  }

  private down(e: KeyboardEvent): void {
    if (!this.opts.enabled() || e.isComposing) return;
    const keysym = keysymFor(e);
    const isPaste = (e.ctrlKey || e.metaKey) && !e.altKey && (e.key === 'v' || e.key === 'V');
    if (!isPaste) e.preventDefault();
    if (keysym === undefined) return;
    const id = e.code || e.key;
    this.held.set(id, keysym);
    if (isPaste && this.queue === undefined) {
      this.queue = [];
      this.opts.beforePaste(() => this.flushQueue());
    }
    this.emit(() => this.opts.send(keysym, true));
  }

  private up(e: KeyboardEvent): void {
    e.preventDefault();
    const id = e.code || e.key;
    const keysym = this.held.get(id);
    if (keysym === undefined) return; // pressed before we had focus
    this.held.delete(id);
    this.emit(() => this.opts.send(keysym, false));
  }

  private emit(send: () => void): void {
    if (this.queue !== undefined) this.queue.push(send);
    else send();
  }

  private flushQueue(): void {
    const q = this.queue ?? [];
    this.queue = undefined;
    for (const send of q) send();
  }

  /** Releases every key the session believes is down (on blur, and before a reconnect). */
  releaseAll(): void {
    this.flushQueue();
    for (const keysym of this.held.values()) this.opts.send(keysym, false);
    this.held.clear();
  }
}

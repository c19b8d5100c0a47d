// Clipboard both ways, text and PNG images. From the session: onto the local clipboard through the Async
// Clipboard API when the page has focus and permission (else it waits in `received` for the clipboard
// panel). To the session: a Ctrl+V's paste event is forwarded before the key itself, and whenever the page
// gains focus with permission to read, a local clipboard that changed is sent on its own.
import { MAX_CLIPBOARD_BYTES } from '../../src/protocol/message-type.js';

/** Wait this long for the browser's paste event after Ctrl+V before sending the key anyway. */
const PASTE_WAIT_MS = 150;

export type ClipboardContent = { kind: 'text'; text: string } | { kind: 'image'; png: Uint8Array };

export interface ClipboardSend {
  text(text: string): void;
  image(png: Uint8Array): void;
}

export class ClipboardSync {
  /** What the session last put on its clipboard. */
  received: ClipboardContent | null = null;
  /** Whether `received` is on the local clipboard too (false: the browser refused; the panel offers it). */
  deliveredLocally = false;
  private lastSent = '';
  private listeners: (() => void)[] = [];

  constructor(
    private readonly send: ClipboardSend,
    private readonly pasteEnabled: () => boolean,
  ) {
    window.addEventListener('focus', () => void this.syncFromLocal());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void this.syncFromLocal();
    });
  }

  /** Called whenever `received` or `deliveredLocally` changes (the panel redraws). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  receive(content: ClipboardContent): void {
    this.received = content;
    this.deliveredLocally = false;
    this.lastSent = keyOf(content); // now on both sides: the next focus need not send it back
    this.changed();
    void this.copyToLocal().catch(() => undefined);
  }

  /** Puts what the session copied on the local clipboard; the panel's button calls this with a user gesture. */
  async copyToLocal(): Promise<void> {
    const c = this.received;
    if (c === null) return;
    if (c.kind === 'text') await navigator.clipboard.writeText(c.text);
    else
      await navigator.clipboard.write([
        new ClipboardItem({
          'image/png': new Blob([c.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
        }),
      ]);
    this.deliveredLocally = true;
    this.changed();
  }

  /** Sends content to the session (the panel's "Paste to remote session", a paste event, a focus sync). */
  paste(content: ClipboardContent): boolean {
    if (!this.pasteEnabled()) return false;
    if (content.kind === 'text') {
      if (new TextEncoder().encode(content.text).byteLength > MAX_CLIPBOARD_BYTES) return false;
      this.send.text(content.text);
    } else {
      if (content.png.byteLength > MAX_CLIPBOARD_BYTES) return false;
      this.send.image(content.png);
    }
    this.lastSent = keyOf(content);
    return true;
  }

  /** With focus and read permission, a local clipboard that changed since we last saw it goes to the session. */
  async syncFromLocal(): Promise<void> {
    if (!this.pasteEnabled() || !document.hasFocus() || navigator.clipboard?.read === undefined) return;
    try {
      const state = await navigator.permissions.query({ name: 'clipboard-read' as PermissionName });
      if (state.state !== 'granted') return; // never prompt on focus; Ctrl+V and the panel still work
      const items = await navigator.clipboard.read();
      const content = await fromItems(items);
      if (content !== null && keyOf(content) !== this.lastSent) this.paste(content);
    } catch {
      // refused or empty: nothing to sync
    }
  }

  beforePaste(proceed: () => void): void {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      document.removeEventListener('paste', onPaste, true);
      proceed();
    };
    const onPaste = (e: ClipboardEvent): void => {
      e.preventDefault();
      const data = e.clipboardData;
      const image = [...(data?.items ?? [])]
        .find((i) => i.kind === 'file' && i.type === 'image/png')
        ?.getAsFile();
      const text = data?.getData('text/plain') ?? '';
      if (image) {
        // The keys wait for the image's bytes, so the session pastes the image, not what it had before.
        void image.arrayBuffer().then((b) => {
          this.paste({ kind: 'image', png: new Uint8Array(b) });
          finish();
        }, finish);
        return;
      }
      if (text) this.paste({ kind: 'text', text });
      finish();
    };
    document.addEventListener('paste', onPaste, true);
    setTimeout(finish, PASTE_WAIT_MS);
  }
}

async function fromItems(items: ClipboardItems): Promise<ClipboardContent | null> {
  for (const item of items) {
    if (item.types.includes('image/png')) {
      return { kind: 'image', png: new Uint8Array(await (await item.getType('image/png')).arrayBuffer()) };
    }
    if (item.types.includes('text/plain'))
      return { kind: 'text', text: await (await item.getType('text/plain')).text() };
  }
  return null;
}

/** Cheap identity of clipboard content, to avoid sending back what just came. */
function keyOf(c: ClipboardContent): string {
  if (c.kind === 'text') return `t:${c.text}`;
  let h = 0;
  for (let i = 0; i < c.png.byteLength; i += 97) h = (h * 31 + c.png[i]!) | 0;
  return `i:${c.png.byteLength}:${h}`;
}

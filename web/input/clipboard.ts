// Clipboard text both ways: text from the session goes to the local clipboard (when the browser allows it),
// and a local paste (Ctrl+V) is forwarded to the session before the key itself reaches it.
import { MAX_CLIPBOARD_BYTES } from '../../src/protocol/message-type.js';

/** Wait this long for the browser's paste event after Ctrl+V before sending the key anyway. */
const PASTE_WAIT_MS = 150;

export class ClipboardSync {
  /** Last text the session put on its clipboard. */
  received = '';

  constructor(
    private readonly send: (text: string) => void,
    private readonly pasteEnabled: () => boolean,
  ) {}

  receive(text: string): void {
    this.received = text;
    // Needs focus and permission; when refused the text is still in `received` (and window.opendcv).
    navigator.clipboard?.writeText(text).catch(() => undefined);
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
      const text = e.clipboardData?.getData('text/plain') ?? '';
      if (text && this.pasteEnabled() && new TextEncoder().encode(text).byteLength <= MAX_CLIPBOARD_BYTES)
        this.send(text);
      finish();
    };
    document.addEventListener('paste', onPaste, true);
    setTimeout(finish, PASTE_WAIT_MS);
  }
}

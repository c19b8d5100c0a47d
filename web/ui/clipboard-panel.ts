// The clipboard panel, for browsers or moments where automatic clipboard access is refused (DCV's "Copy
// to local device" / "Paste to remote session"): shows what the session copied with a button that copies
// it locally (a user gesture the browser accepts), and a box whose text is pasted into the session.
import type { ClipboardSync } from '../input/clipboard.js';
import type { ToolbarPanelSpec } from './toolbar.js';

/** The toolbar's clipboard panel (`#panel-clipboard`, opened by `#tb-clipboard`). */
export function clipboardPanel(clipboard: ClipboardSync, canPaste: () => boolean): ToolbarPanelSpec {
  let render = (): void => undefined;
  return {
    id: 'clipboard',
    label: 'Clipboard',
    icon: 'clipboard',
    title: 'Copy and paste between this device and the session',
    order: 50,
    mount(panel: HTMLElement): void {
      render = mountClipboardPanel(panel, clipboard, canPaste);
    },
    onOpen: () => render(),
  };
}

/** Builds the panel's content into `panel`; returns its redraw. */
export function mountClipboardPanel(panel: HTMLElement, clipboard: ClipboardSync, canPaste: () => boolean): () => void {
  const fromSession = el('div', { className: 'clipboard-from-session' });
  const preview = el('div', { id: 'clipboard-remote', className: 'clipboard-preview' });
  const copy = el('button', { id: 'clipboard-copy-local', textContent: 'Copy to local device', type: 'button' });
  const copyNote = el('span', { className: 'note' });
  fromSession.append(el('h3', { textContent: 'From the session' }), preview, copy, copyNote);

  const toSession = el('div', { className: 'clipboard-to-session' });
  const input = el('textarea', { id: 'clipboard-local', placeholder: 'Type or paste text here…', rows: 4 });
  const paste = el('button', { id: 'clipboard-paste-remote', textContent: 'Paste to remote session', type: 'button' });
  const pasteNote = el('span', { className: 'note' });
  toSession.append(el('h3', { textContent: 'To the session' }), input, paste, pasteNote);
  panel.classList.add('clipboard-panel');
  panel.append(fromSession, toSession);

  let shown: ClipboardSync['received'] = null;
  const render = (): void => {
    const c = clipboard.received;
    if (c !== shown) {
      shown = c;
      preview.replaceChildren();
      if (c === null) preview.textContent = 'Nothing copied in the session yet.';
      else if (c.kind === 'text') preview.append(el('pre', { textContent: c.text }));
      else {
        const img = el('img', { alt: 'Image copied in the session' });
        img.src = URL.createObjectURL(new Blob([c.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
        preview.append(img);
      }
    }
    copy.disabled = c === null;
    copyNote.textContent = c !== null && clipboard.deliveredLocally ? 'On your clipboard.' : '';
    paste.disabled = !canPaste();
    if (!canPaste()) pasteNote.textContent = 'You may not paste into this session.';
  };
  clipboard.onChange(render);
  render();

  copy.addEventListener('click', () => {
    clipboard.copyToLocal().catch((e: unknown) => {
      copyNote.textContent = `The browser refused: ${(e as Error).message}`;
    });
  });
  paste.addEventListener('click', () => {
    const sent = input.value !== '' && clipboard.paste({ kind: 'text', text: input.value });
    pasteNote.textContent = sent ? 'Sent: paste it in the session (Ctrl+V).' : 'Nothing sent.';
  });
  return render;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), props);
}

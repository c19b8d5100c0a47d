// The clipboard panel, for browsers or moments where automatic clipboard access is refused (DCV's "Copy
// to local device" / "Paste to remote session"): shows what the session copied with a button that copies
// it locally (a user gesture the browser accepts), and a box whose text is pasted into the session.
import type { ClipboardSync } from '../input/clipboard.js';

export interface ClipboardPanel {
  readonly element: HTMLElement;
  toggle(open?: boolean): void;
}

/** Builds the panel inside `parent` (hidden until toggled); a toolbar hosts its toggle() behind a button. */
export function mountClipboardPanel(
  parent: HTMLElement,
  clipboard: ClipboardSync,
  canPaste: () => boolean,
): ClipboardPanel {
  const panel = el('section', { id: 'clipboard-panel', className: 'panel hidden' });
  panel.setAttribute('aria-label', 'Clipboard');
  const close = el('button', { className: 'panel-close', textContent: '×', title: 'Close' });
  panel.append(el('h2', { textContent: 'Clipboard' }), close);

  const fromSession = el('div', { className: 'clipboard-from-session' });
  const preview = el('div', { id: 'clipboard-remote', className: 'clipboard-preview' });
  const copy = el('button', { id: 'clipboard-copy-local', textContent: 'Copy to local device' });
  const copyNote = el('span', { className: 'note' });
  fromSession.append(el('h3', { textContent: 'From the session' }), preview, copy, copyNote);

  const toSession = el('div', { className: 'clipboard-to-session' });
  const input = el('textarea', { id: 'clipboard-local', placeholder: 'Type or paste text here…', rows: 4 });
  const paste = el('button', { id: 'clipboard-paste-remote', textContent: 'Paste to remote session' });
  const pasteNote = el('span', { className: 'note' });
  toSession.append(el('h3', { textContent: 'To the session' }), input, paste, pasteNote);
  panel.append(fromSession, toSession);
  parent.appendChild(panel);

  const render = (): void => {
    const c = clipboard.received;
    preview.replaceChildren();
    if (c === null) preview.textContent = 'Nothing copied in the session yet.';
    else if (c.kind === 'text') preview.append(el('pre', { textContent: c.text }));
    else {
      const img = el('img', { alt: 'Image copied in the session' });
      img.src = URL.createObjectURL(new Blob([c.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
      preview.append(img);
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
  const toggle = (open?: boolean): void => {
    const show = open ?? panel.classList.contains('hidden');
    panel.classList.toggle('hidden', !show);
    if (show) render();
  };
  close.addEventListener('click', () => toggle(false));
  // Keys typed in the panel are for the panel, not the session.
  panel.addEventListener('keydown', (e) => e.stopPropagation());
  return { element: panel, toggle };
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), props);
}

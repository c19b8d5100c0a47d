// Full screen, as DCV's web client offers it: the remote screen takes the whole display (the status bar goes),
// and where the browser has the Keyboard Lock API (Chromium) the keys it would otherwise keep for itself —
// Escape, Alt+Tab, Ctrl+W — go to the session. Holding Escape leaves full screen, as the browser says.

interface KeyboardLock {
  lock(codes?: string[]): Promise<void>;
  unlock(): void;
}

function keyboardLock(): KeyboardLock | undefined {
  return (navigator as Navigator & { keyboard?: KeyboardLock }).keyboard;
}

/** A status-bar button that puts `target` in full screen and back, giving keyboard focus to `focus`. */
export function fullscreenButton(target: HTMLElement, focus: HTMLElement): HTMLButtonElement {
  const button = document.createElement('button');
  button.id = 'fullscreen-toggle';
  button.textContent = 'full screen';
  button.title = 'Show the remote screen on the whole display (hold Esc to leave)';
  button.addEventListener('click', () => {
    if (document.fullscreenElement !== null) void document.exitFullscreen();
    else
      target.requestFullscreen().then(
        () => {
          focus.focus();
          // Best effort: without it the browser keeps Escape and its own shortcuts.
          keyboardLock()?.lock().catch(() => undefined);
        },
        () => undefined, // refused (no user gesture, or not allowed in a frame): stay as we are
      );
  });
  document.addEventListener('fullscreenchange', () => {
    if (document.fullscreenElement === null) keyboardLock()?.unlock();
  });
  return button;
}

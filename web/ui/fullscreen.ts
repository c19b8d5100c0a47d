// Full screen, as DCV's web client offers it: the viewer takes the whole display (the toolbar becomes an overlay),
// and where the browser has the Keyboard Lock API (Chromium) the keys it would otherwise keep for itself —
// Escape, Alt+Tab, Ctrl+W — go to the session. Holding Escape leaves full screen, as the browser says.

interface KeyboardLock {
  lock(codes?: string[]): Promise<void>;
  unlock(): void;
}

function keyboardLock(): KeyboardLock | undefined {
  return (navigator as Navigator & { keyboard?: KeyboardLock }).keyboard;
}

/** Puts `target` in full screen, or takes it out, giving keyboard focus to `focus`. */
export function toggleFullscreen(target: HTMLElement, focus: HTMLElement): void {
  if (document.fullscreenElement !== null) {
    void document.exitFullscreen();
    return;
  }
  target.requestFullscreen().then(
    () => {
      focus.focus();
      // Best effort: without it the browser keeps Escape and its own shortcuts.
      keyboardLock()
        ?.lock()
        .catch(() => undefined);
    },
    () => undefined, // refused (no user gesture, or not allowed in a frame): stay as we are
  );
}

document.addEventListener('fullscreenchange', () => {
  if (document.fullscreenElement === null) keyboardLock()?.unlock();
});

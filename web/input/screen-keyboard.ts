// The on-screen keyboard of a phone or tablet: a browser shows it only for a focused text field, so a
// transparent one sits over the screen's corner; what is typed into it goes to the session as key presses
// (characters by their keysyms, Backspace and Enter by name) and the field is emptied again.
import { characterKeysym, keysymFor } from './keysym.js';

export class ScreenKeyboard {
  readonly field: HTMLTextAreaElement;

  constructor(
    parent: HTMLElement,
    label: string,
    private readonly key: (keysym: number, down: boolean) => void,
  ) {
    this.field = document.createElement('textarea');
    this.field.id = 'screen-keyboard';
    this.field.setAttribute('aria-label', label);
    this.field.autocapitalize = 'off';
    this.field.autocomplete = 'off';
    this.field.spellcheck = false;
    this.field.addEventListener('input', (e) => this.input(e as InputEvent));
    this.field.addEventListener('keydown', (e) => {
      // Hardware-like keys that produce no text arrive as keydown only.
      if (e.key === 'Backspace' || e.key === 'Enter' || e.key === 'Tab' || e.key.startsWith('Arrow')) {
        e.preventDefault();
        this.tap(keysymFor(e));
      }
    });
    parent.appendChild(this.field);
  }

  /** Shows the device's keyboard (it must run in a tap's handler, or the browser refuses). */
  open(): void {
    this.field.focus();
  }

  private input(e: InputEvent): void {
    if (e.inputType === 'deleteContentBackward')
      this.tap(keysymFor({ key: 'Backspace', code: '', location: 0 }));
    else if (e.inputType === 'insertLineBreak') this.tap(keysymFor({ key: 'Enter', code: '', location: 0 }));
    else for (const ch of e.data ?? '') this.tap(characterKeysym(ch));
    this.field.value = '';
  }

  private tap(keysym: number | undefined): void {
    if (keysym === undefined) return;
    this.key(keysym, true);
    this.key(keysym, false);
  }
}

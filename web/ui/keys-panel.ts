// noVNC's extra keys as a toolbar panel: the keys and chords a browser keeps for itself (Ctrl+Alt+Del, Esc,
// Tab, Super, function keys), modifiers that stay held for the next key, and a line of text typed into the
// session as key presses. A held modifier stays down until it is pressed again or a key of the panel is sent. Everything goes through the same keysyms the keyboard sends (input/keysym.ts).
import { characterKeysym, keysymFor } from '../input/keysym.js';
import { S } from '../strings.js';
import type { ToolbarPanelSpec } from './toolbar.js';

export interface KeySender {
  key(keysym: number, down: boolean): void;
  /** Gives focus back to the remote screen, so the next real key goes there. */
  focusScreen(): void;
}

const sym = (key: string, code = key): number => keysymFor({ key, code, location: 0 })!;

const MODIFIERS: readonly { label: string; keysym: number }[] = [
  { label: 'Ctrl', keysym: sym('Control', 'ControlLeft') },
  { label: 'Alt', keysym: sym('Alt', 'AltLeft') },
  { label: 'Shift', keysym: sym('Shift', 'ShiftLeft') },
  { label: 'Super', keysym: sym('Meta', 'MetaLeft') },
];

const SINGLE_KEYS: readonly { label: string; keysyms: readonly number[] }[] = [
  { label: S.ctrlAltDel, keysyms: [sym('Control', 'ControlLeft'), sym('Alt', 'AltLeft'), sym('Delete')] },
  { label: 'Esc', keysyms: [sym('Escape')] },
  { label: 'Tab', keysyms: [sym('Tab')] },
  { label: 'Super', keysyms: [sym('Meta', 'MetaLeft')] },
  { label: 'Alt+Tab', keysyms: [sym('Alt', 'AltLeft'), sym('Tab')] },
  { label: 'PrtSc', keysyms: [sym('PrintScreen')] },
  ...Array.from({ length: 12 }, (_, i) => ({ label: `F${i + 1}`, keysyms: [sym(`F${i + 1}`)] })),
];

/** Presses `keysyms` in order and releases them in reverse: a chord. */
export function sendChord(out: KeySender, keysyms: readonly number[]): void {
  for (const k of keysyms) out.key(k, true);
  for (const k of [...keysyms].reverse()) out.key(k, false);
}

export function keysPanel(out: KeySender): ToolbarPanelSpec {
  const held = new Set<number>();
  const toggles: HTMLButtonElement[] = [];
  const releaseHeld = (): void => {
    for (const k of [...held].reverse()) out.key(k, false);
    held.clear();
    for (const t of toggles) t.setAttribute('aria-pressed', 'false');
  };
  return {
    id: 'keys',
    label: S.keys,
    title: S.keysTitle,
    icon: 'keyboard',
    order: 40,
    mount(el) {
      const mods = row(el, 'modifiers');
      for (const m of MODIFIERS) {
        const b = button(mods, m.label);
        b.setAttribute('aria-pressed', 'false');
        b.title = S.modifierHeld(m.label);
        toggles.push(b);
        b.addEventListener('click', () => {
          const down = !held.has(m.keysym);
          if (down) held.add(m.keysym);
          else held.delete(m.keysym);
          b.setAttribute('aria-pressed', String(down));
          out.key(m.keysym, down);
        });
      }
      const keys = row(el, 'send-keys');
      for (const k of SINGLE_KEYS) {
        const b = button(keys, k.label);
        b.addEventListener('click', () => {
          sendChord(out, k.keysyms);
          releaseHeld(); // a held Ctrl applies to one key, as noVNC's do once released
        });
      }
      const form = document.createElement('form');
      form.className = 'type-text';
      const label = document.createElement('label');
      label.textContent = S.typeText;
      const field = document.createElement('input');
      field.type = 'text';
      field.id = 'keys-text';
      field.autocomplete = 'off';
      field.spellcheck = false;
      label.appendChild(field);
      const submit = document.createElement('button');
      submit.type = 'submit';
      submit.textContent = S.send;
      form.append(label, submit);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        for (const ch of field.value) {
          const k = ch === '\n' ? sym('Enter') : characterKeysym(ch);
          if (k !== undefined) sendChord(out, [k]);
        }
        field.value = '';
        out.focusScreen();
      });
      el.appendChild(form);
    },
  };
}

function row(parent: HTMLElement, name: string): HTMLElement {
  const div = document.createElement('div');
  div.className = `key-row ${name}`;
  parent.appendChild(div);
  return div;
}

function button(parent: HTMLElement, text: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  parent.appendChild(b);
  return b;
}

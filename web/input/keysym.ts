// KeyboardEvent → X keysym. Characters map through their Unicode keysym (Latin-1 directly, everything else
// 0x01000000 + code point); named keys through the table below; left/right modifiers and keypad keys by
// event.code/location, because event.key does not tell them apart.

const NAMED: Readonly<Record<string, number>> = {
  Backspace: 0xff08,
  Tab: 0xff09,
  Clear: 0xff0b,
  Enter: 0xff0d,
  Pause: 0xff13,
  ScrollLock: 0xff14,
  Escape: 0xff1b,
  Home: 0xff50,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  PageUp: 0xff55,
  PageDown: 0xff56,
  End: 0xff57,
  Select: 0xff60,
  PrintScreen: 0xff61,
  Execute: 0xff62,
  Insert: 0xff63,
  Undo: 0xff65,
  Redo: 0xff66,
  ContextMenu: 0xff67,
  Find: 0xff68,
  Cancel: 0xff69,
  Help: 0xff6a,
  NumLock: 0xff7f,
  CapsLock: 0xffe5,
  Delete: 0xffff,
  AltGraph: 0xfe03, // ISO_Level3_Shift
  Compose: 0xff20, // Multi_key
  KanaMode: 0xff2d,
  HangulMode: 0xff31,
  HanjaMode: 0xff34,
  Convert: 0xff23, // Henkan
  NonConvert: 0xff22, // Muhenkan
};

// The Windows/Command key is Super on X desktops (what GNOME, KDE and Xfce bind), not X's Meta.
const BY_CODE: Readonly<Record<string, number>> = {
  ShiftLeft: 0xffe1,
  ShiftRight: 0xffe2,
  ControlLeft: 0xffe3,
  ControlRight: 0xffe4,
  AltLeft: 0xffe9,
  AltRight: 0xffea,
  MetaLeft: 0xffeb,
  MetaRight: 0xffec,
  OSLeft: 0xffeb,
  OSRight: 0xffec,
};

// Keypad keys with NumLock on (characters) and off (navigation), as X's KP_ keysyms.
const KEYPAD: Readonly<Record<string, number>> = {
  '0': 0xffb0,
  '1': 0xffb1,
  '2': 0xffb2,
  '3': 0xffb3,
  '4': 0xffb4,
  '5': 0xffb5,
  '6': 0xffb6,
  '7': 0xffb7,
  '8': 0xffb8,
  '9': 0xffb9,
  '*': 0xffaa,
  '+': 0xffab,
  ',': 0xffac,
  '-': 0xffad,
  '.': 0xffae,
  '/': 0xffaf,
  '=': 0xffbd,
  Enter: 0xff8d,
  Home: 0xff95,
  ArrowLeft: 0xff96,
  ArrowUp: 0xff97,
  ArrowRight: 0xff98,
  ArrowDown: 0xff99,
  PageUp: 0xff9a,
  PageDown: 0xff9b,
  End: 0xff9c,
  Clear: 0xff9d,
  Insert: 0xff9e,
  Delete: 0xff9f,
};

const DOM_KEY_LOCATION_NUMPAD = 3;

export interface KeyLike {
  readonly key: string;
  readonly code: string;
  readonly location: number;
}

/** The keysym for a key event, or undefined for keys X has no name for (dead keys, 'Unidentified'). */
export function keysymFor(e: KeyLike): number | undefined {
  const modifier = BY_CODE[e.code];
  // AltRight sends AltGraph on layouts that have it; keep that meaning.
  if (modifier !== undefined && e.key !== 'AltGraph') return modifier;
  if (e.key === 'Shift') return e.location === 2 ? 0xffe2 : 0xffe1;
  if (e.key === 'Control') return e.location === 2 ? 0xffe4 : 0xffe3;
  if (e.key === 'Alt') return e.location === 2 ? 0xffea : 0xffe9;
  if (e.key === 'Meta' || e.key === 'OS') return e.location === 2 ? 0xffec : 0xffeb;
  if (e.location === DOM_KEY_LOCATION_NUMPAD) {
    const kp = KEYPAD[e.key];
    if (kp !== undefined) return kp;
  }
  const named = NAMED[e.key];
  if (named !== undefined) return named;
  const fn = /^F(\d{1,2})$/.exec(e.key);
  if (fn !== null) {
    const n = Number(fn[1]);
    if (n >= 1 && n <= 35) return 0xffbe + n - 1;
  }
  return characterKeysym(e.key);
}

/** The keysym of a single character, or undefined when `key` is not exactly one character. */
export function characterKeysym(key: string): number | undefined {
  const cp = key.codePointAt(0);
  if (cp === undefined || key.length !== String.fromCodePoint(cp).length) return undefined;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return undefined; // control characters are not keys
  if (cp <= 0xff) return cp; // Latin-1 keysyms equal their code points
  return 0x01000000 + cp;
}

// The features bitmask in ServerHello: what this viewer is allowed to do, named after DCV's permission
// features. A client hides or stops sending what it is not granted; the server enforces it regardless.

export const Feature = {
  Display: 1 << 0,
  Keyboard: 1 << 1,
  Mouse: 1 << 2,
  /** Copy from the session to the client (server sends ClipboardText). */
  ClipboardCopy: 1 << 3,
  /** Paste from the client into the session (client sends ClipboardText). */
  ClipboardPaste: 1 << 4,
} as const;

export const ALL_FEATURES = Object.values(Feature).reduce((a, b) => a | b, 0);

export function hasFeature(mask: number, feature: number): boolean {
  return (mask & feature) === feature;
}

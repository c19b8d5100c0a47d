// Value rules shared by encoder and decoder, so what one writes the other accepts.

export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** X keysyms are 29-bit; 0 is NoSymbol, which names no key. */
export function checkKeysym(k: number): boolean {
  return Number.isInteger(k) && k > 0 && k <= 0x1fffffff;
}

/** Timestamps are non-negative finite µs counts; returns the value, or undefined when unusable. */
export function checkTimestamp(t: number): number | undefined {
  return Number.isFinite(t) && t >= 0 ? t : undefined;
}

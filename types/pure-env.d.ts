// The few globals that both Node and browsers provide, declared for the pure layers, which compile
// without Node's or the DOM's types (DESIGN.md §7). Keep this list short and in both worlds.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

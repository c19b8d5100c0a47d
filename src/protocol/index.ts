// The viewer protocol's public face, imported by the server endpoint and by web/. Everything here is pure.
export * from './message-type.js';
export * from './messages.js';
export * from './encode.js';
export * from './decode.js';
export * from './protocol-error.js';
export * from './close-code.js';
export * from './codecs.js';
export * from './features.js';
export * from './handshake.js';
export * from './annex-b.js';
export { HELLO_LIMITS } from './hello-limits.js';

// Byte limits of the variable-length handshake fields, shared by encoder, decoder and docs/protocol.md.

export const HELLO_LIMITS = {
  /** A calendar version string such as `2026.0.0`. */
  version: 32,
  /** Session ids are at most 128 characters (SESSION_ID_INVALID). */
  sessionId: 128,
  authToken: 4096,
  username: 255,
  password: 1024,
} as const;

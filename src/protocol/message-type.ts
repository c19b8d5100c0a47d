// The one-byte type codes of the viewer protocol, who may send each, and each type's hard size limit.
// Codes are grouped by sender so a stray byte from the wrong side is recognisable at a glance in a hex dump.
import { HELLO_LIMITS } from './hello-limits.js';

/** Protocol (wire format) version; bumped only for incompatible changes. Product versions are separate. */
export const PROTOCOL_VERSION = 1;

export const MessageType = {
  // client → server: 0x01–0x3f
  ClientHello: 0x01,
  Key: 0x02,
  Pointer: 0x03,
  Wheel: 0x04,
  FrameShown: 0x05,
  RequestKeyframe: 0x06,
  DisconnectViewer: 0x30,
  // server → client: 0x40–0x7f
  ServerHello: 0x41,
  VideoFrame: 0x42,
  LosslessRect: 0x43,
  CursorShape: 0x44,
  CursorPosition: 0x45,
  ScreenSize: 0x46,
  ConnectionList: 0x70,
  // either direction: 0x80–0xbf
  ClipboardText: 0x80,
  Ping: 0x81,
  Pong: 0x82,
  Close: 0x83,
  ClipboardImage: 0x84,
} as const;

export type MessageTypeName = keyof typeof MessageType;
export type MessageTypeCode = (typeof MessageType)[MessageTypeName];

export type Sender = 'client' | 'server' | 'both';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest H.264 access unit or PNG a single message may carry. */
export const MAX_VIDEO_PAYLOAD = 8 * MiB;
export const MAX_PNG_PAYLOAD = 8 * MiB;
/** DCV's hard maximum for [clipboard] max-payload-size. */
export const MAX_CLIPBOARD_BYTES = 20 * MiB;
export const MAX_CLOSE_REASON_BYTES = 1 * KiB;
export const MAX_CURSOR_SIDE = 256;
/** ConnectionList: at most this many viewers, each with a user name (ClientHello's limit) and an address. */
export const MAX_LISTED_CONNECTIONS = 256;
export const MAX_CLIENT_ADDRESS_BYTES = 64;

interface TypeSpec {
  readonly sender: Sender;
  /** Hard limit on the whole message, type byte included; anything longer is refused before parsing. */
  readonly maxBytes: number;
}

export const typeSpecs: Readonly<Record<MessageTypeCode, TypeSpec>> = {
  [MessageType.ClientHello]: { sender: 'client', maxBytes: 8 * KiB },
  [MessageType.Key]: { sender: 'client', maxBytes: 6 },
  [MessageType.Pointer]: { sender: 'client', maxBytes: 6 },
  [MessageType.Wheel]: { sender: 'client', maxBytes: 5 },
  [MessageType.FrameShown]: { sender: 'client', maxBytes: 13 },
  [MessageType.RequestKeyframe]: { sender: 'client', maxBytes: 1 },
  [MessageType.DisconnectViewer]: { sender: 'client', maxBytes: 5 },
  [MessageType.ServerHello]: { sender: 'server', maxBytes: 1 * KiB },
  [MessageType.VideoFrame]: { sender: 'server', maxBytes: 20 + 8 * 256 + MAX_VIDEO_PAYLOAD },
  [MessageType.LosslessRect]: { sender: 'server', maxBytes: 9 + MAX_PNG_PAYLOAD },
  [MessageType.CursorShape]: { sender: 'server', maxBytes: 13 + MAX_CURSOR_SIDE * MAX_CURSOR_SIDE * 4 },
  [MessageType.CursorPosition]: { sender: 'server', maxBytes: 5 },
  [MessageType.ScreenSize]: { sender: 'server', maxBytes: 5 },
  [MessageType.ConnectionList]: {
    sender: 'server',
    maxBytes: 4 + MAX_LISTED_CONNECTIONS * (4 + 1 + 1 + HELLO_LIMITS.username + 1 + MAX_CLIENT_ADDRESS_BYTES),
  },
  [MessageType.ClipboardText]: { sender: 'both', maxBytes: 1 + MAX_CLIPBOARD_BYTES },
  [MessageType.Ping]: { sender: 'both', maxBytes: 13 },
  [MessageType.Pong]: { sender: 'both', maxBytes: 13 },
  [MessageType.Close]: { sender: 'both', maxBytes: 3 + MAX_CLOSE_REASON_BYTES },
  [MessageType.ClipboardImage]: { sender: 'both', maxBytes: 1 + MAX_CLIPBOARD_BYTES },
};

/**
 * The largest message a client may send: give it to the WebSocket server as its frame-size limit
 * (e.g. `ws`'s `maxPayload`) so an oversized frame is refused before it is buffered.
 */
export const MAX_CLIENT_MESSAGE_BYTES = maxFor('client');
/** The largest message a server may send (a client's WebSocket frame-size limit). */
export const MAX_SERVER_MESSAGE_BYTES = maxFor('server');

function maxFor(side: 'client' | 'server'): number {
  let max = 0;
  for (const spec of Object.values(typeSpecs)) {
    if (spec.sender === side || spec.sender === 'both') max = Math.max(max, spec.maxBytes);
  }
  return max;
}

export function isMessageTypeCode(code: number): code is MessageTypeCode {
  return Object.prototype.hasOwnProperty.call(typeSpecs, code);
}

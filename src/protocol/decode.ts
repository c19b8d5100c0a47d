// Turns the bytes of one WebSocket binary frame into a typed message or a typed error. It never throws and
// never reads past the buffer: the size limit is checked before parsing, and ByteReader checks every read.
// Byte payloads (video data, PNG, RGBA) are views into the input, not copies.
import { ByteReader, DecodeFailure, hex } from './byte-reader.js';
import { isValidCodecName, MAX_CODECS, MAX_CODEC_NAME } from './codecs.js';
import { PNG_SIGNATURE, checkKeysym, checkTimestamp } from './field-rules.js';
import { HELLO_LIMITS } from './hello-limits.js';
import {
  MessageType,
  MAX_CLIENT_ADDRESS_BYTES,
  MAX_CLIPBOARD_BYTES,
  MAX_LISTED_CONNECTIONS,
  MAX_CLOSE_REASON_BYTES,
  MAX_CURSOR_SIDE,
  isMessageTypeCode,
  typeSpecs,
  type Sender,
} from './message-type.js';
import {
  MAX_VIDEO_RECTS,
  POINTER_BUTTON_MASK,
  type FromClient,
  type FromServer,
  type Message,
  type Rect,
} from './messages.js';
import type { DecodeResult } from './protocol-error.js';

/** Decodes a message a server received: server-to-client types are refused as 'wrong-direction'. */
export function decodeClientMessage(bytes: Uint8Array): DecodeResult<FromClient> {
  return decode(bytes, 'client') as DecodeResult<FromClient>;
}

/** Decodes a message a client received: client-to-server types are refused as 'wrong-direction'. */
export function decodeServerMessage(bytes: Uint8Array): DecodeResult<FromServer> {
  return decode(bytes, 'server') as DecodeResult<FromServer>;
}

/** Decodes any message regardless of who sent it (for tools and tests). */
export function decodeMessage(bytes: Uint8Array): DecodeResult<Message> {
  return decode(bytes, 'both');
}

function decode(bytes: Uint8Array, from: Sender): DecodeResult<Message> {
  if (bytes.byteLength === 0)
    return { ok: false, error: { kind: 'empty', message: 'empty message (no type byte)' } };
  const type = bytes[0]!;
  if (!isMessageTypeCode(type)) {
    return {
      ok: false,
      error: { kind: 'unknown-type', message: `unknown message type 0x${hex(type)}`, messageType: type },
    };
  }
  const spec = typeSpecs[type];
  if (from !== 'both' && spec.sender !== 'both' && spec.sender !== from) {
    return {
      ok: false,
      error: {
        kind: 'wrong-direction',
        message: `message type 0x${hex(type)} is only sent by the ${spec.sender}`,
        messageType: type,
      },
    };
  }
  if (bytes.byteLength > spec.maxBytes) {
    return {
      ok: false,
      error: {
        kind: 'too-large',
        message: `message type 0x${hex(type)} is ${bytes.byteLength} bytes, more than its limit of ${spec.maxBytes}`,
        messageType: type,
      },
    };
  }
  const r = new ByteReader(bytes, type);
  r.u8('type');
  try {
    return { ok: true, message: parseBody(type, r) };
  } catch (e) {
    if (e instanceof DecodeFailure) return { ok: false, error: e.error };
    // Unreachable by design; kept so that even a bug here closes one connection instead of throwing.
    return {
      ok: false,
      error: {
        kind: 'invalid-field',
        message: `cannot decode message type 0x${hex(type)}`,
        messageType: type,
      },
    };
  }
}

function parseBody(type: number, r: ByteReader): Message {
  switch (type) {
    case MessageType.ClientHello: {
      const protocolVersion = r.u16('protocolVersion');
      const viewportWidth = r.u16('viewportWidth');
      const viewportHeight = r.u16('viewportHeight');
      const clientVersion = r.str8('clientVersion', HELLO_LIMITS.version);
      const count = r.u8('codec count');
      if (count > MAX_CODECS)
        r.fail('invalid-field', `${count} codecs listed, at most ${MAX_CODECS} allowed`);
      const codecs: string[] = [];
      for (let i = 0; i < count; i++) {
        const c = r.str8('codec', MAX_CODEC_NAME);
        if (!isValidCodecName(c)) r.fail('invalid-field', `invalid codec name ${JSON.stringify(c)}`);
        codecs.push(c);
      }
      const sessionId = r.str8('sessionId', HELLO_LIMITS.sessionId);
      const authToken = r.str16('authToken', HELLO_LIMITS.authToken);
      const username = r.str8('username', HELLO_LIMITS.username);
      const password = r.str16('password', HELLO_LIMITS.password);
      // No end() check: later protocol versions may append fields, and a server must still be able to read
      // an unknown client's versions to refuse it with a reason.
      return {
        type: 'client-hello',
        protocolVersion,
        clientVersion,
        codecs,
        viewportWidth,
        viewportHeight,
        sessionId,
        ...(authToken ? { authToken } : {}),
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
      };
    }
    case MessageType.ServerHello: {
      const protocolVersion = r.u16('protocolVersion');
      const connectionId = r.u32('connectionId');
      const screenWidth = positive(r, r.u16('screenWidth'), 'screenWidth');
      const screenHeight = positive(r, r.u16('screenHeight'), 'screenHeight');
      const features = r.u32('features');
      const serverVersion = r.str8('serverVersion', HELLO_LIMITS.version);
      const sessionId = r.str8('sessionId', HELLO_LIMITS.sessionId);
      const codec = r.str8('codec', MAX_CODEC_NAME);
      if (!isValidCodecName(codec)) r.fail('invalid-field', `invalid codec name ${JSON.stringify(codec)}`);
      return {
        type: 'server-hello',
        protocolVersion,
        serverVersion,
        sessionId,
        connectionId,
        screenWidth,
        screenHeight,
        codec,
        features,
      };
    }
    case MessageType.VideoFrame: {
      const flags = r.u8('flags');
      if ((flags & ~1) !== 0) r.fail('invalid-field', `unknown video flags 0x${hex(flags)}`);
      const sequence = r.u32('sequence');
      const timestampUs = timestamp(r);
      const width = positive(r, r.u16('width'), 'width');
      const height = positive(r, r.u16('height'), 'height');
      const count = r.u16('rect count');
      if (count > MAX_VIDEO_RECTS)
        r.fail('invalid-field', `video frame lists ${count} rects, more than ${MAX_VIDEO_RECTS}`);
      const rects: Rect[] = [];
      for (let i = 0; i < count; i++) {
        const rect = {
          x: r.u16('rect x'),
          y: r.u16('rect y'),
          width: r.u16('rect width'),
          height: r.u16('rect height'),
        };
        if (
          rect.width === 0 ||
          rect.height === 0 ||
          rect.x + rect.width > width ||
          rect.y + rect.height > height
        ) {
          r.fail(
            'invalid-field',
            `video rect ${rect.width}x${rect.height}+${rect.x}+${rect.y} is empty or outside the ${width}x${height} frame`,
          );
        }
        rects.push(rect);
      }
      if (r.remaining === 0) r.fail('truncated', 'video frame has no data');
      return {
        type: 'video-frame',
        keyframe: flags === 1,
        sequence,
        timestampUs,
        width,
        height,
        rects,
        data: r.rest(),
      };
    }
    case MessageType.LosslessRect: {
      const x = r.u16('x');
      const y = r.u16('y');
      const width = positive(r, r.u16('width'), 'width');
      const height = positive(r, r.u16('height'), 'height');
      if (r.remaining < PNG_SIGNATURE.length)
        r.fail('truncated', 'lossless rect payload is shorter than a PNG signature');
      const png = r.rest();
      if (!PNG_SIGNATURE.every((b, i) => png[i] === b))
        r.fail('invalid-field', 'lossless rect payload is not a PNG');
      return { type: 'lossless-rect', x, y, width, height, png };
    }
    case MessageType.CursorShape: {
      const cursorId = r.u32('cursorId');
      const hotspotX = r.u16('hotspotX');
      const hotspotY = r.u16('hotspotY');
      const width = r.u16('width');
      const height = r.u16('height');
      if (width > MAX_CURSOR_SIDE || height > MAX_CURSOR_SIDE)
        r.fail(
          'invalid-field',
          `cursor ${width}x${height} is larger than ${MAX_CURSOR_SIDE}x${MAX_CURSOR_SIDE}`,
        );
      if ((width === 0) !== (height === 0))
        r.fail('invalid-field', `cursor ${width}x${height} is neither hidden (0x0) nor an image`);
      if (width > 0 && (hotspotX >= width || hotspotY >= height))
        r.fail('invalid-field', `cursor hotspot ${hotspotX},${hotspotY} is outside ${width}x${height}`);
      const rgba = r.bytesView(width * height * 4, 'cursor RGBA');
      r.end();
      return { type: 'cursor-shape', cursorId, hotspotX, hotspotY, width, height, rgba };
    }
    case MessageType.CursorPosition: {
      const x = r.u16('x');
      const y = r.u16('y');
      r.end();
      return { type: 'cursor-position', x, y };
    }
    case MessageType.ScreenSize: {
      const width = positive(r, r.u16('width'), 'width');
      const height = positive(r, r.u16('height'), 'height');
      r.end();
      return { type: 'screen-size', width, height };
    }
    case MessageType.Key: {
      const keysym = r.u32('keysym');
      if (!checkKeysym(keysym)) r.fail('invalid-field', `invalid keysym 0x${keysym.toString(16)}`);
      const down = r.u8('down');
      if (down > 1) r.fail('invalid-field', `key 'down' must be 0 or 1, got ${down}`);
      r.end();
      return { type: 'key', keysym, down: down === 1 };
    }
    case MessageType.Pointer: {
      const x = r.u16('x');
      const y = r.u16('y');
      const buttons = r.u8('buttons');
      if ((buttons & ~POINTER_BUTTON_MASK) !== 0)
        r.fail('invalid-field', `unknown pointer button bits 0x${hex(buttons)}`);
      r.end();
      return { type: 'pointer', x, y, buttons };
    }
    case MessageType.Wheel: {
      const dx = r.i16('dx');
      const dy = r.i16('dy');
      r.end();
      return { type: 'wheel', dx, dy };
    }
    case MessageType.ConnectionList: {
      const flags = r.u8('flags');
      if (flags > 1) r.fail('invalid-field', `unknown ConnectionList flags 0x${hex(flags)}`);
      const count = r.u16('connection count');
      if (count > MAX_LISTED_CONNECTIONS)
        r.fail('invalid-field', `${count} connections listed, at most ${MAX_LISTED_CONNECTIONS} allowed`);
      const connections = [];
      for (let i = 0; i < count; i++) {
        const connectionId = r.u32('connectionId');
        const cflags = r.u8('connection flags');
        if (cflags > 1) r.fail('invalid-field', `unknown connection flags 0x${hex(cflags)}`);
        const username = r.str8('username', HELLO_LIMITS.username);
        const address = r.str8('address', MAX_CLIENT_ADDRESS_BYTES);
        connections.push({ connectionId, username, address, owner: cflags === 1 });
      }
      r.end();
      return { type: 'connection-list', canDisconnect: flags === 1, connections };
    }
    case MessageType.DisconnectViewer: {
      const connectionId = r.u32('connectionId');
      r.end();
      return { type: 'disconnect-viewer', connectionId };
    }
    case MessageType.ClipboardText:
      return { type: 'clipboard-text', text: r.text(r.remaining, 'clipboard text', MAX_CLIPBOARD_BYTES) };
    case MessageType.ClipboardImage: {
      if (r.remaining < PNG_SIGNATURE.length) r.fail('truncated', 'clipboard image is shorter than a PNG signature');
      const png = r.rest();
      if (!PNG_SIGNATURE.every((b, i) => png[i] === b)) r.fail('invalid-field', 'clipboard image is not a PNG');
      return { type: 'clipboard-image', png };
    }
    case MessageType.FrameShown: {
      const sequence = r.u32('sequence');
      const timestampUs = timestamp(r);
      r.end();
      return { type: 'frame-shown', sequence, timestampUs };
    }
    case MessageType.RequestKeyframe:
      r.end();
      return { type: 'request-keyframe' };
    case MessageType.Ping:
    case MessageType.Pong: {
      const nonce = r.u32('nonce');
      const timestampUs = timestamp(r);
      r.end();
      return { type: type === MessageType.Ping ? 'ping' : 'pong', nonce, timestampUs };
    }
    case MessageType.Close: {
      const code = r.u16('code');
      return { type: 'close', code, reason: r.text(r.remaining, 'close reason', MAX_CLOSE_REASON_BYTES) };
    }
    default:
      return r.fail('unknown-type', `unknown message type 0x${hex(type)}`);
  }
}

function positive(r: ByteReader, v: number, what: string): number {
  if (v === 0) r.fail('invalid-field', `${what} must not be 0`);
  return v;
}

function timestamp(r: ByteReader): number {
  const t = r.f64('timestampUs');
  return checkTimestamp(t) ?? r.fail('invalid-field', `timestamp ${t} is not a non-negative finite number`);
}

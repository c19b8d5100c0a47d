// Turns a typed message into the bytes of one WebSocket binary frame (layouts: docs/protocol.md).
// Throws RangeError on values the decoder would refuse: that is a bug in the caller, never peer input.
import { ByteWriter, truncateUtf8, encodeText } from './byte-writer.js';
import { isValidCodecName, MAX_CODECS, MAX_CODEC_NAME } from './codecs.js';
import {
  MessageType,
  MAX_CLIENT_ADDRESS_BYTES,
  MAX_CLIPBOARD_BYTES,
  MAX_LISTED_CONNECTIONS,
  MAX_CLOSE_REASON_BYTES,
  MAX_CURSOR_SIDE,
  MAX_PNG_PAYLOAD,
  MAX_VIDEO_PAYLOAD,
} from './message-type.js';
import type { Message } from './messages.js';
import { HELLO_LIMITS } from './hello-limits.js';
import { PNG_SIGNATURE, checkKeysym, checkTimestamp } from './field-rules.js';
import { MAX_VIDEO_RECTS, POINTER_BUTTON_MASK, type Rect } from './messages.js';

export function encodeMessage(m: Message): Uint8Array {
  switch (m.type) {
    case 'client-hello': {
      const w = new ByteWriter(MessageType.ClientHello)
        .u16(m.protocolVersion, 'protocolVersion')
        .u16(m.viewportWidth, 'viewportWidth')
        .u16(m.viewportHeight, 'viewportHeight')
        .str8(m.clientVersion, 'clientVersion', HELLO_LIMITS.version);
      if (m.codecs.length > MAX_CODECS) throw new RangeError(`at most ${MAX_CODECS} codecs`);
      w.u8(m.codecs.length, 'codec count');
      for (const c of m.codecs) {
        if (!isValidCodecName(c)) throw new RangeError(`invalid codec name '${c}'`);
        w.str8(c, 'codec', MAX_CODEC_NAME);
      }
      return w
        .str8(m.sessionId, 'sessionId', HELLO_LIMITS.sessionId)
        .str16(m.authToken ?? '', 'authToken', HELLO_LIMITS.authToken)
        .str8(m.username ?? '', 'username', HELLO_LIMITS.username)
        .str16(m.password ?? '', 'password', HELLO_LIMITS.password)
        .finish();
    }
    case 'server-hello':
      if (!isValidCodecName(m.codec)) throw new RangeError(`invalid codec name '${m.codec}'`);
      return new ByteWriter(MessageType.ServerHello)
        .u16(m.protocolVersion, 'protocolVersion')
        .u32(m.connectionId, 'connectionId')
        .u16(positive(m.screenWidth, 'screenWidth'), 'screenWidth')
        .u16(positive(m.screenHeight, 'screenHeight'), 'screenHeight')
        .u32(m.features, 'features')
        .str8(m.serverVersion, 'serverVersion', HELLO_LIMITS.version)
        .str8(m.sessionId, 'sessionId', HELLO_LIMITS.sessionId)
        .str8(m.codec, 'codec', MAX_CODEC_NAME)
        .finish();
    case 'video-frame': {
      payload(m.data, 1, MAX_VIDEO_PAYLOAD, 'video data');
      const rects = m.keyframe || m.rects.length > MAX_VIDEO_RECTS ? [] : m.rects;
      return new ByteWriter(MessageType.VideoFrame)
        .u8(m.keyframe ? 1 : 0, 'flags')
        .u32(m.sequence, 'sequence')
        .f64(checkTimestamp(m.timestampUs) ?? bad('timestampUs', m.timestampUs), 'timestampUs')
        .u16(positive(m.width, 'width'), 'width')
        .u16(positive(m.height, 'height'), 'height')
        .u16(rects.length, 'rect count')
        .bytes(encodeRects(rects))
        .bytes(m.data)
        .finish();
    }
    case 'lossless-rect':
      payload(m.png, PNG_SIGNATURE.length, MAX_PNG_PAYLOAD, 'png');
      if (!PNG_SIGNATURE.every((b, i) => m.png[i] === b))
        throw new RangeError('png does not start with the PNG signature');
      return new ByteWriter(MessageType.LosslessRect)
        .u16(m.x, 'x')
        .u16(m.y, 'y')
        .u16(positive(m.width, 'width'), 'width')
        .u16(positive(m.height, 'height'), 'height')
        .bytes(m.png)
        .finish();
    case 'cursor-shape': {
      if (m.width > MAX_CURSOR_SIDE || m.height > MAX_CURSOR_SIDE)
        throw new RangeError(`cursor larger than ${MAX_CURSOR_SIDE}`);
      if ((m.width === 0) !== (m.height === 0))
        throw new RangeError('cursor width and height must both be 0 or both positive');
      if (m.rgba.byteLength !== m.width * m.height * 4)
        throw new RangeError('cursor rgba must be width*height*4 bytes');
      if (m.width > 0 && (m.hotspotX >= m.width || m.hotspotY >= m.height))
        throw new RangeError('cursor hotspot outside the image');
      return new ByteWriter(MessageType.CursorShape)
        .u32(m.cursorId, 'cursorId')
        .u16(m.hotspotX, 'hotspotX')
        .u16(m.hotspotY, 'hotspotY')
        .u16(m.width, 'width')
        .u16(m.height, 'height')
        .bytes(m.rgba)
        .finish();
    }
    case 'cursor-position':
      return new ByteWriter(MessageType.CursorPosition).u16(m.x, 'x').u16(m.y, 'y').finish();
    case 'screen-size':
      return new ByteWriter(MessageType.ScreenSize)
        .u16(positive(m.width, 'width'), 'width')
        .u16(positive(m.height, 'height'), 'height')
        .finish();
    case 'connection-list': {
      if (m.connections.length > MAX_LISTED_CONNECTIONS)
        throw new RangeError(`at most ${MAX_LISTED_CONNECTIONS} connections`);
      const w = new ByteWriter(MessageType.ConnectionList)
        .u8(m.canDisconnect ? 1 : 0, 'flags')
        .u16(m.connections.length, 'connection count');
      for (const c of m.connections) {
        w.u32(c.connectionId, 'connectionId')
          .u8(c.owner ? 1 : 0, 'connection flags')
          .str8(c.username, 'username', HELLO_LIMITS.username)
          .str8(c.address, 'address', MAX_CLIENT_ADDRESS_BYTES);
      }
      return w.finish();
    }
    case 'disconnect-viewer':
      return new ByteWriter(MessageType.DisconnectViewer).u32(m.connectionId, 'connectionId').finish();
    case 'key':
      return new ByteWriter(MessageType.Key)
        .u32(checkKeysym(m.keysym) ? m.keysym : bad('keysym', m.keysym), 'keysym')
        .u8(m.down ? 1 : 0, 'down')
        .finish();
    case 'pointer':
      if ((m.buttons & ~POINTER_BUTTON_MASK) !== 0)
        throw new RangeError(`unknown pointer button bits ${m.buttons}`);
      return new ByteWriter(MessageType.Pointer)
        .u16(m.x, 'x')
        .u16(m.y, 'y')
        .u8(m.buttons, 'buttons')
        .finish();
    case 'wheel':
      return new ByteWriter(MessageType.Wheel).i16(m.dx, 'dx').i16(m.dy, 'dy').finish();
    case 'clipboard-text':
      return new ByteWriter(MessageType.ClipboardText)
        .bytes(encodeText(m.text, 'clipboard text', MAX_CLIPBOARD_BYTES))
        .finish();
    case 'clipboard-image':
      payload(m.png, PNG_SIGNATURE.length, MAX_CLIPBOARD_BYTES, 'clipboard image');
      if (!PNG_SIGNATURE.every((b, i) => m.png[i] === b))
        throw new RangeError('clipboard image does not start with the PNG signature');
      return new ByteWriter(MessageType.ClipboardImage).bytes(m.png).finish();
    case 'frame-shown':
      return new ByteWriter(MessageType.FrameShown)
        .u32(m.sequence, 'sequence')
        .f64(checkTimestamp(m.timestampUs) ?? bad('timestampUs', m.timestampUs), 'timestampUs')
        .finish();
    case 'request-keyframe':
      return new ByteWriter(MessageType.RequestKeyframe).finish();
    case 'ping':
    case 'pong':
      return new ByteWriter(m.type === 'ping' ? MessageType.Ping : MessageType.Pong)
        .u32(m.nonce, 'nonce')
        .f64(checkTimestamp(m.timestampUs) ?? bad('timestampUs', m.timestampUs), 'timestampUs')
        .finish();
    case 'close':
      // A reason is for people; cutting an over-long one is better than failing to close.
      return new ByteWriter(MessageType.Close)
        .u16(m.code, 'code')
        .bytes(truncateUtf8(m.reason, MAX_CLOSE_REASON_BYTES))
        .finish();
  }
}

function positive(v: number, what: string): number {
  if (!(v >= 1)) throw new RangeError(`${what} must be at least 1, got ${v}`);
  return v;
}

function payload(b: Uint8Array, min: number, max: number, what: string): void {
  if (b.byteLength < min || b.byteLength > max)
    throw new RangeError(`${what} must be ${min}..${max} bytes, got ${b.byteLength}`);
}

function bad(what: string, v: number): never {
  throw new RangeError(`invalid ${what}: ${v}`);
}

/** Changed areas of a video frame: u16 x, y, width, height each. */
function encodeRects(rects: readonly Rect[]): Uint8Array {
  const out = new Uint8Array(rects.length * 8);
  const view = new DataView(out.buffer);
  rects.forEach((r, i) => {
    for (const [k, v] of [
      ['x', r.x],
      ['y', r.y],
      ['width', r.width],
      ['height', r.height],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffff)
        throw new RangeError(`video rect ${k} ${v} is not a u16`);
    }
    view.setUint16(i * 8, r.x, true);
    view.setUint16(i * 8 + 2, r.y, true);
    view.setUint16(i * 8 + 4, r.width, true);
    view.setUint16(i * 8 + 6, r.height, true);
  });
  return out;
}

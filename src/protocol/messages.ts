// The typed values of every viewer-protocol message; `type` is the discriminant. Byte layouts are in
// docs/protocol.md; encode.ts and decode.ts are the only code that knows them.

/** Pointer button bits, X numbering (bit n-1 is X button n for 1–3; 4 and 5 are back/forward). */
export const PointerButton = {
  Left: 1 << 0,
  Middle: 1 << 1,
  Right: 1 << 2,
  Back: 1 << 3,
  Forward: 1 << 4,
} as const;
export const POINTER_BUTTON_MASK = 0x1f;

/** Wheel deltas count 1/120ths of a notch (as Windows' WHEEL_DELTA) so touchpads can scroll finely. */
export const WHEEL_NOTCH = 120;

export interface ClientHello {
  readonly type: 'client-hello';
  readonly protocolVersion: number;
  /** Calendar version of the client, e.g. `2026.0.0`. */
  readonly clientVersion: string;
  /** Codecs the client can decode, most preferred first (see codecs.ts). */
  readonly codecs: readonly string[];
  readonly viewportWidth: number;
  readonly viewportHeight: number;
  /** Session the client wants; empty when the URL named none. */
  readonly sessionId: string;
  readonly authToken?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface ServerHello {
  readonly type: 'server-hello';
  readonly protocolVersion: number;
  readonly serverVersion: string;
  readonly sessionId: string;
  readonly connectionId: number;
  readonly screenWidth: number;
  readonly screenHeight: number;
  /** The codec the server will send, one of the client's. */
  readonly codec: string;
  /** What this viewer may do (features.ts). */
  readonly features: number;
}

export interface VideoFrame {
  readonly type: 'video-frame';
  readonly keyframe: boolean;
  readonly sequence: number;
  /** When the screen was captured, µs since the server's epoch (integral values are exact up to 2^53). */
  readonly timestampUs: number;
  readonly width: number;
  readonly height: number;
  /**
   * The screen areas this frame changed; empty means all of it (always so for a key frame). A viewer paints
   * only these from the decoded picture, so lossless refinements elsewhere stay pixel-exact.
   */
  readonly rects: readonly Rect[];
  /** One H.264 Annex-B access unit (start codes included). */
  readonly data: Uint8Array;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** More changed areas than this in one frame are sent as "all of it". */
export const MAX_VIDEO_RECTS = 256;

export interface LosslessRect {
  readonly type: 'lossless-rect';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly png: Uint8Array;
}

export interface CursorShape {
  readonly type: 'cursor-shape';
  readonly cursorId: number;
  readonly hotspotX: number;
  readonly hotspotY: number;
  /** 0×0 means the cursor is hidden. */
  readonly width: number;
  readonly height: number;
  /** width×height×4 bytes, row-major, straight (not premultiplied) alpha. */
  readonly rgba: Uint8Array;
}

// What the server's pipeline produces, from capture to the wire, is the protocol's own value less the message
// tag, so there is one shape of a frame, a patch and a cursor from the X server to the browser.
/** One encoded frame; timestampUs is the capture time on the server's clock (performance.timeOrigin + now()). */
export type VideoChunk = Omit<VideoFrame, 'type'>;
/** One lossless refinement, a PNG. */
export type LosslessPatch = Omit<LosslessRect, 'type'>;
export type CursorImage = Omit<CursorShape, 'type'>;

export interface CursorPosition {
  readonly type: 'cursor-position';
  readonly x: number;
  readonly y: number;
}

export interface ScreenSize {
  readonly type: 'screen-size';
  readonly width: number;
  readonly height: number;
}

export interface Key {
  readonly type: 'key';
  /** X keysym (29 bits; Unicode characters as 0x01000000 + code point). */
  readonly keysym: number;
  readonly down: boolean;
}

export interface Pointer {
  readonly type: 'pointer';
  readonly x: number;
  readonly y: number;
  /** PointerButton bits currently held. */
  readonly buttons: number;
}

export interface Wheel {
  readonly type: 'wheel';
  /** 1/120 notch units; positive is right / down, as DOM WheelEvent deltas. */
  readonly dx: number;
  readonly dy: number;
}

export interface ClipboardText {
  readonly type: 'clipboard-text';
  readonly text: string;
}

/** An image copied in the session, or pasted by the viewer: a PNG (what browsers' clipboards carry). */
export interface ClipboardImage {
  readonly type: 'clipboard-image';
  readonly png: Uint8Array;
}

export interface FrameShown {
  readonly type: 'frame-shown';
  readonly sequence: number;
  /** The VideoFrame's timestampUs, echoed so the server can measure capture → canvas latency. */
  readonly timestampUs: number;
}

export interface RequestKeyframe {
  readonly type: 'request-keyframe';
}

export interface Ping {
  readonly type: 'ping';
  readonly nonce: number;
  /** The sender's clock, µs. */
  readonly timestampUs: number;
}

export interface Pong {
  readonly type: 'pong';
  /** The Ping's nonce. */
  readonly nonce: number;
  /** The responder's clock, µs, so the pinger can estimate the clock offset as well as the round trip. */
  readonly timestampUs: number;
}

export interface Close {
  readonly type: 'close';
  readonly code: number;
  readonly reason: string;
}

/** One viewer of the session, as ConnectionList names it. */
export interface ListedConnection {
  readonly connectionId: number;
  readonly username: string;
  /** `address:port` the viewer connects from. */
  readonly address: string;
  /** Whether this viewer is logged in as the session's owner. */
  readonly owner: boolean;
}

/** Who is connected to the session (DCV's collaborators); sent on joining and whenever someone joins or leaves. */
export interface ConnectionList {
  readonly type: 'connection-list';
  /** Whether the receiving viewer may disconnect others (it is the session's owner). */
  readonly canDisconnect: boolean;
  readonly connections: readonly ListedConnection[];
}

/** The owner asks the server to disconnect another viewer of the session. */
export interface DisconnectViewer {
  readonly type: 'disconnect-viewer';
  readonly connectionId: number;
}

export type ClientMessage =
  ClientHello | Key | Pointer | Wheel | FrameShown | RequestKeyframe | DisconnectViewer;
export type ServerMessage =
  ServerHello | VideoFrame | LosslessRect | CursorShape | CursorPosition | ScreenSize | ConnectionList;
export type SharedMessage = ClipboardText | ClipboardImage | Ping | Pong | Close;
export type Message = ClientMessage | ServerMessage | SharedMessage;

/** What a server may receive. */
export type FromClient = ClientMessage | SharedMessage;
/** What a client may receive. */
export type FromServer = ServerMessage | SharedMessage;

// One viewer on one WebSocket: the handshake (version rule, session, license, client limit), then video
// and cursor out, input in. Every message is checked against what this viewer was granted; a malformed
// or oversized message closes this connection alone.
import type { WebSocket, RawData } from 'ws';
import {
  CODEC_H264,
  ALL_FEATURES,
  CloseCode,
  closeCodeFor,
  decodeClientMessage,
  encodeMessage,
  evaluateClientHello,
  Feature,
  hasFeature,
  PROTOCOL_VERSION,
  type ClientHello,
  type ClipboardImage,
  type ClipboardText,
  type ConnectionList,
  type FromClient,
  type Message,
  type CursorImage,
  type LosslessPatch,
  type VideoChunk,
} from '../../protocol/index.js';
import type { ClipboardMime } from '../../agent/agent-api.js';
import type { Session } from '../../session/session.js';
import { SERVER_VERSION } from '../../version/current.js';
import type { Logger } from '../logger.js';
import type { MediaSink, SessionMedia } from './session-media.js';
import { InputPacer, type PacedInput } from './input-pacer.js';

/** More than this unsent on the socket and the viewer skips frames until the next key frame. */
const BACKLOG_BYTES = 512 * 1024;
/** Frames sent but not yet shown by the viewer before capture waits for it (the pipeline's depth). */
const FRAMES_IN_FLIGHT = 2;
/** A viewer that stops acknowledging frames for this long is paced no more (it may not report at all). */
const ACK_TIMEOUT_MS = 1000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * What this server sends: H.264 only. The protocol defines `png` (every update a LosslessRect), but the
 * streamer always sends video, so a viewer that offers only `png` is refused with NoCommonCodec rather than
 * sent a stream it cannot decode (docs/protocol.md, "Codecs").
 */
export const SERVER_CODECS: readonly string[] = [CODEC_H264];

export interface Admission {
  readonly session: Session;
  readonly media: SessionMedia;
  /** The account this viewer acts as. */
  readonly username: string;
  readonly features: number;
}

export type Refusal = { readonly closeCode: number; readonly reason: string };

export interface ViewerHost {
  /** Decides whether this hello may join; a Refusal closes the connection with its reason. */
  admit(hello: ClientHello, connection: ViewerConnection): Promise<Admission | Refusal>;
  joined(connection: ViewerConnection): void;
  left(connection: ViewerConnection): void;
  /** A paste from a viewer allowed clipboard-paste: resolves once it is the session's clipboard (or failed). */
  paste(connection: ViewerConnection, mime: ClipboardMime, data: Uint8Array): Promise<void>;
  /** The viewer asks to disconnect another viewer of its session; the host decides whether it may. */
  disconnectViewer(by: ViewerConnection, connectionId: number): void;
  readonly log: Logger;
}

/**
 * Messages that arrive while a paste is on its way to the session wait for it: past this many the connection
 * is no longer read until the paste is done; past the second bound the viewer is flooding and is closed.
 */
const HELD_PAUSE_ABOVE = 4096;
const MAX_HELD_MESSAGES = 65_536;
/** Pings answered per connection per second (a viewer measures its round trip once a second or so). */
const PINGS_PER_SECOND = 20;
/** A viewer may ask for a fresh key frame (which every viewer of the session pays for) this often. */
const KEYFRAME_INTERVAL_MS = 1000;

export class ViewerConnection implements MediaSink {
  readonly connectionTime = new Date();
  lastInteraction = new Date();
  clientVersion = '';
  userAgent = '';
  admission: Admission | null = null;
  /** capture → shown latencies reported by the viewer (ms), most recent last. */
  readonly latencies: number[] = [];
  private detach: (() => void) | null = null;
  private leftReported = false;
  /** Frame pacing: the last sequence sent, the last one the viewer reported shown, and when it did. */
  private lastSentSeq = -1;
  private lastShownSeq = -1;
  private lastSentAt = 0;
  private closed = false;
  private handshakeTimer: NodeJS.Timeout | null;
  /** Set while a paste is on its way to the session's clipboard: the Ctrl+V after it must not overtake it. */
  private pasting: Promise<void> | null = null;
  private held: FromClient[] = [];
  private readonly input: InputPacer;
  /** Why the connection is not being read now: too much input queued, or too much held behind a paste. */
  private readonly readPaused = { input: false, held: false };
  private socketPaused = false;
  private pings = { windowStart: 0, count: 0 };
  private lastKeyframeAt = -Infinity;
  private keyframeTimer: NodeJS.Timeout | null = null;
  private floodReported = false;

  constructor(
    readonly id: number,
    private readonly socket: WebSocket,
    readonly clientAddress: string,
    private readonly host: ViewerHost,
  ) {
    socket.binaryType = 'nodebuffer';
    this.input = new InputPacer({
      deliver: (m) => this.inject(m),
      pressure: (paused) => {
        this.readPaused.input = paused;
        if (paused) this.reportFlood('input');
        this.applyReadPressure();
      },
      overflow: () =>
        this.close(CloseCode.ProtocolError, 'Too much input at once: the viewer ignored back-pressure.'),
    });
    socket.on('message', (data: RawData, isBinary: boolean) => void this.receive(data, isBinary));
    socket.on('close', () => this.cleanup());
    socket.on('error', () => this.cleanup());
    this.handshakeTimer = setTimeout(
      () => this.close(CloseCode.HandshakeTimeout, 'No ClientHello within 10 seconds.'),
      HANDSHAKE_TIMEOUT_MS,
    );
  }

  get username(): string {
    return this.admission?.username ?? '';
  }

  get sessionId(): string {
    return this.admission?.session.id ?? '';
  }

  private send(message: Message): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage(message);
    } catch (e) {
      // A value our own pipeline produced that the protocol cannot carry: drop that one message, keep serving.
      this.host.log.error(`Connection ${this.id}: cannot send ${message.type}: ${(e as Error).message}`);
      return;
    }
    this.socket.send(bytes, { binary: true });
  }

  /** Ends the connection with a Close message the viewer can show, then the WebSocket close. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.send({ type: 'close', code, reason });
    this.closed = true;
    // The WebSocket close reason is limited to 123 bytes; the Close message above carries it whole.
    const short = Buffer.from(reason)
      .subarray(0, 120)
      .toString()
      .replace(/\uFFFD+$/, '');
    try {
      this.socket.close(code, short);
    } catch {
      this.socket.terminate();
    }
    this.cleanup();
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    if (!isBinary || !Buffer.isBuffer(data)) {
      this.close(CloseCode.ProtocolError, 'Only binary viewer-protocol messages are accepted.');
      return;
    }
    const decoded = decodeClientMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (!decoded.ok) {
      this.host.log.warn(
        `Connection ${this.id} from ${this.clientAddress}: ${decoded.error.message}; closing it`,
      );
      this.close(closeCodeFor(decoded.error), decoded.error.message);
      return;
    }
    const m = decoded.message;
    if (this.admission === null) {
      if (m.type !== 'client-hello' || this.handshakeTimer === null) {
        this.close(CloseCode.ProtocolError, `Expected ClientHello first, got ${m.type}.`);
        return;
      }
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = null;
      await this.handshake(m);
      return;
    }
    this.handle(m, this.admission);
  }

  private async handshake(hello: ClientHello): Promise<void> {
    this.clientVersion = hello.clientVersion;
    const verdict = evaluateClientHello(hello, { serverVersion: SERVER_VERSION, codecs: SERVER_CODECS });
    if (!verdict.ok) {
      this.host.log.warn(`Connection ${this.id} from ${this.clientAddress} refused: ${verdict.reason}`);
      this.close(verdict.closeCode, verdict.reason);
      return;
    }
    const result = await this.host.admit(hello, this);
    if (this.closed) return;
    if ('closeCode' in result) {
      this.host.log.warn(`Connection ${this.id} from ${this.clientAddress} refused: ${result.reason}`);
      this.close(result.closeCode, result.reason);
      return;
    }
    this.admission = result;
    const screen = result.media.screen();
    this.send({
      type: 'server-hello',
      protocolVersion: PROTOCOL_VERSION,
      serverVersion: SERVER_VERSION,
      sessionId: result.session.id,
      connectionId: this.id,
      screenWidth: screen.width,
      screenHeight: screen.height,
      codec: verdict.codec,
      features: result.features & ALL_FEATURES,
    });
    this.host.joined(this);
    if (hasFeature(result.features, Feature.Display)) this.detach = result.media.attach(this);
  }

  /**
   * New rights from `dcv set-permissions`: every later message is judged by them. Keys and buttons still held
   * are released when input is taken away, so none stays pressed in the session.
   */
  setFeatures(features: number): void {
    const a = this.admission;
    if (a === null || this.closed) return;
    this.admission = { ...a, features };
    const lost = a.features & ~features;
    if (lost & (Feature.Keyboard | Feature.Mouse)) a.media.releaseAll();
    if (!hasFeature(features, Feature.Display) && this.detach !== null) {
      this.detach();
      this.detach = null;
    } else if (hasFeature(features, Feature.Display) && this.detach === null) {
      this.detach = a.media.attach(this);
    }
  }

  private handle(m: FromClient, a: Admission): void {
    if (this.pasting !== null && m.type !== 'ping' && m.type !== 'pong' && m.type !== 'close') {
      this.held.push(m);
      if (this.held.length > MAX_HELD_MESSAGES) {
        this.close(CloseCode.ProtocolError, 'Too much input at once: the viewer ignored back-pressure.');
      } else if (this.held.length > HELD_PAUSE_ABOVE && !this.readPaused.held) {
        this.readPaused.held = true;
        this.reportFlood('input behind a paste');
        this.applyReadPressure();
      }
      return;
    }
    switch (m.type) {
      case 'key':
      case 'pointer':
      case 'wheel':
        this.lastInteraction = new Date();
        if (hasFeature(a.features, m.type === 'key' ? Feature.Keyboard : Feature.Mouse)) this.input.push(m);
        return;
      case 'ping':
        this.pong(m.nonce);
        return;
      case 'frame-shown':
        this.latencies.push((nowUs() - m.timestampUs) / 1000);
        if (this.latencies.length > 600) this.latencies.splice(0, this.latencies.length - 600);
        if (m.sequence > this.lastShownSeq && m.sequence <= this.lastSentSeq) this.lastShownSeq = m.sequence;
        a.media.frameShown();
        return;
      case 'request-keyframe':
        this.requestKeyframe();
        return;
      case 'pong':
        return;
      case 'clipboard-text':
      case 'clipboard-image':
        this.paste(m, a);
        return;
      case 'close':
        this.close(CloseCode.Normal, 'Closed by the viewer.');
        return;
      case 'disconnect-viewer':
        this.host.disconnectViewer(this, m.connectionId);
        return;
      case 'client-hello':
        this.close(CloseCode.ProtocolError, 'ClientHello sent twice.');
        return;
    }
  }

  /** A paste: only with clipboard-paste; later input waits until it is the session's clipboard. */
  private paste(m: ClipboardText | ClipboardImage, a: Admission): void {
    if (!hasFeature(a.features, Feature.ClipboardPaste)) {
      this.host.log.warn(
        `Connection ${this.id} (user: ${this.username}) may not paste into session '${this.sessionId}' (no clipboard-paste permission); dropped`,
      );
      return;
    }
    const [mime, data]: [ClipboardMime, Uint8Array] =
      m.type === 'clipboard-text'
        ? ['text/plain;charset=utf-8', new TextEncoder().encode(m.text)]
        : ['image/png', m.png];
    this.pasting = this.host.paste(this, mime, data).finally(() => {
      this.pasting = null;
      const held = this.held.splice(0);
      if (this.readPaused.held) {
        this.readPaused.held = false;
        this.applyReadPressure();
      }
      for (const [i, h] of held.entries()) {
        if (this.closed) return;
        this.handle(h, this.admission ?? a);
        // Another paste among them: the rest wait for it in turn.
        if (this.pasting !== null) {
          this.held.unshift(...held.slice(i + 1));
          return;
        }
      }
    });
  }

  /** Paced input reaches the session here, judged by the rights the viewer has when it is injected. */
  private inject(m: PacedInput): void {
    const a = this.admission;
    if (a === null || this.closed) return;
    if (m.type === 'key') {
      if (hasFeature(a.features, Feature.Keyboard)) a.media.key(m.keysym, m.down);
    } else if (hasFeature(a.features, Feature.Mouse)) {
      if (m.type === 'pointer') a.media.pointer(m.x, m.y, m.buttons);
      else a.media.wheel(m.dx, m.dy);
    }
  }

  /** Pings past PINGS_PER_SECOND, or while the viewer is not reading what it was sent, get no pong. */
  private pong(nonce: number): void {
    const now = performance.now();
    if (now - this.pings.windowStart >= 1000) this.pings = { windowStart: now, count: 0 };
    if (++this.pings.count > PINGS_PER_SECOND || this.isBacklogged()) {
      this.reportFlood('pings');
      return;
    }
    this.send({ type: 'pong', nonce, timestampUs: nowUs() });
  }

  /**
   * Re-attaching makes the pipeline start this viewer at a fresh key frame. At most one per
   * KEYFRAME_INTERVAL_MS: the requests in between are served together at its end.
   */
  private requestKeyframe(): void {
    if (this.keyframeTimer !== null) return;
    const wait = this.lastKeyframeAt + KEYFRAME_INTERVAL_MS - performance.now();
    const reattach = (): void => {
      this.keyframeTimer = null;
      this.lastKeyframeAt = performance.now();
      const a = this.admission;
      if (a === null || this.closed || this.detach === null) return;
      this.detach();
      this.detach = a.media.attach(this);
    };
    if (wait <= 0) reattach();
    else this.keyframeTimer = setTimeout(reattach, wait);
  }

  private applyReadPressure(): void {
    const pause = this.readPaused.input || this.readPaused.held;
    if (pause === this.socketPaused || this.closed) return;
    this.socketPaused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  /** Once per connection: the log says a viewer floods, never once per message. */
  private reportFlood(what: string): void {
    if (this.floodReported) return;
    this.floodReported = true;
    this.host.log.warn(
      `Connection ${this.id} from ${this.clientAddress} (user: ${this.username}) sends ${what} faster than it is served; paced`,
    );
  }

  /** Something was copied in the session: sent only to a viewer allowed clipboard-copy. */
  clipboardCopied(mime: ClipboardMime, data: Uint8Array): void {
    const a = this.admission;
    if (a === null || !hasFeature(a.features, Feature.ClipboardCopy)) return;
    if (mime === 'image/png') this.send({ type: 'clipboard-image', png: data });
    else this.send({ type: 'clipboard-text', text: new TextDecoder().decode(data) });
  }

  /** Who is connected to the session now (after this viewer's ServerHello only). */
  tellConnections(list: ConnectionList): void {
    if (this.admission !== null) this.send(list);
  }

  // --- MediaSink -------------------------------------------------------------------------------
  video(chunk: VideoChunk): void {
    if (chunk.keyframe || chunk.sequence < this.lastShownSeq) this.lastShownSeq = chunk.sequence - 1; // a fresh start
    this.lastSentSeq = chunk.sequence;
    this.lastSentAt = performance.now();
    this.send({ type: 'video-frame', ...chunk });
  }
  lossless(patch: LosslessPatch): void {
    this.send({ type: 'lossless-rect', ...patch });
  }
  cursorShape(c: CursorImage): void {
    this.send({ type: 'cursor-shape', ...c });
  }
  cursorPosition(x: number, y: number): void {
    this.send({ type: 'cursor-position', x, y });
  }
  screenSize(width: number, height: number): void {
    this.send({ type: 'screen-size', width, height });
  }
  isBacklogged(): boolean {
    return this.socket.bufferedAmount > BACKLOG_BYTES;
  }
  isReady(): boolean {
    return (
      this.lastSentSeq - this.lastShownSeq < FRAMES_IN_FLIGHT ||
      performance.now() - this.lastSentAt > ACK_TIMEOUT_MS
    );
  }

  private cleanup(): void {
    if (this.handshakeTimer !== null) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = null;
    }
    if (this.keyframeTimer !== null) {
      clearTimeout(this.keyframeTimer);
      this.keyframeTimer = null;
    }
    this.input.dispose();
    this.closed = true;
    if (this.detach !== null) {
      this.detach();
      this.detach = null;
    }
    // close() and the socket's own 'close' both end up here; the hub hears of a departure once.
    if (this.admission !== null && !this.leftReported) {
      this.leftReported = true;
      this.admission.media.releaseAll();
      this.host.left(this);
    }
  }
}

export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

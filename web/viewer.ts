// Drives one viewer (the role noVNC's rfb.js plays): connects and handshakes, routes server messages to the
// renderer, cursor and clipboard, sends input, pings, reconnects with backoff, and keeps the state that the
// status line, the stats overlay and window.opendcv show.
import { CloseCode, isRetryableClose } from '../src/protocol/close-code.js';
import { CODEC_H264, CODEC_PNG } from '../src/protocol/codecs.js';
import { Feature, hasFeature } from '../src/protocol/features.js';
import { PROTOCOL_VERSION } from '../src/protocol/message-type.js';
import type { FromServer, Message } from '../src/protocol/messages.js';
import { reconnectDelay } from './connection/backoff.js';
import { ClipboardSync } from './input/clipboard.js';
import { mountClipboardPanel } from './ui/clipboard-panel.js';
import { CursorPainter } from './render/cursor.js';
import { Display } from './render/display.js';
import { fullscreenButton } from './ui/fullscreen.js';
import { KeyboardInput } from './input/keyboard.js';
import { PointerInput } from './input/pointer.js';
import type { FromRenderer } from './render/render-messages.js';
import { RenderHost } from './render/render-host.js';
import { Stats, formatStats, nowUs } from './ui/stats.js';
import { StatusBanner } from './ui/status-banner.js';
import { ViewerSocket } from './connection/viewer-socket.js';
import { installViewerApi, type ViewerState } from './viewer-state.js';

const PING_INTERVAL_MS = 2000;
const HELLO_TIMEOUT_MS = 10_000;
/** Don't ask for key frames more often than this; one is enough to recover. */
const KEYFRAME_REQUEST_GAP_MS = 500;

/** How the viewer proves who it is, and what it does when the server says that is not enough. */
export interface ViewerAuth {
  token(): string | undefined;
  onAuthenticationFailed(reason: string): void;
}

export class Viewer {
  private readonly state: ViewerState;
  private readonly display: Display;
  private readonly renderer: RenderHost;
  /** Probed pixels per painted frame, for the benchmark (see setProbe). */
  private readonly probeLog: { at: number; rgb: readonly number[] }[] = [];
  private readonly cursor: CursorPainter;
  private readonly clipboard: ClipboardSync;
  private readonly keyboard: KeyboardInput;
  private readonly stats = new Stats();
  private readonly overlay: HTMLElement;
  private socket: ViewerSocket | undefined;
  private attempt = 0;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pings = new Map<number, number>();
  private nonce = 1;
  private lastKeyframeRequest = 0;
  private codecs: string[] = [CODEC_PNG];

  constructor(
    private readonly sessionId: string,
    private readonly status: StatusBanner,
    root: HTMLElement,
    /** The login of this page (web/login-token.ts); absent when the server asks for none. */
    private readonly auth?: ViewerAuth,
  ) {
    this.state = {
      state: 'idle',
      sessionId,
      connectionId: undefined,
      serverVersion: undefined,
      clientVersion: __OPENDCV_VERSION__,
      codec: undefined,
      features: 0,
      closeCode: undefined,
      closeReason: undefined,
      remoteWidth: 0,
      remoteHeight: 0,
      framesReceived: 0,
      framesDecoded: 0,
      lastFrameSeq: undefined,
      losslessRects: 0,
      bytesReceived: 0,
      fps: 0,
      rttMs: undefined,
      frameLatencyMs: undefined,
      reconnects: 0,
      decoder: undefined,
      painter: undefined,
      cursor: 'default',
      clipboardText: '',
      clipboardImageBytes: 0,
    };
    const stage = document.createElement('div');
    stage.id = 'stage';
    root.appendChild(stage);
    this.display = new Display(stage);
    this.renderer = new RenderHost(this.display.canvas, (m) => this.fromRenderer(m));
    this.state.decoder = this.renderer.where;
    this.cursor = new CursorPainter(this.display.canvas);
    this.clipboard = new ClipboardSync(
      {
        text: (text) => this.send({ type: 'clipboard-text', text }),
        image: (png) => this.send({ type: 'clipboard-image', png }),
      },
      () => this.granted(Feature.ClipboardPaste),
    );
    const clipboardPanel = mountClipboardPanel(root, this.clipboard, () =>
      this.granted(Feature.ClipboardPaste),
    );
    this.keyboard = new KeyboardInput(this.display.canvas, {
      send: (keysym, down) => this.send({ type: 'key', keysym, down }),
      enabled: () => this.granted(Feature.Keyboard),
      beforePaste: (proceed) => this.clipboard.beforePaste(proceed),
    });
    new PointerInput(this.display, {
      sendPointer: (x, y, buttons) => this.send({ type: 'pointer', x, y, buttons }),
      sendWheel: (dx, dy) => this.send({ type: 'wheel', dx, dy }),
      enabled: () => this.granted(Feature.Mouse),
    });
    this.overlay = document.createElement('div');
    this.overlay.id = 'stats';
    root.appendChild(this.overlay);
    const toggle = document.createElement('button');
    toggle.id = 'stats-toggle';
    toggle.textContent = 'stats';
    toggle.title = 'Show or hide streaming metrics';
    toggle.addEventListener('click', () => this.overlay.classList.toggle('hidden'));
    status.element.appendChild(this.scaleButton());
    status.element.appendChild(fullscreenButton(stage, this.display.canvas));
    status.element.appendChild(toggle);
    status.element.appendChild(
      panelButton('clipboard-toggle', 'clipboard', 'Copy and paste between this device and the session', () =>
        clipboardPanel.toggle(),
      ),
    );
    setInterval(() => this.tick(), 1000);
    installViewerApi(this.state, {
      screenshot: async () => {
        const s = await this.renderer.snapshot('png');
        return blobToDataUrl(s.png!);
      },
      pixels: async () => {
        const s = await this.renderer.snapshot('rgba');
        return { width: s.width, height: s.height, rgbaBase64: bytesToBase64(new Uint8Array(s.rgba!)) };
      },
      setProbe: (y, xs) => this.renderer.post({ kind: 'probe', y, xs: [...xs] }),
      takeProbes: () => this.probeLog.splice(0),
      clipboardImage: () => {
        const c = this.clipboard.received;
        return c?.kind === 'image' ? bytesToBase64(c.png) : '';
      },
    });
    window.addEventListener('pagehide', () => this.socket?.close(CloseCode.GoingAway, 'the page was closed'));
  }

  /** "1:1" shows remote pixels as they are (scrolling when the window is smaller); "fit" scales down again. */
  private scaleButton(): HTMLButtonElement {
    const button = document.createElement('button');
    button.id = 'scale-toggle';
    const label = (): void => {
      button.textContent = this.display.scale === 'fit' ? '1:1' : 'fit';
      button.title =
        this.display.scale === 'fit'
          ? 'Show the remote screen pixel for pixel, scrolling if the window is smaller'
          : 'Scale the remote screen down to fit the window';
    };
    label();
    button.addEventListener('click', () => {
      this.display.setScale(this.display.scale === 'fit' ? 'native' : 'fit');
      label();
      this.display.canvas.focus();
    });
    return button;
  }

  async start(): Promise<void> {
    this.codecs = await decodableCodecs();
    this.connect();
  }

  private connect(): void {
    this.setState(
      this.state.reconnects > 0 ? 'reconnecting' : 'connecting',
      `Connecting to session ${this.sessionId}…`,
    );
    const url = new URL('ws', document.baseURI);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    url.search = '';
    this.socket = new ViewerSocket(url.href, {
      onOpen: () => this.hello(),
      onMessage: (m, buffer) => this.receive(m, buffer),
      onClose: (code, reason) => this.closed(code, reason),
    });
  }

  private hello(): void {
    const vp = this.display.viewport();
    this.send({
      type: 'client-hello',
      protocolVersion: PROTOCOL_VERSION,
      clientVersion: __OPENDCV_VERSION__,
      codecs: this.codecs,
      viewportWidth: Math.min(vp.width, 0xffff),
      viewportHeight: Math.min(vp.height, 0xffff),
      sessionId: this.sessionId,
      authToken: this.auth?.token(),
    });
    this.helloTimer = setTimeout(
      () => this.socket?.close(CloseCode.HandshakeTimeout, 'the server did not answer the handshake'),
      HELLO_TIMEOUT_MS,
    );
  }

  private receive(m: FromServer, buffer: ArrayBuffer): void {
    this.stats.received(buffer.byteLength);
    switch (m.type) {
      case 'server-hello':
        clearTimeout(this.helloTimer);
        this.attempt = 0;
        this.state.connectionId = m.connectionId;
        this.state.serverVersion = m.serverVersion;
        this.state.codec = m.codec;
        this.state.features = m.features;
        this.state.closeCode = undefined;
        this.state.closeReason = undefined;
        this.stats.resetClock();
        this.resize(m.screenWidth, m.screenHeight);
        this.renderer.post({ kind: 'reset' });
        this.setState('connected', `Connected to ${m.sessionId}`);
        this.startPings();
        break;
      case 'video-frame':
        this.state.framesReceived = ++this.stats.framesReceived;
        this.renderer.post({
          kind: 'video',
          keyframe: m.keyframe,
          sequence: m.sequence,
          timestampUs: m.timestampUs,
          width: m.width,
          height: m.height,
          rects: m.rects,
          buffer,
          offset: m.data.byteOffset,
          length: m.data.byteLength,
        });
        break;
      case 'lossless-rect':
        this.renderer.post({
          kind: 'lossless',
          x: m.x,
          y: m.y,
          width: m.width,
          height: m.height,
          buffer,
          offset: m.png.byteOffset,
          length: m.png.byteLength,
        });
        break;
      case 'screen-size':
        this.resize(m.width, m.height);
        break;
      case 'cursor-shape':
        this.cursor.apply(m);
        this.state.cursor = this.cursor.current;
        break;
      case 'cursor-position':
        // The browser owns the local pointer; a remote warp cannot move it, so there is nothing to draw.
        break;
      case 'clipboard-text':
        this.clipboard.receive({ kind: 'text', text: m.text });
        this.state.clipboardText = m.text;
        break;
      case 'clipboard-image':
        // A copy: the message's bytes are a view into the socket's buffer.
        this.clipboard.receive({ kind: 'image', png: m.png.slice() });
        this.state.clipboardImageBytes = m.png.byteLength;
        break;
      case 'ping':
        this.send({ type: 'pong', nonce: m.nonce, timestampUs: nowUs() });
        break;
      case 'pong': {
        const sent = this.pings.get(m.nonce);
        this.pings.delete(m.nonce);
        if (sent !== undefined) this.stats.pong(sent, m.timestampUs);
        break;
      }
      case 'close':
        break; // handled by ViewerSocket
    }
  }

  private fromRenderer(m: FromRenderer): void {
    switch (m.kind) {
      case 'shown':
        this.stats.shown(m.timestampUs);
        this.state.framesDecoded++;
        this.state.lastFrameSeq = m.sequence;
        this.state.painter = m.painter;
        if (m.width !== this.state.remoteWidth || m.height !== this.state.remoteHeight)
          this.display.setRemoteSize(m.width, m.height);
        this.send({ type: 'frame-shown', sequence: m.sequence, timestampUs: m.timestampUs });
        if (m.probe !== undefined && m.paintedAt !== undefined) {
          this.probeLog.push({ at: m.paintedAt, rgb: m.probe });
          if (this.probeLog.length > 4096) this.probeLog.splice(0, 2048);
        }
        break;
      case 'lossless-shown':
        this.state.losslessRects++;
        break;
      case 'need-keyframe':
        this.requestKeyframe(false);
        break;
      case 'error':
        console.warn(`opendcv: ${m.message}`);
        break;
      case 'snapshot':
        break;
    }
  }

  private requestKeyframe(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastKeyframeRequest < KEYFRAME_REQUEST_GAP_MS) return;
    this.lastKeyframeRequest = now;
    this.send({ type: 'request-keyframe' });
  }

  private resize(width: number, height: number): void {
    this.state.remoteWidth = width;
    this.state.remoteHeight = height;
    this.display.setRemoteSize(width, height);
    this.renderer.post({ kind: 'resize', width, height });
  }

  private closed(code: number, reason: string): void {
    clearTimeout(this.helloTimer);
    clearInterval(this.pingTimer);
    this.pings.clear();
    this.keyboard.releaseAll();
    this.socket = undefined;
    this.state.closeCode = code;
    this.state.closeReason = reason;
    this.state.features = 0;
    if (!isRetryableClose(code)) {
      this.setState('closed', `Disconnected: ${reason}`);
      if (code === CloseCode.AuthenticationFailed) this.auth?.onAuthenticationFailed(reason);
      return;
    }
    const delay = reconnectDelay(this.attempt++);
    this.setState('reconnecting', `Disconnected: ${reason} — reconnecting in ${(delay / 1000).toFixed(1)} s`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.state.reconnects++;
      this.connect();
    }, delay);
  }

  private startPings(): void {
    clearInterval(this.pingTimer);
    const ping = (): void => {
      const nonce = this.nonce++ >>> 0;
      const t = nowUs();
      this.pings.set(nonce, t);
      if (this.pings.size > 16) this.pings.delete(this.pings.keys().next().value!);
      this.send({ type: 'ping', nonce, timestampUs: t });
    };
    ping();
    this.pingTimer = setInterval(ping, PING_INTERVAL_MS);
  }

  private tick(): void {
    this.stats.tick();
    this.state.fps = this.stats.fps;
    this.state.rttMs = this.stats.rttMs;
    this.state.frameLatencyMs = this.stats.frameLatencyMs;
    this.state.bytesReceived = this.stats.bytesReceived;
    this.state.framesReceived = this.stats.framesReceived;
    const size = this.state.remoteWidth ? `${this.state.remoteWidth}×${this.state.remoteHeight}` : '';
    this.overlay.textContent = formatStats(
      this.stats,
      `${size} ${this.state.codec ?? ''} (${this.renderer.where})`.trim(),
    );
  }

  private granted(feature: number): boolean {
    return this.state.state === 'connected' && hasFeature(this.state.features, feature);
  }

  private send(m: Message): void {
    this.socket?.send(m);
  }

  private setState(state: ViewerState['state'], message: string): void {
    this.state.state = state;
    this.status.show(state, message);
  }
}

/** What this browser can decode: H.264 through WebCodecs when present and working, PNG always. */
async function decodableCodecs(): Promise<string[]> {
  if (typeof VideoDecoder === 'undefined') return [CODEC_PNG];
  try {
    // Constrained Baseline 3.1: what libx264's ultrafast/zerolatency produces at common sizes.
    const { supported } = await VideoDecoder.isConfigSupported({
      codec: 'avc1.42E01F',
      optimizeForLatency: true,
    });
    return supported ? [CODEC_H264, CODEC_PNG] : [CODEC_PNG];
  } catch {
    return [CODEC_PNG];
  }
}

function blobToDataUrl(b: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(b);
  });
}

function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A status-bar button that opens a panel (until the toolbar hosts the panels). */
function panelButton(id: string, label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.id = id;
  b.textContent = label;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

// Drives one viewer (the role noVNC's rfb.js plays): connects and handshakes, routes server messages to the
// renderer, cursor, clipboard and plugged-in modules, sends input, pings, reconnects (with back-off, or by
// checking slowly for a session that is gone: retry-policy.ts), and keeps the state that the top bar, the
// connection card, the toolbar's panels and window.opendcv show.
import { CloseCode } from '../src/protocol/close-code.js';
import { CODEC_H264, CODEC_PNG } from '../src/protocol/codecs.js';
import { Feature, hasFeature } from '../src/protocol/features.js';
import { PROTOCOL_VERSION } from '../src/protocol/message-type.js';
import type { FromServer, Message } from '../src/protocol/messages.js';
import { reconnectDelay } from './connection/backoff.js';
import { POLL_INTERVAL_MS, retryPolicy } from './connection/retry-policy.js';
import { ClipboardSync } from './input/clipboard.js';
import { KeyboardInput } from './input/keyboard.js';
import { PointerInput } from './input/pointer.js';
import { ScreenKeyboard } from './input/screen-keyboard.js';
import { TouchInput } from './input/touch.js';
import { CursorPainter } from './render/cursor.js';
import { Display } from './render/display.js';
import type { FromRenderer } from './render/render-messages.js';
import { RenderHost } from './render/render-host.js';
import { S } from './strings.js';
import { ConnectionCard, type CardContent } from './ui/connection-card.js';
import { toggleFullscreen } from './ui/fullscreen.js';
import { clipboardPanel } from './ui/clipboard-panel.js';
import { keysPanel } from './ui/keys-panel.js';
import { metricsPanel } from './ui/metrics-panel.js';
import { Notifications } from './ui/notifications.js';
import { applyTheme, loadPreferences, preferencesPanel } from './ui/preferences.js';
import { Stats, nowUs } from './ui/stats.js';
import type { ConnectionState, StatusBanner } from './ui/status-banner.js';
import { Toolbar } from './ui/toolbar.js';
import { ViewerSocket } from './connection/viewer-socket.js';
import { VIEWER_MODULES, type ServerMessageOf, type ViewerContext } from './viewer-modules.js';
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
  private readonly stage: HTMLElement;
  private readonly card: ConnectionCard;
  private readonly toolbar: Toolbar;
  private readonly notifications: Notifications;
  private readonly listeners = new Map<string, ((m: FromServer) => void)[]>();
  private readonly stateListeners: ((s: ConnectionState) => void)[] = [];
  private socket: ViewerSocket | undefined;
  private attempt = 0;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pings = new Map<number, number>();
  private nonce = 1;
  private lastKeyframeRequest = 0;
  private codecs: string[] = [CODEC_PNG];
  /** The person pressed Disconnect: the close that follows is theirs, not the server's. */
  private leaving = false;
  /** What the card said about the last close, so a failed retry of the same problem keeps its words. */
  private lastProblem: CardContent | undefined;

  constructor(
    private readonly sessionId: string,
    private readonly status: StatusBanner,
    root: HTMLElement,
    /** The login of this page (web/connection/login-token.ts); absent when the server asks for none. */
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
    root.classList.add('viewing');
    status.setSubject(sessionId);
    this.stage = document.createElement('main');
    this.stage.id = 'stage';
    this.stage.classList.add('offline');
    root.appendChild(this.stage);
    this.card = new ConnectionCard(root);
    this.display = new Display(this.stage);
    this.display.canvas.setAttribute('aria-label', S.remoteScreen);
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
    const key = (keysym: number, down: boolean): void => this.send({ type: 'key', keysym, down });
    this.keyboard = new KeyboardInput(this.display.canvas, {
      send: key,
      enabled: () => this.granted(Feature.Keyboard),
      beforePaste: (proceed) => this.clipboard.beforePaste(proceed),
    });
    const pointer = {
      sendPointer: (x: number, y: number, buttons: number) => this.send({ type: 'pointer', x, y, buttons }),
      sendWheel: (dx: number, dy: number) => this.send({ type: 'wheel', dx, dy }),
      enabled: () => this.granted(Feature.Mouse),
    };
    new PointerInput(this.display, pointer);
    new TouchInput(this.display, pointer);
    const screenKeyboard = new ScreenKeyboard(this.stage, S.onScreenKeyboardTitle, (k, down) => {
      if (this.granted(Feature.Keyboard)) key(k, down);
    });

    const focusScreen = (): void => this.display.canvas.focus({ preventScroll: true });
    this.toolbar = new Toolbar(status.element, focusScreen);
    this.addBuiltInTools(root, focusScreen, screenKeyboard);
    this.notifications = new Notifications(this.toolbar);
    const prefs = loadPreferences();
    applyTheme(prefs.theme);
    this.toolbar.setAutoHide(prefs.autoHideToolbar);
    this.toolbar.addPanel(
      preferencesPanel(prefs, (p) => {
        applyTheme(p.theme);
        this.toolbar.setAutoHide(p.autoHideToolbar);
      }),
    );
    for (const start of VIEWER_MODULES) start(this.context(focusScreen));

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
    window.addEventListener('pagehide', () => this.socket?.close(CloseCode.GoingAway, S.pageClosed));
  }

  /** The toolbar's own entries: scale, full screen, keys, on-screen keyboard, metrics and disconnect. */
  private addBuiltInTools(root: HTMLElement, focusScreen: () => void, screenKeyboard: ScreenKeyboard): void {
    const scale = this.toolbar.addButton({
      id: 'scale',
      label: S.oneToOne,
      title: S.oneToOneTitle,
      icon: 'fit',
      order: 10,
      onClick: () => {
        this.display.setScale(this.display.scale === 'fit' ? 'native' : 'fit');
        label();
        focusScreen();
      },
    });
    const label = (): void => {
      const fit = this.display.scale === 'fit';
      scale.button.querySelector('.label')!.textContent = fit ? S.oneToOne : S.fit;
      scale.button.title = fit ? S.oneToOneTitle : S.fitTitle;
    };
    this.toolbar.addButton({
      id: 'fullscreen',
      label: S.fullscreen,
      title: S.fullscreenTitle,
      icon: 'fullscreen',
      order: 20,
      onClick: () => toggleFullscreen(root, this.display.canvas),
    });
    this.toolbar.addPanel(clipboardPanel(this.clipboard, () => this.granted(Feature.ClipboardPaste)));
    this.toolbar.addPanel(keysPanel({ key: (k, down) => this.keyIfAllowed(k, down), focusScreen }));
    this.toolbar.addButton({
      id: 'screen-keyboard',
      label: S.onScreenKeyboard,
      title: S.onScreenKeyboardTitle,
      icon: 'keyboard',
      order: 45,
      onClick: () => screenKeyboard.open(),
    });
    this.toolbar.addPanel(
      metricsPanel({
        stats: this.stats,
        describe: () => ({
          screen: this.state.remoteWidth ? `${this.state.remoteWidth}×${this.state.remoteHeight}` : '–',
          codec: `${this.state.codec ?? '–'} (${this.renderer.where})`,
          frames: this.state.framesDecoded,
        }),
      }),
    );
    this.toolbar.addButton({
      id: 'disconnect',
      label: S.disconnect,
      title: S.disconnectTitle,
      icon: 'power',
      order: 90,
      onClick: () => this.disconnect(),
    });
  }

  private keyIfAllowed(keysym: number, down: boolean): void {
    if (this.granted(Feature.Keyboard)) this.send({ type: 'key', keysym, down });
  }

  /** What a plugged-in module sees of this viewer (viewer-modules.ts). */
  private context(focusScreen: () => void): ViewerContext {
    const state = this.state;
    return {
      sessionId: this.sessionId,
      toolbar: this.toolbar,
      get connectionId() {
        return state.connectionId;
      },
      send: (m) => this.send(m),
      onMessage: <T extends FromServer['type']>(type: T, handler: (m: ServerMessageOf<T>) => void) => {
        const list = this.listeners.get(type) ?? [];
        list.push(handler as (m: FromServer) => void);
        this.listeners.set(type, list);
      },
      onStateChange: (handler) => this.stateListeners.push(handler),
      granted: (feature) => this.granted(feature),
      notify: (text) => this.notifications.add(text),
      focusScreen,
    };
  }

  async start(): Promise<void> {
    this.codecs = await decodableCodecs();
    this.connect();
  }

  /** Tries now, whatever the countdown says ("Retry now", "Reconnect"). */
  private retryNow(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.socket !== undefined) return;
    this.state.reconnects++;
    this.connect();
  }

  private disconnect(): void {
    if (this.socket === undefined) return;
    this.leaving = true;
    this.socket.close(CloseCode.Normal, S.closedByViewer);
  }

  private connect(): void {
    this.leaving = false;
    const again = this.state.reconnects > 0;
    this.setState(again ? 'reconnecting' : 'connecting', S.connecting(this.sessionId));
    // A retry of a known problem keeps saying what the problem is, with a spinner instead of the countdown.
    this.card.show(
      again && this.lastProblem !== undefined
        ? { ...this.lastProblem, nextAttemptAt: undefined, busy: true, actions: [] }
        : { kind: 'connecting', title: S.stateConnecting, detail: S.connecting(this.sessionId), busy: true },
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
      () => this.socket?.close(CloseCode.HandshakeTimeout, S.handshakeTimeout),
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
        this.lastProblem = undefined;
        this.resize(m.screenWidth, m.screenHeight);
        this.renderer.post({ kind: 'reset' });
        this.card.hide();
        this.stage.classList.remove('offline');
        this.setState('connected', S.connectedTo(m.sessionId));
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
        this.notifications.add(S.clipboardReceived);
        break;
      case 'clipboard-image':
        // A copy: the message's bytes are a view into the socket's buffer.
        this.clipboard.receive({ kind: 'image', png: m.png.slice() });
        this.state.clipboardImageBytes = m.png.byteLength;
        this.notifications.add(S.clipboardReceived);
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
    for (const h of this.listeners.get(m.type) ?? []) h(m);
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
    this.state.connectionId = undefined;
    // Never a stale picture under a message: the screen goes until a new connection paints it afresh.
    this.stage.classList.add('offline');
    if (document.fullscreenElement !== null) void document.exitFullscreen();
    const retry = { id: 'retry', label: S.retryNow, run: () => this.retryNow() };
    const reconnect = { id: 'retry', label: S.reconnect, run: () => this.retryNow() };
    if (this.leaving) {
      this.setState('closed', S.disconnected(reason));
      this.card.show({
        kind: 'user-disconnected',
        title: S.stateUserDisconnected,
        advice: S.stateUserDisconnectedAdvice,
        actions: [reconnect],
      });
      return;
    }
    const policy = retryPolicy(code);
    if (policy === 'stop') {
      this.setState('closed', S.disconnected(reason));
      if (code === CloseCode.AuthenticationFailed) {
        this.card.hide();
        this.auth?.onAuthenticationFailed(reason);
        return;
      }
      this.card.show({ ...stopCard(code), detail: reason, actions: [reconnect] });
      return;
    }
    const delay = policy === 'poll' ? POLL_INTERVAL_MS : reconnectDelay(this.attempt++);
    const nextAttemptAt = performance.now() + delay;
    this.lastProblem = { ...waitCard(code, this.sessionId), detail: reason };
    if (policy === 'poll') this.setState('waiting', S.disconnected(reason));
    else this.setState('reconnecting', S.reconnectingIn(reason, Number((delay / 1000).toFixed(1))));
    this.card.show({ ...this.lastProblem, nextAttemptAt, actions: [retry] });
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
  }

  private granted(feature: number): boolean {
    return this.state.state === 'connected' && hasFeature(this.state.features, feature);
  }

  private send(m: Message): void {
    this.socket?.send(m);
  }

  private setState(state: ViewerState['state'], message: string): void {
    const changed = state !== this.state.state;
    this.state.state = state;
    this.status.show(state, message);
    if (changed) for (const h of this.stateListeners) h(state);
  }
}

/** The card for a close the viewer will not retry by itself. */
function stopCard(code: number): Pick<CardContent, 'kind' | 'title' | 'advice'> {
  switch (code) {
    case CloseCode.ClosedByAdministrator:
      return {
        kind: 'closed-by-administrator',
        title: S.stateClosedByAdmin,
        advice: S.stateClosedByAdminAdvice,
      };
    case CloseCode.PermissionDenied:
      return { kind: 'denied', title: S.stateDenied, advice: S.stateDeniedAdvice };
    default:
      return { kind: 'refused', title: S.stateRefused, advice: S.stateRefusedAdvice };
  }
}

/** The card while the viewer waits to try again. */
function waitCard(code: number, sessionId: string): CardContent {
  switch (code) {
    case CloseCode.SessionNotFound:
      return { kind: 'not-found', title: S.stateNotFound, advice: S.stateNotFoundAdvice(sessionId) };
    case CloseCode.SessionClosed:
      return { kind: 'ended', title: S.stateEnded, advice: S.stateEndedAdvice };
    case CloseCode.LicenseRefused:
      return { kind: 'license', title: S.stateLicense, advice: S.stateLicenseAdvice };
    case CloseCode.TooManyClients:
      return { kind: 'busy', title: S.stateBusy, advice: S.stateBusyAdvice };
    case CloseCode.ServerError:
      return { kind: 'server-error', title: S.stateServerError, advice: S.stateServerErrorAdvice };
    case CloseCode.GoingAway:
      return { kind: 'reconnecting', title: S.stateGoingAway, advice: S.stateReconnectingAdvice };
    default:
      return { kind: 'reconnecting', title: S.stateReconnecting, advice: S.stateReconnectingAdvice };
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

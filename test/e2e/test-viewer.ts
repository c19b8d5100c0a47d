// Test support (not a test): one viewer over WSS speaking the viewer protocol as a script would, every
// server message recorded and the close remembered (auth, security and other end-to-end tests use it).
import WebSocket from 'ws';
import {
  decodeServerMessage,
  encodeMessage,
  PROTOCOL_VERSION,
  type FromServer,
  type Message,
  type ServerHello,
} from '../../src/protocol/index.js';
import { SERVER_VERSION } from '../../src/version/current.js';
import { sleep, waitFor } from './harness.js';

export interface Hello {
  sessionId: string;
  username?: string;
  password?: string;
  authToken?: string;
}

export interface ViewerOptions {
  readonly localAddress?: string;
  readonly ackFrames?: boolean;
}

/** One viewer over WSS, as a script would write it: every server message recorded, the close remembered. */
export class TestViewer {
  readonly messages: FromServer[] = [];
  hello: ServerHello | undefined;
  close: { code: number; reason: string } | undefined;
  private readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly done: Promise<void>;

  /** `ackFrames`: report every video frame shown, as a browser does, so the server paces it as a live viewer. */
  constructor(port: number, options: ViewerOptions = {}) {
    this.ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, {
      rejectUnauthorized: false,
      origin: `https://127.0.0.1:${port}`,
      localAddress: options.localAddress,
    });
    this.ws.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data: Buffer) => {
      const r = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (!r.ok) return;
      this.messages.push(r.message);
      if (options.ackFrames === true && r.message.type === 'video-frame')
        this.send({ type: 'frame-shown', sequence: r.message.sequence, timestampUs: r.message.timestampUs });
      if (r.message.type === 'server-hello') this.hello = r.message;
      if (r.message.type === 'close') this.close = { code: r.message.code, reason: r.message.reason };
    });
    this.done = new Promise((resolve) => {
      this.ws.once('close', (code: number, reason: Buffer) => {
        this.close ??= { code, reason: reason.toString() };
        resolve();
      });
    });
  }

  static async open(port: number, hello: Hello, options: ViewerOptions = {}): Promise<TestViewer> {
    const v = new TestViewer(port, options);
    await v.opened;
    v.send({
      type: 'client-hello',
      protocolVersion: PROTOCOL_VERSION,
      clientVersion: SERVER_VERSION,
      codecs: ['h264', 'png'],
      viewportWidth: 640,
      viewportHeight: 480,
      ...hello,
    });
    return v;
  }

  send(m: Message): void {
    this.sendRaw(encodeMessage(m));
  }

  sendRaw(bytes: Uint8Array | string, binary = true): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes, { binary });
  }

  /** Resolves once the handshake is decided: admitted (ServerHello) or closed. */
  async decided(): Promise<this> {
    await waitFor(
      'the handshake to be decided',
      () => (this.hello !== undefined || this.close !== undefined ? true : undefined),
      15_000,
    );
    return this;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  async type(text: string): Promise<void> {
    for (const ch of text) {
      const keysym = ch === '\n' ? 0xff0d : ch.codePointAt(0)!;
      this.send({ type: 'key', keysym, down: true });
      this.send({ type: 'key', keysym, down: false });
    }
    await sleep(50);
  }

  /** Drops the connection without a close handshake (a viewer that stopped reading cannot take part in one). */
  terminate(): Promise<void> {
    this.ws.terminate();
    return this.done;
  }

  end(): Promise<void> {
    this.ws.close(1000);
    return this.done;
  }
}

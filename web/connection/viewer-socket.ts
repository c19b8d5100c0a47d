// One WebSocket attempt speaking the viewer protocol: binary frames in, typed messages out. A frame that does
// not decode ends the connection with a protocol close, as the server does with a bad client.
import { decodeServerMessage } from '../../src/protocol/decode.js';
import { encodeMessage } from '../../src/protocol/encode.js';
import { CloseCode } from '../../src/protocol/close-code.js';
import { closeCodeFor } from '../../src/protocol/protocol-error.js';
import type { FromServer, Message } from '../../src/protocol/messages.js';
import { S } from '../strings.js';

export interface SocketHandlers {
  onOpen(): void;
  /** `buffer` is the whole received frame; payload views in `m` point into it. */
  onMessage(m: FromServer, buffer: ArrayBuffer): void;
  onClose(code: number, reason: string): void;
}

export class ViewerSocket {
  private readonly ws: WebSocket;
  private closed = false;
  /** The peer's Close message, which carries a longer reason than a WebSocket close frame can (123 bytes). */
  private peerClose: { code: number; reason: string } | undefined;

  constructor(
    url: string,
    private readonly handlers: SocketHandlers,
  ) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => handlers.onOpen();
    this.ws.onmessage = (e: MessageEvent) => this.receive(e.data);
    this.ws.onclose = (e) => {
      const c = this.peerClose ?? { code: e.code, reason: e.reason || describeWsClose(e.code) };
      this.finish(c.code, c.reason);
    };
  }

  send(m: Message): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(m));
  }

  /** Ends the connection, telling the peer why. */
  close(code: number, reason: string): void {
    this.send({ type: 'close', code, reason });
    try {
      this.ws.close(code >= 4000 || code === 1000 ? code : 1000, reason.slice(0, 100));
    } catch {
      this.ws.close();
    }
    this.finish(code, reason);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    if (!(data instanceof ArrayBuffer)) {
      this.close(CloseCode.ProtocolError, S.textFrame);
      return;
    }
    const r = decodeServerMessage(new Uint8Array(data));
    if (!r.ok) {
      this.close(closeCodeFor(r.error), S.badServerMessage(r.error.message));
      return;
    }
    if (r.message.type === 'close') {
      this.peerClose = { code: r.message.code, reason: r.message.reason };
      this.ws.close();
      return;
    }
    this.handlers.onMessage(r.message, data);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
    this.handlers.onClose(code, reason);
  }
}

function describeWsClose(code: number): string {
  if (code === 1006) return S.connectionLost;
  if (code === 1001) return S.serverWentAway;
  return S.connectionClosedCode(code);
}

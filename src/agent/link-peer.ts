// One end of the agent link, free of any transport: requests with replies, events, and byte streams that
// ride on a request's channel with credit-based back-pressure. Both ends are the same class; the server
// numbers its requests odd and the agent even, so neither needs to ask the other for an id.
import {
  decodeEnvelope,
  encodeEnvelope,
  encodeFrame,
  FrameKind,
  FrameSplitter,
  LinkProtocolError,
  LinkRemoteError,
  STREAM_WINDOW_BYTES,
  type Frame,
  type FrameKindCode,
} from './link.js';

export interface IncomingRequest {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly body: Uint8Array;
  /** The stream on this request's channel: data the requester sends, and data the handler sends back. */
  readonly stream: LinkStream;
}

export interface Reply {
  readonly result?: unknown;
  readonly body?: Uint8Array;
  /** The handler goes on using the request's stream after replying (a download) and forget()s it itself. */
  readonly keepStream?: boolean;
}

export type RequestHandler = (request: IncomingRequest) => Promise<Reply>;
export type EventHandler = (name: string, params: Record<string, unknown>, body: Uint8Array) => void;

/**
 * Bytes in both directions on one request's channel. Sending waits while STREAM_WINDOW_BYTES are
 * unacknowledged; the receiver acknowledges with credit() once it has consumed (written, forwarded) data.
 */
export class LinkStream {
  private unacked = 0;
  private waiters: (() => void)[] = [];
  private dataHandler: ((chunk: Uint8Array) => void) | null = null;
  private endHandler: ((error: LinkRemoteError | null) => void) | null = null;
  private early: Uint8Array[] = [];
  private ended: { error: LinkRemoteError | null } | null = null;
  private sentEnd = false;
  closed = false;

  constructor(
    private readonly peer: LinkPeer,
    readonly channel: number,
  ) {}

  /** Sends one chunk; resolves once it is on the link (waits for credit when the window is full). */
  async write(chunk: Uint8Array): Promise<void> {
    while (this.unacked + chunk.byteLength > STREAM_WINDOW_BYTES && this.unacked > 0 && !this.closed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.closed || this.sentEnd) throw new LinkRemoteError('STREAM_CLOSED', 'the transfer was ended');
    this.unacked += chunk.byteLength;
    this.peer.sendFrame(FrameKind.Data, this.channel, chunk);
  }

  /** Ends the sending side; with an error the receiver learns the transfer was aborted. */
  end(error?: { code: string; message: string }): void {
    if (this.sentEnd || this.closed) return;
    this.sentEnd = true;
    this.peer.sendFrame(FrameKind.End, this.channel, encodeEnvelope(error ?? {}));
  }

  /** The receiver consumed `bytes`: the sender may send that many more. */
  credit(bytes: number): void {
    if (this.closed || bytes <= 0) return;
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, bytes, true);
    this.peer.sendFrame(FrameKind.Credit, this.channel, b);
  }

  onData(handler: (chunk: Uint8Array) => void): void {
    this.dataHandler = handler;
    for (const c of this.early.splice(0)) handler(c);
  }

  onEnd(handler: (error: LinkRemoteError | null) => void): void {
    this.endHandler = handler;
    if (this.ended !== null) handler(this.ended.error);
  }

  /** @internal frames from the peer */
  receive(frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.Data:
        if (this.ended !== null) throw new LinkProtocolError(`data after the end of stream ${this.channel}`);
        if (this.dataHandler !== null) this.dataHandler(frame.payload);
        else this.early.push(frame.payload);
        return;
      case FrameKind.End: {
        if (this.ended !== null) return;
        const { header } = decodeEnvelope(frame.payload);
        const error =
          typeof header['code'] === 'string'
            ? new LinkRemoteError(header['code'], String(header['message'] ?? header['code']))
            : null;
        this.ended = { error };
        this.endHandler?.(error);
        return;
      }
      case FrameKind.Credit: {
        if (frame.payload.byteLength !== 8) throw new LinkProtocolError('credit frame is not 8 bytes');
        const n = new DataView(frame.payload.buffer, frame.payload.byteOffset, 8).getFloat64(0, true);
        if (!Number.isFinite(n) || n < 0) throw new LinkProtocolError(`bad credit ${n}`);
        this.unacked = Math.max(0, this.unacked - n);
        for (const w of this.waiters.splice(0)) w();
        return;
      }
    }
  }

  /** @internal the link or the request is gone: wake writers, tell the reader. */
  close(reason: LinkRemoteError): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
    if (this.ended === null) {
      this.ended = { error: reason };
      this.endHandler?.(reason);
    }
  }
}

interface Pending {
  resolve(reply: { result: unknown; body: Uint8Array }): void;
  reject(e: Error): void;
}

export class LinkPeer {
  private nextId: number;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, LinkStream>();
  private readonly splitter: FrameSplitter;
  private requestHandler: RequestHandler = async (r) => {
    throw new LinkRemoteError('UNKNOWN_METHOD', `no handler for ${r.method}`);
  };
  private eventHandler: EventHandler = () => undefined;
  private closedWith: LinkRemoteError | null = null;

  constructor(
    side: 'server' | 'agent',
    private readonly transport: (bytes: Uint8Array) => void,
  ) {
    this.nextId = side === 'server' ? 1 : 2;
    this.splitter = new FrameSplitter((f) => this.dispatch(f));
  }

  onRequest(handler: RequestHandler): void {
    this.requestHandler = handler;
  }

  onEvent(handler: EventHandler): void {
    this.eventHandler = handler;
  }

  /** Feeds bytes from the transport; throws LinkProtocolError (drop the link) on malformed input. */
  receive(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  /** A request and its stream; the reply resolves with the result or rejects with LinkRemoteError. */
  open(
    method: string,
    params: object,
    body?: Uint8Array,
  ): { reply: Promise<{ result: unknown; body: Uint8Array }>; stream: LinkStream } {
    const id = this.nextId;
    this.nextId = (this.nextId + 2) >>> 0 || (this.nextId & 1 ? 1 : 2);
    const stream = new LinkStream(this, id);
    this.streams.set(id, stream);
    const reply = new Promise<{ result: unknown; body: Uint8Array }>((resolve, reject) => {
      if (this.closedWith !== null) {
        reject(this.closedWith);
        return;
      }
      this.pending.set(id, { resolve, reject });
    });
    if (this.closedWith === null)
      this.sendFrame(FrameKind.Request, id, encodeEnvelope({ method, params }, body));
    else stream.close(this.closedWith);
    // A failed request ends its stream; a successful one leaves the stream to its users (forget()).
    reply.catch((e: unknown) => {
      stream.close(e instanceof LinkRemoteError ? e : new LinkRemoteError('LINK_CLOSED', String(e)));
      this.streams.delete(id);
    });
    return { reply, stream };
  }

  async request(
    method: string,
    params: object,
    body?: Uint8Array,
  ): Promise<{ result: unknown; body: Uint8Array }> {
    const { reply, stream } = this.open(method, params, body);
    try {
      return await reply;
    } finally {
      this.forget(stream);
    }
  }

  event(name: string, params: object, body?: Uint8Array): void {
    if (this.closedWith === null) this.sendFrame(FrameKind.Event, 0, encodeEnvelope({ name, params }, body));
  }

  /** The stream's transfer is over on this side: later frames on its channel are dropped. */
  forget(stream: LinkStream): void {
    this.streams.delete(stream.channel);
    stream.closed = true;
  }

  /** The transport is gone: every pending request and stream fails with `reason`. */
  close(reason = 'the session agent link closed'): void {
    if (this.closedWith !== null) return;
    this.closedWith = new LinkRemoteError('LINK_CLOSED', reason);
    for (const p of this.pending.values()) p.reject(this.closedWith);
    this.pending.clear();
    for (const s of this.streams.values()) s.close(this.closedWith);
    this.streams.clear();
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  /** @internal */
  sendFrame(kind: FrameKindCode, channel: number, payload: Uint8Array): void {
    if (this.closedWith !== null) return;
    this.transport(encodeFrame(kind, channel, payload));
  }

  private dispatch(frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.Request: {
        const { header, body } = decodeEnvelope(frame.payload);
        const method = header['method'];
        const params = header['params'];
        if (typeof method !== 'string' || typeof params !== 'object' || params === null)
          throw new LinkProtocolError('request without method or params');
        const stream = new LinkStream(this, frame.channel);
        this.streams.set(frame.channel, stream);
        void this.serve(frame.channel, stream, {
          method,
          params: params as Record<string, unknown>,
          body,
          stream,
        });
        return;
      }
      case FrameKind.Reply: {
        const p = this.pending.get(frame.channel);
        if (p === undefined) return; // a reply to a request this side gave up on
        this.pending.delete(frame.channel);
        const { header, body } = decodeEnvelope(frame.payload);
        if (header['ok'] === true) p.resolve({ result: header['result'] ?? null, body });
        else
          p.reject(
            new LinkRemoteError(
              String(header['code'] ?? 'AGENT_ERROR'),
              String(header['message'] ?? 'failed'),
            ),
          );
        return;
      }
      case FrameKind.Event: {
        const { header, body } = decodeEnvelope(frame.payload);
        if (typeof header['name'] !== 'string') throw new LinkProtocolError('event without a name');
        const params =
          typeof header['params'] === 'object' && header['params'] !== null ? header['params'] : {};
        this.eventHandler(header['name'], params as Record<string, unknown>, body);
        return;
      }
      default:
        // Data, End and Credit for a stream this side no longer tracks are late arrivals: dropped.
        this.streams.get(frame.channel)?.receive(frame);
    }
  }

  private async serve(id: number, stream: LinkStream, request: IncomingRequest): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.requestHandler(request);
    } catch (e) {
      const code = e instanceof LinkRemoteError ? e.code : 'AGENT_ERROR';
      this.sendFrame(FrameKind.Reply, id, encodeEnvelope({ ok: false, code, message: (e as Error).message }));
      this.forget(stream);
      return;
    }
    this.sendFrame(
      FrameKind.Reply,
      id,
      encodeEnvelope({ ok: true, result: reply.result ?? null }, reply.body),
    );
    if (reply.keepStream !== true) this.forget(stream);
  }
}

// The `dcv` ↔ dcvserver request/response channel, free of any transport (as VS Code's ipc.ts): it is
// fed text in any chunking and hands complete lines to its owner. One JSON object per line.
import { DcvError, isErrorCode } from '../errors.js';

/** Screenshots travel base64-encoded, so a line may be large, but not unbounded. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface ControlRequest {
  readonly id: number;
  readonly method: string;
  readonly params: Record<string, unknown>;
}

export interface ControlResponse {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Splits a byte stream into lines; refuses a line longer than the limit. */
export class LineSplitter {
  private pending = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    this.pending += chunk;
    if (this.pending.length > MAX_LINE_BYTES && !this.pending.includes('\n')) {
      this.pending = '';
      throw new Error('control message too long');
    }
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) !== -1) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      if (line.trim() !== '') this.onLine(line);
    }
  }
}

export type RequestHandler = (method: string, params: Record<string, unknown>) => Promise<unknown>;

/** Server side: parses requests, runs the handler, answers each with a result or a catalogued error. */
export class ControlServerChannel {
  private readonly splitter: LineSplitter;

  constructor(
    private readonly send: (line: string) => void,
    private readonly handle: RequestHandler,
    private readonly onInternalError: (e: unknown) => void = () => undefined,
  ) {
    this.splitter = new LineSplitter((line) => void this.dispatch(line));
  }

  /** Feeds received text; throws (and the transport should drop the peer) on an oversized line. */
  receive(chunk: string): void {
    this.splitter.push(chunk);
  }

  private async dispatch(line: string): Promise<void> {
    let request: ControlRequest;
    try {
      const parsed = JSON.parse(line) as Partial<ControlRequest>;
      if (typeof parsed.id !== 'number' || typeof parsed.method !== 'string') throw new Error('bad request');
      request = { id: parsed.id, method: parsed.method, params: (parsed.params ?? {}) as Record<string, unknown> };
    } catch {
      this.reply({ id: -1, error: { code: 'CONTROL_PROTOCOL', message: 'Malformed control request.' } });
      return;
    }
    try {
      const result = await this.handle(request.method, request.params);
      this.reply({ id: request.id, result: result ?? null });
    } catch (e) {
      if (e instanceof DcvError) {
        this.reply({ id: request.id, error: { code: e.code, message: e.message } });
      } else {
        this.onInternalError(e);
        this.reply({ id: request.id, error: { code: 'INTERNAL', message: 'Internal server error; see the server log.' } });
      }
    }
  }

  private reply(response: ControlResponse): void {
    this.send(`${JSON.stringify(response)}\n`);
  }
}

/** Client side: numbers requests and resolves each when its answer arrives. */
export class ControlClientChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly splitter = new LineSplitter((line) => this.answer(line));

  constructor(private readonly send: (line: string) => void) {}

  request(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.send(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  receive(chunk: string): void {
    this.splitter.push(chunk);
  }

  /** The transport ended: every outstanding request fails with this error. */
  fail(error: Error): void {
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }

  private answer(line: string): void {
    let response: ControlResponse;
    try {
      response = JSON.parse(line) as ControlResponse;
    } catch {
      this.fail(new DcvError('CONTROL_PROTOCOL', 'dcvserver sent a malformed reply; are dcv and dcvserver the same version?'));
      return;
    }
    const w = this.waiting.get(response.id);
    if (w === undefined) return;
    this.waiting.delete(response.id);
    if (response.error !== undefined) {
      const code = isErrorCode(response.error.code) ? response.error.code : 'INTERNAL';
      w.reject(new DcvError(code, response.error.message));
    } else {
      w.resolve(response.result);
    }
  }
}

// The `dcv` ↔ dcvserver request/response channel, free of any transport (as VS Code's ipc.ts): it is fed
// text in any chunking and answers whole lines, one JSON object per line. Typed by the contract: a client's
// call() takes that method's params and resolves to its result; the server checks each request's params
// once, against the contract's schema, before its handler sees them.
import { DcvError, isErrorCode } from '../errors.js';
import {
  CONTROL_PARAMS,
  isControlMethod,
  type CheckedParams,
  type ControlMethod,
  type ControlParams,
  type ControlResult,
} from './contract.js';

/** Answers carry screenshots, base64-encoded, so an answer line may be large, but not unbounded. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/**
 * A request line is small: the largest a client sends is a permissions file with its imports
 * (create-session, set-permissions), and 1 MiB holds thousands of rules. A longer line is refused as soon
 * as its first MiB has arrived, so no one makes the server buffer more.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export interface ControlRequest {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

export interface ControlResponse {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

/** One handler per method: `context` is who asks (the socket's peer), `params` are already checked. */
export type ControlHandlers<C> = {
  readonly [M in ControlMethod]: (context: C, params: CheckedParams<M>) => Promise<ControlResult<M>>;
};

/** A method without required params may be called without any. */
export type ParamsArgument<M extends ControlMethod> =
  Record<string, never> extends ControlParams<M> ? [params?: ControlParams<M>] : [params: ControlParams<M>];

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`control message longer than ${limit} bytes`);
  }
}

const NEWLINE = 0x0a;
const utf8 = new TextEncoder();

/**
 * Splits a byte stream into lines, fed in any chunking: each byte is looked at once (only the new chunk is
 * searched for a newline, never what is already buffered), and a line is decoded as UTF-8 only when whole,
 * so a character cut between chunks arrives intact. A line longer than `maxBytes` throws LineTooLongError
 * as soon as that many bytes are buffered; the splitter is then spent (the transport drops the peer).
 */
export class LineSplitter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxBytes = MAX_LINE_BYTES,
  ) {}

  push(chunk: Uint8Array | string): void {
    let bytes = typeof chunk === 'string' ? utf8.encode(chunk) : chunk;
    let nl: number;
    while ((nl = bytes.indexOf(NEWLINE)) !== -1) {
      if (this.pendingBytes + nl > this.maxBytes) this.refuse();
      this.pending.push(bytes.subarray(0, nl));
      const line = this.take();
      bytes = bytes.subarray(nl + 1);
      if (line.trim() !== '') this.onLine(line);
    }
    if (bytes.length === 0) return;
    if (this.pendingBytes + bytes.length > this.maxBytes) this.refuse();
    // A copy: the transport may reuse the chunk's memory.
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
  }

  private take(): string {
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (parts.length === 1) return this.decoder.decode(parts[0]);
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
    }
    return this.decoder.decode(whole);
  }

  private refuse(): never {
    this.pending = [];
    this.pendingBytes = 0;
    throw new LineTooLongError(this.maxBytes);
  }
}

/** The method's handler with its params checked; an unknown method or a bad param is a USAGE error. */
export async function dispatchControl<C>(
  handlers: ControlHandlers<C>,
  context: C,
  method: string,
  params: unknown,
): Promise<unknown> {
  if (!isControlMethod(method)) throw new DcvError('USAGE', `Unknown request '${method}'.`);
  const checked = CONTROL_PARAMS[method].safeParse(params ?? {});
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue !== undefined && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
    throw new DcvError('USAGE', `${(issue?.message ?? 'Bad request').replace(/\.$/, '')}${where}.`);
  }
  // TypeScript cannot tie handlers[method] to CONTROL_PARAMS[method] for a union `method`; the table does.
  const handler = handlers[method] as (context: C, params: unknown) => Promise<unknown>;
  return handler(context, checked.data);
}

/** Server side: parses requests, runs the handler, answers each with a result or a catalogued error. */
export class ControlServerChannel<C> {
  private readonly splitter: LineSplitter;

  constructor(
    private readonly send: (line: string) => void,
    private readonly handlers: ControlHandlers<C>,
    private readonly context: C,
    private readonly onInternalError: (e: unknown) => void = () => undefined,
  ) {
    this.splitter = new LineSplitter((line) => void this.dispatch(line), MAX_REQUEST_BYTES);
  }

  /**
   * Feeds received bytes; throws LineTooLongError on a request longer than MAX_REQUEST_BYTES, after which
   * the transport sends `tooLongReply()` and drops the peer.
   */
  receive(chunk: Uint8Array | string): void {
    this.splitter.push(chunk);
  }

  private async dispatch(line: string): Promise<void> {
    let request: ControlRequest;
    try {
      const parsed = JSON.parse(line) as Partial<ControlRequest> | null;
      if (typeof parsed?.id !== 'number' || typeof parsed.method !== 'string') throw new Error('bad request');
      request = { id: parsed.id, method: parsed.method, params: parsed.params };
    } catch {
      this.reply({ id: -1, error: { code: 'CONTROL_PROTOCOL', message: 'Malformed control request.' } });
      return;
    }
    try {
      const result = await dispatchControl(this.handlers, this.context, request.method, request.params);
      this.reply({ id: request.id, result: result ?? null });
    } catch (e) {
      if (e instanceof DcvError) {
        this.reply({ id: request.id, error: { code: e.code, message: e.message } });
      } else {
        this.onInternalError(e);
        this.reply({
          id: request.id,
          error: { code: 'INTERNAL', message: 'Internal server error; see the server log.' },
        });
      }
    }
  }

  private reply(response: ControlResponse): void {
    this.send(`${JSON.stringify(response)}\n`);
  }
}

/** What the server answers, before it drops the peer, to a request over MAX_REQUEST_BYTES. */
export function tooLongReply(): string {
  const response: ControlResponse = {
    id: -1,
    error: { code: 'CONTROL_PROTOCOL', message: requestTooLarge() },
  };
  return `${JSON.stringify(response)}\n`;
}

function requestTooLarge(size?: number): string {
  const mib = MAX_REQUEST_BYTES / (1024 * 1024);
  const was = size === undefined ? 'is longer than' : `is ${size} bytes, more than`;
  return `The request to dcvserver ${was} the ${mib} MiB a request may have (a permissions file and everything it imports must fit in it).`;
}

/** Client side: numbers requests and resolves each when its answer arrives. */
export class ControlClientChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly splitter = new LineSplitter((line) => this.answer(line));

  constructor(private readonly send: (line: string) => void) {}

  call<M extends ControlMethod>(method: M, ...[params]: ParamsArgument<M>): Promise<ControlResult<M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Results are not checked: the server wrote them from this same table.
      const line = `${JSON.stringify({ id, method, params: params ?? {} })}\n`;
      // Refused here with the reason, rather than by the server dropping the connection.
      const size = utf8.encode(line).length - 1;
      if (size > MAX_REQUEST_BYTES) {
        reject(new DcvError('CONTROL_PROTOCOL', requestTooLarge(size)));
        return;
      }
      this.waiting.set(id, { resolve: (v) => resolve(v as ControlResult<M>), reject });
      this.send(line);
    });
  }

  receive(chunk: Uint8Array | string): void {
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
      this.fail(
        new DcvError(
          'CONTROL_PROTOCOL',
          'dcvserver sent a malformed reply; are dcv and dcvserver the same version?',
        ),
      );
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

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

/** Screenshots travel base64-encoded, so a line may be large, but not unbounded. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

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
    this.splitter = new LineSplitter((line) => void this.dispatch(line));
  }

  /** Feeds received text; throws (and the transport should drop the peer) on an oversized line. */
  receive(chunk: string): void {
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
      this.waiting.set(id, { resolve: (v) => resolve(v as ControlResult<M>), reject });
      this.send(`${JSON.stringify({ id, method, params: params ?? {} })}\n`);
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

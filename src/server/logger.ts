// dcvserver's log: one line per event in DCV's server.log shape (local time with microseconds, pid,
// level, component), appended to /var/log/dcv/server.log and, when running in the foreground, to stderr.
// Logging never stops the server: a write that fails (a full disk) drops lines and counts them, and the
// count is logged once writing works again. One line is one record: control characters in a message (what
// a client sent, above all) are escaped here, so no one can forge a line. The same message, or the same
// `source`, more often than RATE_LIMIT times in RATE_WINDOW_MS is summarized instead of repeated.
import { closeSync, mkdirSync, openSync, write } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const LABEL: Record<LogLevel, string> = { error: 'ERROR', warn: 'WARN ', info: 'INFO ', debug: 'DEBUG' };

/** Lines of one source allowed per window; the rest are counted and summarized in one line. */
export const RATE_LIMIT = 10;
export const RATE_WINDOW_MS = 10_000;
/** Lines waiting for the disk beyond this are dropped (and counted), so a stalled disk cannot fill memory. */
const MAX_QUEUED_BYTES = 1024 * 1024;
/** While writes fail, the next attempt waits this long (new lines are dropped and counted meanwhile). */
const RETRY_MS = 1000;

export function parseLogLevel(text: string): LogLevel {
  const t = text.toLowerCase();
  if (t === 'warning') return 'warn';
  return t in RANK ? (t as LogLevel) : 'info';
}

// C0 controls, DEL, C1 controls, the Unicode line and paragraph separators and the bidirectional overrides
// (which make a terminal show a line other than the one written).
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` on one line with every control character written as an escape (`\n`, `\x1b`, `\u2028`). */
export function escapeLogText(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

function timestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds() * 1000, 6)}`;
}

function formatLine(level: LogLevel, component: string, message: string): string {
  return `${timestamp(new Date())} [${String(process.pid).padStart(6)}] ${LABEL[level]} ${component} - ${escapeLogText(message)}\n`;
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b === 0x0a) n++;
  return n;
}

/**
 * The log file, appended with plain `write(2)` calls one batch at a time. A failed write (ENOSPC, EIO) never
 * throws or emits: its lines are counted as lost, and the first batch that is written again starts with a
 * line saying how many were lost and why.
 */
class LogFile {
  private readonly fd: number;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Lines lost since the last successful write, and why. */
  private lost = 0;
  private failure: string | null = null;
  /** A write that failed half-way left a partial line: the next batch starts on a new line. */
  private midLine = false;
  private closed = false;
  private readonly drained: (() => void)[] = [];

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a', 0o640);
  }

  append(line: string): void {
    if (this.closed) return;
    if (this.queuedBytes + line.length > MAX_QUEUED_BYTES) {
      this.lost++;
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    this.flush();
  }

  private flush(): void {
    if (this.writing || this.retryTimer !== null) return;
    if (this.queue.length === 0) {
      for (const done of this.drained.splice(0)) done();
      return;
    }
    this.writing = true;
    const lines = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    // Lines in this batch that are ours to count, besides the notice and a newline ending a partial line.
    let overhead = 0;
    let text = lines.join('');
    if (this.lost > 0) {
      text =
        formatLine(
          'warn',
          'server',
          `${this.lost} log line(s) were lost: ${this.path} could not be written (${this.failure ?? 'queue full'})`,
        ) + text;
      overhead++;
    }
    if (this.midLine) {
      text = `\n${text}`;
      overhead++;
    }
    const bytes = Buffer.from(text);
    const finish = (error: NodeJS.ErrnoException | null, written: number): void => {
      this.writing = false;
      if (error === null) {
        this.lost = 0;
        this.failure = null;
        this.midLine = false;
      } else {
        const whole = Math.max(0, countNewlines(bytes.subarray(0, written)) - overhead);
        // Only the lines before the notice count; the notice itself is simply written again later.
        this.lost += lines.length - Math.min(whole, lines.length);
        this.midLine = written > 0 && bytes[written - 1] !== 0x0a;
        if (this.failure === null) {
          // Said once per outage, where systemd's journal still records it.
          process.stderr.write(
            `dcvserver: cannot write ${this.path} (${error.code ?? error.message}); log lines are counted and dropped until it works again\n`,
          );
        }
        this.failure = error.code ?? error.message;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.flush();
        }, RETRY_MS);
        this.retryTimer.unref();
        // A closing logger does not wait for a disk that fails.
        if (this.closed) for (const done of this.drained.splice(0)) done();
        return;
      }
      this.flush();
    };
    const writeFrom = (offset: number): void => {
      write(this.fd, bytes, offset, bytes.length - offset, null, (error, n) => {
        if (error !== null) finish(error, offset);
        else if (offset + n < bytes.length) writeFrom(offset + n);
        else finish(null, bytes.length);
      });
    };
    writeFrom(0);
  }

  /** Writes what is queued (unless the disk fails), then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer === null && (this.writing || this.queue.length > 0)) {
      await new Promise<void>((resolve) => {
        this.drained.push(resolve);
        this.flush();
      });
    }
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    closeSync(this.fd);
  }
}

interface RateEntry {
  windowStart: number;
  count: number;
  suppressed: number;
  last: string;
  readonly level: LogLevel;
  readonly component: string;
}

/** Where every Logger of one file writes, and the rate limits they share. */
class LogOutput {
  private readonly rates = new Map<string, RateEntry>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly file: LogFile | null,
    private readonly echo: boolean,
  ) {
    // A closed stderr (the terminal went away) must not kill the server either.
    if (echo) process.stderr.on('error', () => undefined);
  }

  emit(level: LogLevel, component: string, message: string, source: string | undefined): void {
    const now = Date.now();
    const key = `${component}\u0000${level}\u0000${source ?? message}`;
    let entry = this.rates.get(key);
    if (entry !== undefined && now - entry.windowStart >= RATE_WINDOW_MS) {
      this.summarize(entry);
      this.rates.delete(key);
      entry = undefined;
    }
    if (entry === undefined) {
      if (this.rates.size >= 4096) this.forgetQuiet(now);
      entry = { windowStart: now, count: 0, suppressed: 0, last: message, level, component };
      this.rates.set(key, entry);
    }
    if (entry.count < RATE_LIMIT) {
      entry.count++;
      this.line(formatLine(level, component, message));
      return;
    }
    entry.suppressed++;
    entry.last = message;
    this.sweepTimer ??= setInterval(() => this.sweep(), RATE_WINDOW_MS);
    this.sweepTimer.unref();
  }

  private line(text: string): void {
    this.file?.append(text);
    if (this.echo) process.stderr.write(text);
  }

  private summarize(entry: RateEntry): void {
    if (entry.suppressed === 0) return;
    this.line(
      formatLine(
        entry.level,
        entry.component,
        `${entry.suppressed} similar message(s) suppressed in ${RATE_WINDOW_MS / 1000} s; the last: ${entry.last}`,
      ),
    );
  }

  /** Summarizes every window that has ended, so a flood that stopped is still reported. */
  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.rates) {
      if (now - entry.windowStart < RATE_WINDOW_MS) continue;
      this.summarize(entry);
      this.rates.delete(key);
    }
    if ([...this.rates.values()].every((e) => e.suppressed === 0)) this.stopSweep();
  }

  /** Many distinct messages at once: drop the counters of those not being suppressed. */
  private forgetQuiet(now: number): void {
    for (const [key, entry] of this.rates) {
      if (entry.suppressed === 0 || now - entry.windowStart >= RATE_WINDOW_MS) {
        this.summarize(entry);
        this.rates.delete(key);
      }
    }
  }

  private stopSweep(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  async close(): Promise<void> {
    for (const entry of this.rates.values()) this.summarize(entry);
    this.rates.clear();
    this.stopSweep();
    await this.file?.close();
  }
}

export class Logger {
  private readonly output: LogOutput;

  constructor(
    file: string | null,
    private level: LogLevel,
    echo: boolean,
    private readonly component = 'server',
    output?: LogOutput,
  ) {
    this.output = output ?? new LogOutput(file === null ? null : new LogFile(file), echo);
  }

  /** A logger for one part of the server, writing to the same file. */
  child(component: string): Logger {
    return new Logger(null, this.level, false, component, this.output);
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  // `source` names what a flood would repeat with varying text (`set-name by uid 1001`); without it, the
  // message itself is the source, so only identical messages are summarized.
  error(message: string, source?: string): void {
    this.write('error', message, source);
  }
  warn(message: string, source?: string): void {
    this.write('warn', message, source);
  }
  info(message: string, source?: string): void {
    this.write('info', message, source);
  }
  debug(message: string, source?: string): void {
    this.write('debug', message, source);
  }

  private write(level: LogLevel, message: string, source: string | undefined): void {
    if (RANK[level] > RANK[this.level]) return;
    this.output.emit(level, this.component, message, source);
  }

  /** Writes what is pending, then closes the file. Only the root logger (not a child) closes it. */
  close(): Promise<void> {
    return this.output.close();
  }
}

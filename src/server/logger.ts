// dcvserver's log: one line per event in DCV's server.log shape (local time with microseconds, pid,
// level, component), appended to /var/log/dcv/server.log and, when running in the foreground, to stderr.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const LABEL: Record<LogLevel, string> = { error: 'ERROR', warn: 'WARN ', info: 'INFO ', debug: 'DEBUG' };

export function parseLogLevel(text: string): LogLevel {
  const t = text.toLowerCase();
  if (t === 'warning') return 'warn';
  return t in RANK ? (t as LogLevel) : 'info';
}

function timestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds() * 1000, 6)}`;
}

export class Logger {
  private readonly stream: WriteStream | null;

  constructor(
    file: string | null,
    private level: LogLevel,
    private readonly echo: boolean,
    private readonly component = 'server',
    stream?: WriteStream | null,
  ) {
    if (stream !== undefined) {
      this.stream = stream;
    } else if (file !== null) {
      mkdirSync(dirname(file), { recursive: true });
      this.stream = createWriteStream(file, { flags: 'a', mode: 0o640 });
    } else {
      this.stream = null;
    }
  }

  /** A logger for one part of the server, writing to the same file. */
  child(component: string): Logger {
    const c = new Logger(null, this.level, this.echo, component, this.stream);
    return c;
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  error(message: string): void {
    this.write('error', message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  info(message: string): void {
    this.write('info', message);
  }
  debug(message: string): void {
    this.write('debug', message);
  }

  private write(level: LogLevel, message: string): void {
    if (RANK[level] > RANK[this.level]) return;
    const line = `${timestamp(new Date())} [${String(process.pid).padStart(6)}] ${LABEL[level]} ${this.component} - ${message}\n`;
    this.stream?.write(line);
    if (this.echo) process.stderr.write(line);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.stream === null ? resolve() : this.stream.end(() => resolve())));
  }
}

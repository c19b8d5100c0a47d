// One viewer's input on its way into the session, paced so that no viewer can make the X server or the
// event loop work for it without bound (issue 11, item 4). What it costs is counted in X requests: a key is
// one, a pointer move one, a wheel message two per click. Each connection has its own budget (a token
// bucket), so a flood from one viewer slows that viewer's input alone. Adjacent pointer moves with the same
// buttons and adjacent wheel messages are merged before they cost anything, and a merged wheel is bounded
// to what one message may scroll. While more is queued than the pipeline should hold, the connection stops
// being read (back-pressure to the sender's TCP), so the queue never grows with the flood.
import { WHEEL_NOTCH, type Key, type Pointer, type Wheel } from '../../protocol/index.js';
import { MAX_WHEEL_STEPS } from '../../display/input-injector.js';

export type PacedInput = Key | Pointer | Wheel;

export interface InputPacerLimits {
  /** X requests one connection may cause per second, sustained. */
  readonly perSecond: number;
  /** X requests it may cause at once after a quiet spell (a burst of typing or a wheel flick). */
  readonly burst: number;
  /** Entries queued past which the connection is no longer read, and below which it is read again. */
  readonly pauseAbove: number;
  readonly resumeBelow: number;
  /** Entries past which the viewer is flooding beyond any back-pressure: its connection is closed. */
  readonly maxQueued: number;
}

/** A person types, points and scrolls at a small fraction of this; pasted text typed as keys fits too. */
export const DEFAULT_INPUT_LIMITS: InputPacerLimits = {
  perSecond: 2000,
  burst: 400,
  pauseAbove: 256,
  resumeBelow: 64,
  maxQueued: 65_536,
};

/** The largest wheel motion one entry may carry: what the injector turns into clicks, and no more. */
const MAX_WHEEL = MAX_WHEEL_STEPS * WHEEL_NOTCH;

/** What injecting `m` costs in X requests. */
export function inputCost(m: PacedInput): number {
  if (m.type !== 'wheel') return 1;
  const clicks = (v: number): number => Math.min(MAX_WHEEL_STEPS, Math.trunc(Math.abs(v) / WHEEL_NOTCH));
  return Math.max(1, 2 * (clicks(m.dx) + clicks(m.dy)));
}

const clampWheel = (v: number): number => Math.max(-MAX_WHEEL, Math.min(MAX_WHEEL, v));

export interface InputPacerEvents {
  /** Inject this into the session now. */
  deliver(m: PacedInput): void;
  /** true: stop reading the connection; false: read it again. */
  pressure(paused: boolean): void;
  /** The queue passed maxQueued: the viewer ignores back-pressure and is to be closed. */
  overflow(): void;
}

export class InputPacer {
  private readonly queue: PacedInput[] = [];
  private tokens: number;
  private refilledAt: number;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private disposed = false;

  constructor(
    private readonly events: InputPacerEvents,
    private readonly limits: InputPacerLimits = DEFAULT_INPUT_LIMITS,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = limits.burst;
    this.refilledAt = clock();
  }

  get queued(): number {
    return this.queue.length;
  }

  push(m: PacedInput): void {
    if (this.disposed) return;
    const last = this.queue.at(-1);
    if (m.type === 'pointer' && last?.type === 'pointer' && last.buttons === m.buttons) {
      this.queue[this.queue.length - 1] = m; // only where the pointer ends up matters
    } else if (m.type === 'wheel' && last?.type === 'wheel') {
      this.queue[this.queue.length - 1] = {
        type: 'wheel',
        dx: clampWheel(last.dx + m.dx),
        dy: clampWheel(last.dy + m.dy),
      };
    } else {
      this.queue.push(m.type === 'wheel' ? { type: 'wheel', dx: clampWheel(m.dx), dy: clampWheel(m.dy) } : m);
    }
    if (this.queue.length > this.limits.maxQueued) {
      this.dispose();
      this.events.overflow();
      return;
    }
    this.drain();
    this.updatePressure();
  }

  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Delivers what the budget allows now; what is left waits for the tokens it needs. */
  private drain(): void {
    if (this.disposed || this.timer !== null) return;
    const now = this.clock();
    this.tokens = Math.min(
      this.limits.burst,
      this.tokens + ((now - this.refilledAt) * this.limits.perSecond) / 1000,
    );
    this.refilledAt = now;
    while (this.queue.length > 0 && !this.disposed) {
      const cost = Math.min(this.limits.burst, inputCost(this.queue[0]!));
      if (this.tokens < cost) break;
      this.tokens -= cost;
      this.events.deliver(this.queue.shift()!);
    }
    if (this.disposed) return;
    this.updatePressure();
    if (this.queue.length > 0) {
      const cost = Math.min(this.limits.burst, inputCost(this.queue[0]!));
      const waitMs = Math.max(1, Math.ceil(((cost - this.tokens) * 1000) / this.limits.perSecond));
      this.timer = setTimeout(() => {
        this.timer = null;
        this.drain();
      }, waitMs);
    }
  }

  private updatePressure(): void {
    const n = this.queue.length;
    if (!this.paused && n > this.limits.pauseAbove) {
      this.paused = true;
      this.events.pressure(true);
    } else if (this.paused && n < this.limits.resumeBelow) {
      this.paused = false;
      this.events.pressure(false);
    }
  }
}

// Streaming metrics: frames painted per second, bytes per second, round trip from Ping/Pong and an estimate of
// capture → canvas latency (the server's capture clock mapped to ours through the best Ping/Pong sample).

export class Stats {
  framesShown = 0;
  framesReceived = 0;
  losslessShown = 0;
  bytesReceived = 0;
  fps = 0;
  bitsPerSecond = 0;
  rttMs: number | undefined;
  frameLatencyMs: number | undefined;

  private windowStart = performance.now();
  private windowFrames = 0;
  private windowBytes = 0;
  /** serverClockUs − ourClockUs from the Ping/Pong with the smallest round trip seen (the least skewed). */
  private clockOffsetUs: number | undefined;
  private bestRttUs = Infinity;
  private lastLatencyAtUs = 0;

  received(bytes: number): void {
    this.bytesReceived += bytes;
    this.windowBytes += bytes;
  }

  shown(captureTimestampUs: number): void {
    this.framesShown++;
    this.windowFrames++;
    if (this.clockOffsetUs !== undefined) {
      const now = nowUs();
      const latency = (now + this.clockOffsetUs - captureTimestampUs) / 1000;
      // Smooth, so the overlay is readable while frames flow; after a pause (typing, an idle desktop) the new
      // frame stands alone, or one slow key frame at the start would colour the figure for many frames.
      const fresh = this.frameLatencyMs === undefined || now - this.lastLatencyAtUs > 1_000_000;
      this.frameLatencyMs = fresh ? latency : this.frameLatencyMs! * 0.8 + latency * 0.2;
      this.lastLatencyAtUs = now;
    }
  }

  pong(sentUs: number, serverUs: number): void {
    const now = nowUs();
    const rtt = now - sentUs;
    this.rttMs = rtt / 1000;
    if (rtt <= this.bestRttUs) {
      this.bestRttUs = rtt;
      this.clockOffsetUs = serverUs - (sentUs + now) / 2;
    }
  }

  /** A new connection may be to a restarted server with a new epoch. */
  resetClock(): void {
    this.clockOffsetUs = undefined;
    this.bestRttUs = Infinity;
    this.frameLatencyMs = undefined;
  }

  /** Rolls the per-second window; call about once a second. */
  tick(): void {
    const now = performance.now();
    const secs = (now - this.windowStart) / 1000;
    if (secs <= 0) return;
    this.fps = this.windowFrames / secs;
    this.bitsPerSecond = (this.windowBytes * 8) / secs;
    this.windowStart = now;
    this.windowFrames = 0;
    this.windowBytes = 0;
  }
}

/** Our clock for Ping timestamps and latency: µs since the page loaded. */
export function nowUs(): number {
  return performance.now() * 1000;
}

export function formatStats(s: Stats, extra: string): string {
  const mbps = (s.bitsPerSecond / 1e6).toFixed(s.bitsPerSecond < 1e7 ? 2 : 1);
  const latency = s.frameLatencyMs === undefined ? '–' : `${Math.max(0, s.frameLatencyMs).toFixed(0)} ms`;
  const rtt = s.rttMs === undefined ? '–' : `${s.rttMs.toFixed(1)} ms`;
  return `${s.fps.toFixed(0)} fps · latency ${latency} · rtt ${rtt} · ${mbps} Mbit/s · ${extra}`;
}

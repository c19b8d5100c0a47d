// Streaming metrics: frames painted per second, bytes per second, round trip from Ping/Pong and an estimate of
// capture → canvas latency (the server's capture clock mapped to ours through the best Ping/Pong sample);
// for each, the current value, the average since the connection began and the peak (DCV's streaming metrics).

/** Current, average and peak of a figure sampled once a second. */
export class Series {
  current: number | undefined;
  peak: number | undefined;
  private sum = 0;
  private count = 0;

  add(v: number): void {
    this.current = v;
    this.sum += v;
    this.count++;
    this.peak = this.peak === undefined ? v : Math.max(this.peak, v);
  }

  get average(): number | undefined {
    return this.count === 0 ? undefined : this.sum / this.count;
  }

  reset(): void {
    this.current = this.peak = undefined;
    this.sum = this.count = 0;
  }
}

export class Stats {
  framesShown = 0;
  framesReceived = 0;
  losslessShown = 0;
  bytesReceived = 0;
  fps = 0;
  bitsPerSecond = 0;
  rttMs: number | undefined;
  frameLatencyMs: number | undefined;
  /** Per-second samples since the connection began. */
  readonly fpsSeries = new Series();
  readonly latencySeries = new Series();
  readonly rttSeries = new Series();
  readonly bandwidthSeries = new Series();

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
    for (const series of [this.fpsSeries, this.latencySeries, this.rttSeries, this.bandwidthSeries])
      series.reset();
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
    this.fpsSeries.add(this.fps);
    this.bandwidthSeries.add(this.bitsPerSecond);
    if (this.frameLatencyMs !== undefined) this.latencySeries.add(Math.max(0, this.frameLatencyMs));
    if (this.rttMs !== undefined) this.rttSeries.add(this.rttMs);
  }
}

/** Our clock for Ping timestamps and latency: µs since the page loaded. */
export function nowUs(): number {
  return performance.now() * 1000;
}

export function formatBitrate(bps: number | undefined): string {
  if (bps === undefined) return '–';
  if (bps < 1e6) return `${(bps / 1e3).toFixed(0)} kbit/s`;
  return `${(bps / 1e6).toFixed(bps < 1e7 ? 2 : 1)} Mbit/s`;
}

export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '–' : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function formatFps(fps: number | undefined): string {
  return fps === undefined ? '–' : fps.toFixed(0);
}

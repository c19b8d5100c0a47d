// Benchmark (not a test) of the capture/encode half: a 1920x1080 Xvfb repainted full-screen every frame by a
// separate painter process, streamed by SessionStreamer to one subscriber. Prints encoded fps, capture →
// access-unit latency p50/p95, CPU of node+ffmpeg (and of Xvfb and the painter), and idle CPU over 10 s.
// Run: node dist/bench/capture-encode.js [seconds=10]
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestXvfb, killAndWait } from '../src/display/test-xvfb.js';
import { SessionStreamer } from '../src/codec/session-streamer.js';
import { XConnection } from '../src/display/x-connection.js';
import type { VideoChunk } from '../src/protocol/index.js';
import { cpuTicks } from '../src/host/proc-stat.js';
import { percentile } from './percentile.js';
import { maxFrameRate } from '../src/config/frame-rate.js';

const W = 1920;
const H = 1080;
const TICKS = 100; // USER_HZ on Linux

if (process.argv[2] === '--paint') await paint(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
else await main(Number(process.argv[2] ?? 10));

/** Painter: fills the screen with a grid of cells whose colours shift every frame, `fps` times a second. */
async function paint(display: string, authFile: string, fps: number): Promise<void> {
  const { openXClient, sync } = await import('../src/display/x-client.js');
  const { client, display: d } = await openXClient(display, authFile);
  const root = d.screen[0]!.root;
  const gc = client.AllocID();
  client.CreateGC(gc, root, { foreground: 0, subwindowMode: 1 });
  const cell = 40;
  let t = 0;
  for (;;) {
    const start = performance.now();
    for (let y = 0; y < H; y += cell) {
      for (let x = 0; x < W; x += cell) {
        const r = (x / 8 + t * 3) & 255;
        const g = (y / 4 + t * 5) & 255;
        const b = ((x + y) / 16 + t * 7) & 255;
        client.ChangeGC(gc, { foreground: (r << 16) | (g << 8) | b });
        client.PolyFillRectangle(root, gc, [x, y, cell, cell]);
      }
    }
    await sync(client);
    t++;
    process.stdout.write(`${t}\n`); // frames painted so far, read by the benchmark
    const wait = 1000 / fps - (performance.now() - start);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/** ffmpeg children of this process, from /proc (no subprocess, so sampling costs node next to nothing). */
function ffmpegPids(): number[] {
  const pids: number[] = [];
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const p of children.split(' ').filter(Boolean).map(Number)) {
      try {
        if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'ffmpeg') pids.push(p);
      } catch {
        /* exited */
      }
    }
  }
  return pids;
}

/**
 * CPU (in cores) used by each group while `ms` pass. ffmpeg children come and go (a keyframe for a joining
 * viewer switches to a fresh one), so they are sampled every 100 ms and each keeps its last reading.
 */
async function measureCpu<T>(
  pids: { xvfb: number; painter?: number },
  ms: number,
  during: () => T,
  sampleMs = 100,
): Promise<{ node: number; ffmpeg: number; xvfb: number; painter: number; result: T }> {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = (): void => {
    for (const p of ffmpegPids()) {
      const t = cpuTicks(p);
      if (t === 0 && last.has(p)) continue;
      if (!first.has(p)) first.set(p, t);
      last.set(p, t);
    }
  };
  sample();
  // A child born during the run started from zero, not from its first sample.
  const born = new Set<number>();
  const node0 = process.cpuUsage();
  const x0 = cpuTicks(pids.xvfb);
  const p0 = pids.painter ? cpuTicks(pids.painter) : 0;
  const t0 = performance.now();
  const result = during();
  const timer = setInterval(() => {
    for (const p of ffmpegPids()) if (!first.has(p)) born.add(p);
    sample();
  }, sampleMs);
  await new Promise((r) => setTimeout(r, ms));
  clearInterval(timer);
  sample();
  const secs = (performance.now() - t0) / 1000;
  const node1 = process.cpuUsage(node0);
  let ff = 0;
  for (const [p, t] of last) ff += t - (born.has(p) ? 0 : first.get(p)!);
  return {
    node: (node1.user + node1.system) / 1e6 / secs,
    ffmpeg: ff / TICKS / secs,
    xvfb: (cpuTicks(pids.xvfb) - x0) / TICKS / secs,
    painter: pids.painter ? (cpuTicks(pids.painter) - p0) / TICKS / secs : 0,
    result,
  };
}

async function run(targetFps: number, seconds: number): Promise<void> {
  const x = await startTestXvfb(W, H);
  const xvfbPid = Number(
    spawnSync('pgrep', ['-f', `Xvfb ${x.display} `])
      .stdout.toString()
      .trim()
      .split('\n')[0],
  );
  const conn = await XConnection.open({ display: x.display, authFile: x.authFile });
  const streamer = SessionStreamer.open(conn, { framebufferPath: x.fbPath, maxFps: maxFrameRate(targetFps) });
  const latencies: number[] = [];
  let frames = 0;
  let bytes = 0;
  let keyframes = 0;
  let refines = 0;
  let measuring = false;
  streamer.subscribe({
    video: (f: VideoChunk) => {
      if (!measuring) return;
      frames++;
      bytes += f.data.length;
      if (f.keyframe) keyframes++;
      latencies.push(performance.timeOrigin + performance.now() - f.timestampUs / 1000);
    },
    refine: () => void refines++,
    isBacklogged: () => false,
  });
  const self = fileURLToPath(import.meta.url);
  const painter = spawn(process.execPath, [self, '--paint', x.display, x.authFile, '60'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let painted = 0;
  painter.stdout.on('data', (d: Buffer) => {
    const lines = d.toString().trim().split('\n');
    painted = Number(lines[lines.length - 1]) || painted;
  });
  try {
    await new Promise((r) => setTimeout(r, 1500)); // warm up: ffmpeg started, painter running
    // Halfway through, a viewer joins: how long until its first (key)frame?
    let joinedAt = 0;
    let joinLatency = NaN;
    let unsubscribeLate = (): void => undefined;
    const joinTimer = setTimeout(
      () => {
        joinedAt = performance.now();
        unsubscribeLate = streamer.subscribe({
          video: (f: VideoChunk) => {
            if (Number.isNaN(joinLatency) && f.keyframe) joinLatency = performance.now() - joinedAt;
          },
          refine: () => undefined,
          isBacklogged: () => false,
        });
      },
      (seconds * 1000) / 2,
    );
    let paintedAtStart = 0;
    const busy = await measureCpu({ xvfb: xvfbPid, painter: painter.pid! }, seconds * 1000, () => {
      measuring = true;
      paintedAtStart = painted;
    });
    const paintedFps = (painted - paintedAtStart) / seconds;
    clearTimeout(joinTimer);
    unsubscribeLate();
    measuring = false;
    await killAndWait(painter);
    await new Promise((r) => setTimeout(r, 1000)); // let the refinement go out
    const idle = await measureCpu({ xvfb: xvfbPid }, 10_000, () => undefined, 2000);
    const mb = bytes / seconds / 1e6;
    console.log(
      `target ${targetFps} fps: screen painted ${paintedFps.toFixed(1)} fps, encoded ${(frames / seconds).toFixed(1)} fps (${keyframes} keyframes), ` +
        `capture→AU latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, ${mb.toFixed(2)} MB/s; ` +
        `a joining viewer's keyframe after ${joinLatency.toFixed(0)} ms\n` +
        `  CPU (cores) busy: node ${busy.node.toFixed(2)} + ffmpeg ${busy.ffmpeg.toFixed(2)} = ${(busy.node + busy.ffmpeg).toFixed(2)}` +
        ` (Xvfb ${busy.xvfb.toFixed(2)}, painter ${busy.painter.toFixed(2)})\n` +
        `  CPU (cores) idle 10 s: node ${idle.node.toFixed(4)} + ffmpeg ${idle.ffmpeg.toFixed(4)} (Xvfb ${idle.xvfb.toFixed(4)})`,
    );
  } finally {
    await killAndWait(painter);
    streamer.dispose();
    conn.dispose();
    await new Promise((r) => setTimeout(r, 200));
    await x.dispose();
  }
}

async function main(seconds: number): Promise<void> {
  console.log(
    `capture-encode benchmark: ${W}x${H} full-screen motion (painter at 60 fps), ${seconds} s per run; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  for (const fps of [30, 60]) await run(fps, seconds);
}

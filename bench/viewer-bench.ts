// Benchmark (not a test): opendcv and x11vnc + noVNC side by side, same machine, same run, same 1920x1080
// workloads (bench/motion-painter.ts), both viewed in Debian's Chromium. For each: frames per second that
// reach the browser canvas, painted → shown latency and key → visible round trip (p50/p95), bytes per
// second on the wire (counted by Chromium), and the server's CPU (opendcv: dcvserver + its ffmpeg;
// noVNC: x11vnc + websockify), including an idle desktop.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchChromium } from '../test/e2e/browser.js';
import {
  dcv,
  dcvserver,
  makeDcvRoot,
  REPO,
  removeDcvRoot,
  sleep,
  waitFor,
  writeInit,
} from '../test/e2e/harness.js';
import { probePoints } from './motion-painter.js';
import { percentile } from './percentile.js';
import { cpuTicks, procStat } from '../src/host/proc-stat.js';

const W = 1920;
const H = 1080;
const MEASURE_MS = 10_000;
const KEY_PRESSES = 20;
const PAINTER = join(REPO, 'dist/bench/motion-painter.js');

type Mode = 'motion' | 'typing' | 'idle';

interface Probe {
  at: number;
  rgb: readonly number[];
}

interface PeerInstance {
  url: string;
  logFile: string;
  serverPids(): number[];
  /** Starts recording painted frames' probe rows in the page. */
  installProbe(page: Page): Promise<void>;
  takeProbes(page: Page): Promise<Probe[]>;
  stop(): Promise<void>;
}

interface Peer {
  readonly name: string;
  start(mode: Mode): Promise<PeerInstance>;
}

// --- measuring ----------------------------------------------------------------------------------

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(procStat(Number(name))?.[1]) === pid)
    .map(Number);
}

/** A percentile, or null when nothing was measured (printed as n/a). */
function percentileOrNull(values: number[], p: number): number | null {
  return values.length === 0 ? null : percentile(values, p);
}

function frameNumber(rgb: readonly number[]): number {
  let n = 0;
  for (let bit = 0; bit < 8; bit++) if (rgb[bit * 3 + 1]! > 128) n |= 1 << bit;
  return n;
}

function keyState(rgb: readonly number[]): number {
  return rgb[8 * 3 + 1]! > 128 ? 1 : 0; // red (0) or green (1) block
}

function readPaintLog(file: string, kind: 'frame' | 'key'): { id: number; at: number }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${kind} `))
    .map((l) => {
      const [, id, at] = l.split(' ');
      return { id: Number(id), at: Number(at) };
    });
}

interface Figures {
  fps: number;
  latencyP50: number | null;
  latencyP95: number | null;
  inputP50: number | null;
  inputP95: number | null;
  bytesPerSecond: number;
  cpuCores: number;
  /** Chromium's CPU by process type (renderer, gpu-process, browser, …), in cores. */
  browserCores: Record<string, number>;
}

/** Page init script: counts the payload bytes of every WebSocket message the page receives. */
function countWebSocketBytes(): void {
  const g = globalThis as unknown as { __wireBytes: number; WebSocket: typeof WebSocket };
  g.__wireBytes = 0;
  const Native = g.WebSocket;
  // A constructor that returns a native socket, not a subclass: noVNC checks the socket's prototype's own
  // property names.
  function Counting(...args: ConstructorParameters<typeof WebSocket>): WebSocket {
    const socket = new Native(...args);
    socket.addEventListener('message', (e: MessageEvent) => {
      const d: unknown = e.data;
      g.__wireBytes +=
        d instanceof ArrayBuffer ? d.byteLength : d instanceof Blob ? d.size : String(d).length;
    });
    return socket;
  }
  Counting.prototype = Native.prototype;
  Object.setPrototypeOf(Counting, Native); // CONNECTING, OPEN, … as statics
  g.WebSocket = Counting as unknown as typeof WebSocket;
}

/** CPU ticks of every Chromium process, summed by process type. */
function browserTicks(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!/\/chrom(e|ium)$/.test(cmdline.split(/[\0 ]/)[0]!)) continue;
    const type = /--type=([a-z-]+)/.exec(cmdline)?.[1] ?? 'browser';
    const utility = /--utility-sub-type=[\w.]*?(\w+)(?:[\0 ]|$)/.exec(cmdline)?.[1];
    const key = utility ?? type;
    out[key] = (out[key] ?? 0) + cpuTicks(Number(name));
  }
  return out;
}

async function measure(browser: Browser, peer: Peer, mode: Mode): Promise<Figures> {
  const inst = await peer.start(mode);
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: W + 40, height: H + 120 },
  });
  // Bytes on the wire: every WebSocket message's payload, counted in the page for both peers (a listener
  // per socket, as cheap as the viewers' own; CDP's network events would cost the browser more than that).
  await context.addInitScript(countWebSocketBytes);
  const page = await context.newPage();
  if (process.env['BENCH_VERBOSE']) {
    page.on('console', (m) => console.error(`${peer.name} page: ${m.text()}`));
    page.on('pageerror', (e) => console.error(`${peer.name} page error: ${e.message}`));
  }
  const wireBytes = (): Promise<number> =>
    page.evaluate(() => (globalThis as unknown as { __wireBytes?: number }).__wireBytes ?? 0);
  try {
    await page.goto(inst.url);
    await inst.installProbe(page);
    // Warm up: connected and painting.
    await waitFor(
      `${peer.name} to paint`,
      async () => ((await inst.takeProbes(page)).length > 0 ? true : undefined),
      30_000,
    );
    // An idle session is measured once it is settled: past the viewer's join (key frame, whole-screen
    // refinement) and past V8's memory reducer, which compacts a new server's heap ~8 s after its start.
    await sleep(mode === 'idle' ? 10_000 : 1500);
    await inst.takeProbes(page);
    const pids = inst.serverPids();
    const ticks0 = pids.reduce((s, p) => s + cpuTicks(p), 0);
    const bytes0 = await wireBytes();
    const browser0 = browserTicks();
    const t0 = performance.timeOrigin + performance.now();
    const inputs: number[] = [];
    let probes: Probe[] = [];
    if (mode === 'typing') {
      const box = { x: 20, y: 20 }; // any point on the remote screen; keys go to the root window
      await page.mouse.click(box.x + 300, box.y + 300);
      for (let i = 0; i < KEY_PRESSES; i++) {
        await inst.takeProbes(page).then((p) => probes.push(...p));
        const before = performance.timeOrigin + performance.now();
        await page.keyboard.press('a');
        const seen = await waitFor(
          'the key block to change',
          async () => {
            const p = await inst.takeProbes(page);
            probes.push(...p);
            const hit = p.find((x) => x.at >= before && keyState(x.rgb) === ((i + 1) & 1));
            return hit?.at;
          },
          10_000,
        ).catch(() => undefined);
        if (seen !== undefined) inputs.push(seen - before);
        await sleep(100);
      }
    } else {
      await sleep(MEASURE_MS);
      probes = await inst.takeProbes(page);
    }
    const t1 = performance.timeOrigin + performance.now();
    const ticks1 = pids.reduce((s, p) => s + cpuTicks(p), 0);
    const browser1 = browserTicks();
    const bytes1 = await wireBytes();
    const seconds = (t1 - t0) / 1000;
    // Frames: distinct frame numbers that reached the canvas; latency: their paint time in X → on the canvas.
    const painted = readPaintLog(inst.logFile, 'frame');
    const shown = new Map<number, number>();
    let lastN = -1;
    let distinct = 0;
    const latencies: number[] = [];
    for (const p of probes) {
      const n = frameNumber(p.rgb);
      if (n === lastN) continue;
      lastN = n;
      distinct++;
      // The newest paint of this number before it was shown (numbers wrap every 256 frames).
      const candidates = painted.filter((x) => x.id === n && x.at <= p.at && p.at - x.at < 2000);
      const src = candidates.at(-1);
      if (src !== undefined && !shown.has(src.at)) {
        shown.set(src.at, p.at);
        latencies.push(p.at - src.at);
      }
    }
    return {
      fps: mode === 'motion' ? distinct / seconds : 0,
      latencyP50: percentileOrNull(latencies, 50),
      latencyP95: percentileOrNull(latencies, 95),
      inputP50: percentileOrNull(inputs, 50),
      inputP95: percentileOrNull(inputs, 95),
      bytesPerSecond: (bytes1 - bytes0) / seconds,
      cpuCores: (ticks1 - ticks0) / 100 / seconds,
      browserCores: Object.fromEntries(
        Object.entries(browser1).map(([k, v]) => [k, (v - (browser0[k] ?? 0)) / 100 / seconds]),
      ),
    };
  } finally {
    await context.close();
    await inst.stop();
  }
}

// --- the peers ------------------------------------------------------------------------------------

const probeScript = (y: number, xs: number[]): string => `(() => {
  const y = ${y}, xs = ${JSON.stringify(xs)};
  window.__probes = [];
  // noVNC shows a frame by drawing its back buffer onto its canvas: sample right after each such draw.
  // Checked every 50 ms, because noVNC creates (and may replace) its canvas when it connects.
  setInterval(() => {
    const canvas = document.querySelector('canvas');
    if (!canvas || canvas.__probed || canvas.width < 100) return;
    canvas.__probed = true;
    const ctx = canvas.getContext('2d');
    const draw = ctx.drawImage.bind(ctx);
    ctx.drawImage = (...a) => {
      draw(...a);
      const row = ctx.getImageData(0, y, canvas.width, 1).data;
      const rgb = [];
      for (const x of xs) rgb.push(row[x * 4], row[x * 4 + 1], row[x * 4 + 2]);
      window.__probes.push({ at: performance.timeOrigin + performance.now(), rgb });
    };
  }, 50);
})()`;

function probeXs(): { y: number; xs: number[] } {
  const p = probePoints(W);
  return { y: p.y, xs: [...p.cells, p.key] };
}

const opendcvPeer: Peer = {
  name: 'opendcv',
  async start(mode) {
    const port = await freePort();
    const root = makeDcvRoot(
      `[connectivity]\nweb-port=${port}\nweb-listen-endpoints=['127.0.0.1']\n[security]\nauthentication='none'\n` +
        `[session-management]\nvirtual-session-default-layout=[{'w':<${W}>, 'h':<${H}>, 'x':<0>, 'y':<0>}]\n[display]\ntarget-fps=${process.env['BENCH_TARGET_FPS'] ?? -1}\n`,
    );
    const logFile = join(root, 'paint.log');
    const init = writeInit(root, 'bench-init', `exec ${process.execPath} ${PAINTER} ${mode} ${logFile} 60`);
    const up = await dcvserver(root, ['start']);
    if (up.code !== 0) throw new Error(up.stderr);
    const serverPid = Number(/pid (\d+)/.exec(up.stdout)?.[1]);
    const created = await dcv(root, ['create-session', '--init', init, 'bench']);
    if (created.code !== 0) throw new Error(created.stderr);
    return {
      url: `https://127.0.0.1:${port}/#bench`,
      logFile,
      // dcvserver and the encoders it runs (its direct children other than session programs).
      serverPids: () => [serverPid, ...childrenOf(serverPid)],
      async installProbe(page) {
        const { y, xs } = probeXs();
        await waitFor('the viewer API', () =>
          page.evaluate(() => 'opendcv' in globalThis).then((ok) => (ok ? true : undefined)),
        );
        await page.evaluate(
          ([py, pxs]) =>
            (
              globalThis as unknown as { opendcv: { setProbe(y: number, xs: number[]): void } }
            ).opendcv.setProbe(py, pxs),
          [y, xs] as [number, number[]],
        );
      },
      takeProbes: (page) =>
        page.evaluate(() =>
          (globalThis as unknown as { opendcv: { takeProbes(): Probe[] } }).opendcv.takeProbes(),
        ),
      async stop() {
        await dcvserver(root, ['stop']);
        removeDcvRoot(root);
      },
    };
  },
};

function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const p = spawn(cmd, args, { env, stdio: 'ignore' });
  p.on('error', () => undefined);
  return p;
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGTERM');
  await Promise.race([new Promise((r) => p.once('exit', r)), sleep(3000).then(() => p.kill('SIGKILL'))]);
}

const novncPeer: Peer = {
  name: 'x11vnc+noVNC',
  async start(mode) {
    const root = makeDcvRoot('');
    const logFile = join(root, 'paint.log');
    writeFileSync(logFile, '');
    const display = `:${200 + Math.floor(Math.random() * 300)}`;
    const xvfb = startProcess('Xvfb', [
      display,
      '-screen',
      '0',
      `${W}x${H}x24`,
      '-nolisten',
      'tcp',
      '-noreset',
    ]);
    await waitFor('Xvfb', () =>
      readdirSync('/tmp/.X11-unix').includes(`X${display.slice(1)}`) ? true : undefined,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display };
    delete env['XAUTHORITY'];
    const painter = startProcess(process.execPath, [PAINTER, mode, logFile, '60'], env);
    const vncPort = await freePort();
    const webPort = await freePort();
    const x11vnc = startProcess(
      'x11vnc',
      [
        '-display',
        display,
        '-rfbport',
        String(vncPort),
        '-localhost',
        '-nopw',
        '-forever',
        '-shared',
        '-quiet',
      ],
      env,
    );
    const websockify = startProcess('websockify', [
      '--web',
      '/usr/share/novnc',
      String(webPort),
      `127.0.0.1:${vncPort}`,
    ]);
    // noVNC (reconnect=false) connects once: both ports must be listening before the page opens.
    await waitFor(
      'x11vnc to listen',
      () => acceptsConnections(vncPort).then((ok) => (ok ? true : undefined)),
      20_000,
    );
    await waitFor(
      'websockify to listen',
      () => acceptsConnections(webPort).then((ok) => (ok ? true : undefined)),
      20_000,
    );
    return {
      url: `http://127.0.0.1:${webPort}/vnc.html?autoconnect=true&resize=off&reconnect=false`,
      logFile,
      serverPids: () => [x11vnc.pid!, websockify.pid!, ...childrenOf(websockify.pid!)],
      async installProbe(page) {
        const { y, xs } = probeXs();
        await page.evaluate(probeScript(y, xs));
      },
      takeProbes: (page) =>
        page.evaluate(() => (globalThis as unknown as { __probes: Probe[] }).__probes.splice(0)),
      async stop() {
        for (const p of [websockify, x11vnc, painter, xvfb]) await stopProcess(p);
        removeDcvRoot(root);
      },
    };
  },
};

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

// --- the table -------------------------------------------------------------------------------------

function ms(v: number | null): string {
  return v === null ? 'n/a' : `${v.toFixed(0)} ms`;
}

export async function benchViewers(): Promise<string> {
  const browser = await launchChromium();
  const rows: string[][] = [];
  try {
    const wanted = (process.env['BENCH_PEERS'] ?? 'opendcv,novnc').split(',');
    const peers = [opendcvPeer, novncPeer].filter((p) =>
      wanted.some((w) => p.name.toLowerCase().includes(w)),
    );
    for (const peer of peers) {
      const motion = await measure(browser, peer, 'motion');
      const typing = await measure(browser, peer, 'typing');
      const idle = await measure(browser, peer, 'idle');
      rows.push([
        peer.name,
        motion.fps.toFixed(1),
        `${ms(motion.latencyP50)} / ${ms(motion.latencyP95)}`,
        `${ms(typing.inputP50)} / ${ms(typing.inputP95)}`,
        `${(motion.bytesPerSecond / 1e6).toFixed(2)} MB/s`,
        `${(typing.bytesPerSecond / 1e3).toFixed(1)} kB/s`,
        `${(motion.cpuCores * 100).toFixed(0)}%`,
        `${(idle.cpuCores * 100).toFixed(1)}%`,
        `${(sum(Object.values(motion.browserCores)) * 100).toFixed(0)}%`,
      ]);
      if (process.env['BENCH_VERBOSE'])
        console.error(
          `${peer.name} browser CPU (motion): ` +
            Object.entries(motion.browserCores)
              .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
              .join(', '),
        );
    }
  } finally {
    await browser.close();
  }
  const head = [
    'server',
    'fps (motion)',
    'latency p50/p95',
    'input p50/p95',
    'wire (motion)',
    'wire (typing)',
    'CPU (motion)',
    'CPU (idle)',
    'browser CPU (motion)',
  ];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

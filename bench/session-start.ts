// Benchmark (not a test): how long from `dcv create-session` until the session's screenshot shows
// something other than a blank frame, and what an idle session costs in memory. Default desktop
// (openbox + xterm) at 1920x1080, as an administrator would create it.
import { readFileSync } from 'node:fs';
import { decodeImage } from '../src/codec/test-decode.js';
import { percentile } from './percentile.js';
import { dcv, dcvserver, makeDcvRoot, removeDcvRoot, sessionProcesses, sleep } from '../test/e2e/harness.js';

function rssKiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function nonBlank(png: Buffer): boolean {
  const { rgb } = decodeImage(png);
  for (let i = 3; i < rgb.length; i++) if (rgb[i] !== rgb[i % 3]) return true;
  return false;
}

export async function benchSessionStart(runs = 5): Promise<Record<string, string>> {
  const root = makeDcvRoot('');
  const starts: number[] = [];
  let idleKiB = 0;
  let serverKiB = 0;
  try {
    const up = await dcvserver(root, ['start']);
    if (up.code !== 0) throw new Error(up.stderr);
    const serverPid = Number(/pid (\d+)/.exec(up.stdout)?.[1]);
    for (let i = 0; i < runs; i++) {
      const id = `bench-${i}`;
      const t0 = performance.now();
      const created = await dcv(root, ['create-session', id]);
      if (created.code !== 0) throw new Error(created.stderr);
      for (;;) {
        const shot = await dcv(root, ['get-screenshot', '--max-width', '480', '--format', 'png', '-j', id]);
        const data = Buffer.from((JSON.parse(shot.stdout) as { data: string }).data, 'base64');
        if (nonBlank(data)) break;
        await sleep(20);
      }
      starts.push(performance.now() - t0);
      if (i === runs - 1) {
        await sleep(3000); // let the desktop settle, then weigh it
        idleKiB = sessionProcesses(id).reduce((sum, pid) => sum + rssKiB(pid), 0);
        serverKiB = rssKiB(serverPid);
      }
      await dcv(root, ['close-session', id]);
    }
  } finally {
    await dcvserver(root, ['stop']);
    removeDcvRoot(root);
  }
  return {
    'create → first non-blank screenshot p50': `${percentile(starts, 50).toFixed(0)} ms`,
    'create → first non-blank screenshot max': `${Math.max(...starts).toFixed(0)} ms`,
    'idle session memory (Xvfb 1920x1080 + openbox + xterm, RSS)': `${(idleKiB / 1024).toFixed(1)} MiB`,
    'dcvserver memory (RSS)': `${(serverKiB / 1024).toFixed(1)} MiB`,
  };
}

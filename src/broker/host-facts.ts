// What the host agent tells the broker about its host: the spec's Host object (OS, memory, swap, CPUs, load
// average), read from Node's os module and /proc, plus the tags from the agent's tags folder.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Host } from './api.js';
import { parseTagFile } from './agent-config.js';

function meminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const m of readFileSync('/proc/meminfo', 'utf8').matchAll(/^(\w+):\s+(\d+) kB$/gm))
      out[m[1]!] = Number(m[2]) * 1024;
  } catch {
    // not Linux: swap stays unknown
  }
  return out;
}

function osRelease(): Record<string, string> {
  try {
    return Object.fromEntries(
      [...readFileSync('/etc/os-release', 'utf8').matchAll(/^([A-Z_]+)=(?:"([^"]*)"|(.*))$/gm)].map((m) => [
        m[1]!,
        m[2] ?? m[3] ?? '',
      ]),
    );
  } catch {
    return {};
  }
}

export function hostFacts(): Host {
  const cpus = os.cpus();
  const mem = meminfo();
  const rel = osRelease();
  const [one, five, fifteen] = os.loadavg();
  const total = os.totalmem();
  return {
    Os: {
      Family: 'linux',
      Name: rel['NAME'] ?? os.type(),
      Version: rel['VERSION_ID'] ?? '',
      KernelVersion: os.release(),
      BuildNumber: '',
    },
    Memory: { TotalBytes: total, UsedBytes: total - (mem['MemAvailable'] ?? os.freemem()) },
    Swap: { TotalBytes: mem['SwapTotal'] ?? 0, UsedBytes: (mem['SwapTotal'] ?? 0) - (mem['SwapFree'] ?? 0) },
    CpuInfo: {
      Vendor: cpus[0]?.model.split(/\s+/)[0] ?? '',
      ModelName: cpus[0]?.model ?? '',
      Architecture: os.arch() === 'x64' ? 'x86_64' : os.arch(),
      NumberOfCpus: cpus.length,
      PhysicalCoresPerCpu: cpus.length,
    },
    CpuLoadAverage: { OneMinute: one!, FiveMinutes: five!, FifteenMinutes: fifteen! },
    Gpus: [],
    LoggedInUsers: [],
  };
}

/** Every *.toml file in the tags folder, merged in name order; a bad file is reported and skipped. */
export function readTags(folder: string, warn: (m: string) => void): Record<string, string> {
  let names: string[];
  try {
    names = readdirSync(folder)
      .filter((n) => n.endsWith('.toml'))
      .sort();
  } catch {
    return {};
  }
  const tags: Record<string, string> = {};
  for (const n of names) {
    const file = join(folder, n);
    try {
      const r = parseTagFile(readFileSync(file, 'utf8'), file);
      if (r.errors.length > 0) warn(`${r.errors.join('; ')}; ${file} is skipped`);
      else Object.assign(tags, r.tags);
    } catch (e) {
      warn(`Cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return tags;
}

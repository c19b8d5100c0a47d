// Reconnect delays: quick first retry (a server restart is usually short), doubling to a ceiling, with jitter
// so many viewers of a restarted server do not reconnect in lockstep.

const FIRST_MS = 500;
const MAX_MS = 15_000;

export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_MS, FIRST_MS * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + 0.4 * random()));
}

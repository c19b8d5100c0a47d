// Many hosts (issue 20): createSessions → READY at 1, 10 and 100 concurrent requests through two brokers to
// three real hosts, and describeSessions latency with 10,000 sessions stored. Everything is a real process
// (PostgreSQL, brokers, dcvservers, agents) on this machine; BENCH_BROKER_LEVELS=1,10 runs fewer levels.
import type { z } from 'zod';
import type * as Api from '../src/broker/api.js';
import { Fleet, type ApiClient } from '../test/e2e/broker-fleet.js';
import { ensureUser } from '../test/e2e/harness.js';
import { percentile } from './percentile.js';

const OWNER = 'odcv-brkb1';

type Created = z.infer<typeof Api.CreateSessionsResponse>;

async function createToReady(clients: ApiClient[], n: number): Promise<number[]> {
  const times = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const c = clients[i % clients.length]!;
      const t0 = performance.now();
      const r = await c.call('createSessions', [{ Owner: OWNER, InitFile: 'idle.sh' }]);
      const id = (r.body as Created).SuccessfulList?.[0]?.Id;
      if (id === undefined) throw new Error(`createSessions failed: ${JSON.stringify(r.body)}`);
      await c.waitForState(id, 'READY', 300_000);
      return { id, ms: performance.now() - t0 };
    }),
  );
  const ids = times.map((t) => t.id);
  await clients[0]!.call(
    'deleteSessions',
    ids.map((SessionId) => ({ SessionId })),
  );
  await Promise.all(ids.map((id) => clients[0]!.waitForState(id, 'DELETED', 300_000)));
  return times.map((t) => t.ms);
}

export async function benchBroker(): Promise<Record<string, string>> {
  const levels = (process.env['BENCH_BROKER_LEVELS'] ?? '1,10,100').split(',').map(Number);
  const max = Math.max(...levels);
  ensureUser(OWNER);
  const fleet = new Fleet({
    hosts: 3,
    brokers: 2,
    maxSessions: Math.ceil(max / 3),
    heartbeatSeconds: 2,
    heartbeatTimeoutSeconds: 10,
    verifierBroker: 0,
    pgUser: 'odcv-brkbpg',
    initFiles: () => ({ 'idle.sh': 'exec sleep 3600' }),
  });
  const rows: Record<string, string> = {};
  try {
    await fleet.start();
    const a = await fleet.client('bench');
    const clients = [a, a.on(fleet.brokers[1]!.clientPort)];
    // Every host registered before the clock starts.
    for (;;) {
      const s = (await a.call('describeServers', {})).body as z.infer<typeof Api.DescribeServersResponse>;
      if ((s.Servers ?? []).filter((x) => x.Availability === 'AVAILABLE').length === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const n of levels) {
      const ms = await createToReady(clients, n);
      rows[`createSessions → READY, ${n} concurrent (p50 / p95)`] =
        `${percentile(ms, 50).toFixed(0)} ms / ${percentile(ms, 95).toFixed(0)} ms`;
    }
    // 10,000 sessions on a server that is alive but has no agent to reconcile them away.
    fleet.pg.sql(
      `INSERT INTO servers (id, secret_hash, ip, hostname, port, tags, last_seen) VALUES ('bench-store', 'x', '127.0.9.9', 'bench', 8443, '{"os":"linux"}', now() + interval '1 day')`,
    );
    fleet.pg.sql(
      `INSERT INTO sessions (id, name, owner, type, server_id, state) SELECT 'bench-' || g, 'n' || g, 'user' || (g % 100), 'Virtual', 'bench-store', 'READY' FROM generate_series(1, 10000) g`,
    );
    fleet.pg.sql('ANALYZE');
    const time = async (body: unknown, runs = 20): Promise<string> => {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const r = await a.call('describeSessions', body);
        if (r.status !== 200) throw new Error(JSON.stringify(r.body));
        ms.push(performance.now() - t0);
      }
      return `${percentile(ms, 50).toFixed(1)} ms / ${percentile(ms, 95).toFixed(1)} ms`;
    };
    rows['describeSessions, 10,000 stored: first page of 1000 (p50 / p95)'] = await time({});
    rows['describeSessions, 10,000 stored: MaxResults 100 (p50 / p95)'] = await time({ MaxResults: 100 });
    rows['describeSessions, 10,000 stored: one session by id (p50 / p95)'] = await time({
      SessionIds: ['bench-5000'],
    });
    rows['describeSessions, 10,000 stored: owner filter, 100 match (p50 / p95)'] = await time({
      Filters: [{ Key: 'owner', Value: 'user7' }],
    });
  } catch (e) {
    // The brokers' own account of a failure is what explains it; their logs go with the processes.
    const logged = fleet.brokers
      .flatMap((b, i) =>
        b.output
          .split('\n')
          .filter((l) => /error|warn/i.test(l))
          .map((l) => `broker ${i + 1}: ${l}`),
      )
      .slice(0, 40);
    throw new Error(`${(e as Error).message}${logged.length > 0 ? `\n${logged.join('\n')}` : ''}`, {
      cause: e,
    });
  } finally {
    await fleet.dispose();
  }
  return rows;
}

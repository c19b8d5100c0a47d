// Many hosts, end to end on real processes: PostgreSQL started here, two brokers, three hosts (each a
// dcvserver with its agent, its own DCV_ROOT and its own loopback address 127.0.1.N), API clients registered
// with the broker's CLI, a session placed by Requirements and opened in real Chromium with the broker's
// one-time token, and the failures: concurrent placement through both brokers, a broker killed mid-request,
// a host's agent killed, PostgreSQL restarted. Every API answer is checked against the spec's schemas.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type * as Api from '../../src/broker/api.js';
import { launchChromium, openViewer, viewerScreenshot, viewerState } from './browser.js';
import { Fleet, request, runBrokerCli, type ApiClient } from './broker-fleet.js';
import { dcv, ensureUser, sleep, waitFor } from './harness.js';

const OWNER = 'odcv-brk1';
const COLORS = ['#cc3311', '#2a7f3f', '#3355aa'];

type Sessions = z.infer<typeof Api.DescribeSessionsResponse>;
type Servers = z.infer<typeof Api.DescribeServersResponse>;
type Created = z.infer<typeof Api.CreateSessionsResponse>;

describe('session-manager broker with three hosts', { timeout: 240_000 }, () => {
  const fleet = new Fleet({
    hosts: 3,
    brokers: 2,
    maxSessions: 2,
    heartbeatSeconds: 1,
    heartbeatTimeoutSeconds: 5,
    verifierBroker: 1,
    pgUser: 'odcv-brkpg',
    initFiles: (n) => ({
      'desktop.sh': `xsetroot -solid '${COLORS[n - 1]}'\nexec xterm -geometry 60x10+0+0 -fa Monospace -fs 11 -T h${n}`,
      'idle.sh': 'exec sleep 600',
    }),
  });
  let api: ApiClient; // broker 1
  let api2: ApiClient; // broker 2, same client and token

  before(async () => {
    ensureUser(OWNER);
    await fleet.start();
  });

  after(async () => {
    await fleet.dispose();
  });

  const servers = async (c: ApiClient): Promise<Api.Server[]> => {
    const r = await c.call('describeServers', {});
    assert.equal(r.status, 200);
    return (r.body as Servers).Servers ?? [];
  };
  const serverOf = async (c: ApiClient, n: number): Promise<Api.Server> =>
    waitFor(`host ${n} in describeServers`, async () =>
      (await servers(c)).find((s) => s.Ip === `127.0.1.${n}`),
    );
  const create = async (c: ApiClient, body: unknown[]): Promise<Created> => {
    const r = await c.call('createSessions', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as Created;
  };
  const localSessions = async (n: number): Promise<string[]> => {
    const r = await dcv(fleet.hosts[n - 1]!.root, ['list-sessions', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { id: string }[]).map((s) => s.id).sort();
  };
  const deleteAll = async (c: ApiClient): Promise<void> => {
    const live = ((await c.call('describeSessions', {})).body as Sessions).Sessions!.filter(
      (s) => s.State !== 'DELETED',
    );
    if (live.length > 0)
      await c.call(
        'deleteSessions',
        live.map((s) => ({ SessionId: s.Id })),
      );
    await Promise.all(live.map((s) => c.waitForState(s.Id!, 'DELETED')));
  };

  test('API clients are registered with the CLI and get bearer tokens; calls without one are refused', async () => {
    api = await fleet.client('portal');
    api2 = api.on(fleet.brokers[1]!.clientPort);
    const [listed, unknownCli] = await Promise.all([
      runBrokerCli(fleet.brokers[1]!.root, ['describe-api-clients']),
      runBrokerCli(fleet.brokers[0]!.root, ['unregister-api-client', '--client-id', 'nope']),
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /"client-name": "portal"/);

    const none = await request(fleet.brokers[0]!.clientPort, fleet.ca, 'POST', '/describeSessions', '{}', {});
    assert.equal(none.status, 401);
    assert.equal((JSON.parse(none.text) as { Error: { Code: string } }).Error.Code, 'BROKER_UNAUTHORIZED');
    const bad = await request(
      fleet.brokers[0]!.clientPort,
      fleet.ca,
      'POST',
      '/oauth2/token?grant_type=client_credentials',
      '',
      {
        Authorization: `Basic ${Buffer.from('nobody:wrong').toString('base64')}`,
      },
    );
    assert.equal(bad.status, 401);
    const typo = await api.call('describeSessions', { MaxResult: 5 });
    assert.equal(typo.status, 400, 'an unknown field is refused, not ignored');
    assert.match(JSON.stringify(typo.body), /MaxResult/);

    assert.equal(unknownCli.code, 4);
    assert.equal(unknownCli.stderr.trim(), "No API client has the id 'nope'.");
  });

  test('three hosts register their facts and tags, on their own addresses', async () => {
    for (const n of [1, 2, 3]) {
      const s = await serverOf(api2, n);
      assert.equal(s.Availability, 'AVAILABLE');
      assert.equal(s.Endpoints?.[0]?.IpAddress, `127.0.1.${n}`);
      assert.equal(s.Endpoints?.[0]?.Port, fleet.hosts[n - 1]!.webPort);
      assert.ok((s.Host?.Memory?.TotalBytes ?? 0) > 1024);
      assert.ok((s.Host?.CpuInfo?.NumberOfCpus ?? 0) >= 1);
      assert.deepEqual(s.Tags, [
        { Key: 'host', Value: `h${n}` },
        { Key: 'os', Value: 'linux' },
      ]);
    }
    // The status is the last heartbeat's age; on a loaded machine one may be late for a moment.
    await waitFor('three connected agents in describe-agent-clients', async () => {
      const agents = await runBrokerCli(fleet.brokers[0]!.root, ['describe-agent-clients']);
      assert.equal(agents.code, 0, agents.stderr);
      const list = (JSON.parse(agents.stdout) as { agents: { status: string; ip: string }[] }).agents;
      assert.deepEqual(list.map((a) => a.ip).sort(), ['127.0.1.1', '127.0.1.2', '127.0.1.3']);
      return list.every((a) => a.status === 'connected') ? true : undefined;
    });
  });

  test('createSessions by Requirements → READY → connection token → Chromium shows that desktop → deleteSessions', async () => {
    const none = await create(api, [{ Owner: OWNER, Requirements: "tag:host = 'h9'" }]);
    assert.equal(none.SuccessfulList?.length, 0);
    assert.match(
      none.UnsuccessfulList?.[0]?.FailureReason ?? '',
      /No available server meets the requirements/,
    );
    const garbled = await create(api, [{ Owner: OWNER, Requirements: "tag:host = 'h2" }]);
    assert.match(garbled.UnsuccessfulList?.[0]?.FailureReason ?? '', /Requirements: unterminated string/);

    const made = await create(api, [
      {
        Name: 'brk desk',
        Owner: OWNER,
        Type: 'Virtual',
        InitFile: 'desktop.sh',
        Requirements: "tag:host = 'h2' and server:Host.Memory.TotalBytes > 1024",
      },
    ]);
    assert.equal(made.UnsuccessfulList?.length, 0, JSON.stringify(made.UnsuccessfulList));
    const id = made.SuccessfulList![0]!.Id!;
    assert.equal(made.SuccessfulList![0]!.State, 'CREATING');
    const ready = await api2.waitForState(id, 'READY');
    assert.equal(ready.Server?.Ip, '127.0.1.2');
    assert.equal(ready.Name, 'brk desk');
    assert.deepEqual(await localSessions(2), [id]);

    const conn = await api.connectionData(id, OWNER);
    assert.equal(conn.status, 200, JSON.stringify(conn.body));
    const { ConnectionToken: token, Session: s } = conn.body as z.infer<
      typeof Api.GetSessionConnectionDataResponse
    >;
    assert.ok(token !== undefined && token.length >= 32);
    const ep = s!.Server!.Endpoints![0]!;
    const url = `https://${ep.IpAddress}:${ep.Port}/?authToken=${encodeURIComponent(token)}#${id}`;
    const browser = await launchChromium();
    try {
      const page = await openViewer(browser, url);
      try {
        await waitFor(
          'the desktop in the viewer',
          async () => {
            const st = await viewerState(page);
            return st.state === 'connected' && st.framesDecoded > 0 ? true : undefined;
          },
          30_000,
        );
      } catch (e) {
        await page.screenshot({ path: '/tmp/opendcv-broker-viewer-failed.png' });
        throw new Error(
          `${(e as Error).message}: ${JSON.stringify(await viewerState(page))} ${await page.textContent('body')}`,
        );
      }
      await sleep(500);
      const png = await viewerScreenshot(page);
      writeFileSync(join(fleet.hosts[1]!.root, 'viewer.png'), png);
      await page.screenshot({ path: '/tmp/opendcv-broker-viewer.png' });
      // The middle of host 2's desktop, painted by its init: the viewer shows that host's session.
      const pixel = (await page.evaluate(`(async () => {
        const img = new Image();
        img.src = 'data:image/png;base64,${png.toString('base64')}';
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        return [...g.getImageData(img.width >> 1, img.height >> 1, 1, 1).data].slice(0, 3);
      })()`)) as number[];
      const want = [0x2a, 0x7f, 0x3f];
      assert.ok(
        pixel.every((v, i) => Math.abs(v - want[i]!) <= 12),
        `desktop colour ${pixel.join(',')}`,
      );
    } finally {
      await browser.close();
    }
    // The token was good once: a second use is refused by the broker's verifier.
    const again = await request(
      fleet.brokers[1]!.agentPort,
      fleet.ca,
      'POST',
      '/agent/validate-authentication-token',
      new URLSearchParams({
        sessionId: id,
        authenticationToken: token,
        clientAddress: '127.0.0.1',
      }).toString(),
      {
        'Content-Type': 'application/x-www-form-urlencoded',
      },
    );
    assert.match(again.text, /<auth result="no">/);

    const shots = await api2.call('getSessionScreenshots', [{ SessionId: id, MaxWidth: 320 }]);
    assert.equal(shots.status, 200);
    const image = (shots.body as z.infer<typeof Api.GetSessionScreenshotsResponse>).SuccessfulList?.[0]
      ?.SessionScreenshot?.Images?.[0];
    assert.equal(image?.Format, 'png');
    assert.equal(Buffer.from(image!.Data!, 'base64').subarray(1, 4).toString(), 'PNG');

    const perm = Buffer.from('[permissions]\n%owner% allow builtin\n').toString('base64');
    const updated = await api.call('updateSessionPermissions', [
      { SessionId: id, Owner: OWNER, PermissionsFile: perm },
    ]);
    assert.deepEqual((updated.body as z.infer<typeof Api.UpdateSessionPermissionsResponse>).SuccessfulList, [
      { SessionId: id },
    ]);

    const del = await api.call('deleteSessions', [{ SessionId: id }]);
    assert.deepEqual((del.body as z.infer<typeof Api.DeleteSessionsResponse>).SuccessfulList, [
      { SessionId: id, State: 'DELETING' },
    ]);
    await api2.waitForState(id, 'DELETED');
    assert.deepEqual(await localSessions(2), []);
  });

  test('a request that fits nowhere waits in the queue when EnqueueRequest is set, and is placed when room appears', async () => {
    const r = await api.call('closeServers', [{ ServerId: 'no-such-server' }]);
    assert.equal(
      (r.body as z.infer<typeof Api.CloseServersResponse>).UnsuccessfulList?.[0]?.FailureCode,
      'DCV_SERVER_NOT_FOUND',
    );
    const h1 = await serverOf(api, 1);
    assert.equal((await api.call('closeServers', [{ ServerId: h1.Id }])).status, 200);
    const queued = await create(api, [
      { Owner: OWNER, InitFile: 'idle.sh', Requirements: "tag:host = 'h1'", EnqueueRequest: true },
    ]);
    const id = queued.SuccessfulList![0]!.Id!;
    assert.equal((await api.session(id))?.State, 'CREATING');
    assert.equal((await api.session(id))?.Server, undefined, 'queued: on no server yet');
    await api2.call('openServers', [{ ServerId: h1.Id }]);
    const ready = await api.waitForState(id, 'READY');
    assert.equal(ready.Server?.Ip, '127.0.1.1');
    await deleteAll(api);
  });

  test('100 concurrent createSessions through both brokers never place more than a server allows', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        create(i % 2 === 0 ? api : api2, [{ Owner: OWNER, InitFile: 'idle.sh' }]),
      ),
    );
    const placed = answers.flatMap((a) => a.SuccessfulList ?? []);
    const refused = answers.flatMap((a) => a.UnsuccessfulList ?? []);
    assert.equal(placed.length, 6, '3 hosts × max-concurrent-sessions=2');
    assert.equal(refused.length, 94);
    assert.ok(refused.every((f) => /No available server/.test(f.FailureReason ?? '')));
    await Promise.all(placed.map((s) => api.waitForState(s.Id!, 'READY', 60_000)));
    const perHost = [1, 2, 3].map((n) => placed.filter((s) => s.Server?.Ip === `127.0.1.${n}`).length);
    assert.deepEqual(perHost, [2, 2, 2]);
    for (const n of [1, 2, 3]) assert.equal((await localSessions(n)).length, 2);
    const full = await serverOf(api, 1);
    assert.equal(full.UnavailabilityReason, 'SERVER_FULL');
    // Pagination: 6 sessions in pages of 4.
    const p1 = (
      await api.call('describeSessions', { MaxResults: 4, Filters: [{ Key: 'owner', Value: OWNER }] })
    ).body as Sessions;
    const p2 = (await api2.call('describeSessions', { MaxResults: 4, NextToken: p1.NextToken }))
      .body as Sessions;
    const live = [...p1.Sessions!, ...p2.Sessions!].filter((s) => s.State === 'READY');
    assert.equal(live.length, 6);
    assert.equal(p2.NextToken, undefined);
    const tagged = (await api.call('describeSessions', { Filters: [{ Key: 'tag:host', Value: 'h3' }] }))
      .body as Sessions;
    assert.equal(tagged.Sessions!.filter((s) => s.State === 'READY').length, 2);
    await deleteAll(api2);
  });

  test('a broker killed mid-request leaves no half-created session; the other broker serves', async () => {
    const inFlight = Array.from({ length: 6 }, () =>
      create(api, [{ Owner: OWNER, InitFile: 'idle.sh' }]).catch(() => null),
    );
    await sleep(30);
    await fleet.killBroker(fleet.brokers[0]!);
    await Promise.all(inFlight);
    // Whatever broker 1 committed is carried out by the agents (through broker 2 now); nothing stays CREATING.
    const settled = await waitFor(
      'every stored session to settle',
      async () => {
        const all = ((await api2.call('describeSessions', {})).body as Sessions).Sessions!.filter(
          (s) => s.State !== 'DELETED',
        );
        return all.every((s) => s.State === 'READY') ? all : undefined;
      },
      30_000,
    );
    for (const n of [1, 2, 3]) {
      const stored = settled
        .filter((s) => s.Server?.Ip === `127.0.1.${n}`)
        .map((s) => s.Id!)
        .sort();
      assert.deepEqual(await localSessions(n), stored, `host ${n} runs exactly what the broker stored`);
    }
    // The agents that long-polled broker 1 went over to broker 2: no host is unreachable.
    await sleep(2000);
    for (const n of [1, 2, 3])
      assert.notEqual((await serverOf(api2, n)).UnavailabilityReason, 'UNREACHABLE_AGENT');
  });

  test('a host whose agent stops is noticed: UNAVAILABLE, its sessions UNKNOWN (not DELETED), then back', async () => {
    const onH3 = (
      (await api2.call('describeSessions', { Filters: [{ Key: 'tag:host', Value: 'h3' }] })).body as Sessions
    ).Sessions!;
    let id = onH3.find((s) => s.State === 'READY')?.Id;
    if (id === undefined) {
      id = (await create(api2, [{ Owner: OWNER, InitFile: 'idle.sh', Requirements: "tag:host = 'h3'" }]))
        .SuccessfulList![0]!.Id!;
      await api2.waitForState(id, 'READY');
    }
    const h3 = fleet.hosts[2]!;
    await fleet.killAgent(h3);
    const gone = await waitFor('host 3 to be unreachable', async () => {
      const s = await serverOf(api2, 3);
      return s.Availability === 'UNAVAILABLE' && s.UnavailabilityReason === 'UNREACHABLE_AGENT'
        ? s
        : undefined;
    });
    assert.equal(gone.Id, (await serverOf(api2, 3)).Id);
    const unknown = await api2.waitForState(id, 'UNKNOWN');
    assert.match(unknown.StateReason ?? '', /stopped answering/);
    const refused = await create(api2, [{ Owner: OWNER, Requirements: "tag:host = 'h3'" }]);
    assert.equal(refused.SuccessfulList?.length, 0);
    assert.ok((await localSessions(3)).includes(id), 'the session still runs on the host');
    fleet.startAgent(h3);
    await api2.waitForState(id, 'READY');
    assert.notEqual((await serverOf(api2, 3)).UnavailabilityReason, 'UNREACHABLE_AGENT');
  });

  test('a PostgreSQL restart is survived: calls meanwhile fail clearly, nothing is lost, work resumes', async () => {
    const before = ((await api2.call('describeSessions', {})).body as Sessions).Sessions!.filter(
      (s) => s.State === 'READY',
    );
    assert.ok(before.length > 0);
    fleet.pg.stop();
    try {
      const during = await api2.call('describeSessions', {});
      assert.equal(during.status, 503);
      const err = during.body as z.infer<typeof Api.ErrorResponse>;
      assert.equal(err.Error.Code, 'BROKER_DATABASE_UNAVAILABLE');
      assert.match(err.Error.Message, /Retry; nothing was changed/);
    } finally {
      fleet.pg.startServer();
    }
    const back = await waitFor('the broker to answer again', async () => {
      const r = await api2.call('describeSessions', { SessionIds: before.map((s) => s.Id!) });
      return r.status === 200 ? (r.body as Sessions) : undefined;
    });
    assert.deepEqual(
      back.Sessions?.map((s) => [s.Id, s.State]),
      before.map((s) => [s.Id, 'READY']),
      'nothing lost',
    );
    // Notifications work again: a session is deleted and another created through the restarted database.
    await api2.call('deleteSessions', [{ SessionId: before[0]!.Id }]);
    await api2.waitForState(before[0]!.Id!, 'DELETED');
    const next = await create(api2, [{ Owner: OWNER, InitFile: 'idle.sh' }]);
    await api2.waitForState(next.SuccessfulList![0]!.Id!, 'READY');
    await deleteAll(api2);
    for (const n of [1, 2, 3]) assert.deepEqual(await localSessions(n), []);
  });
});

// The agent link in memory: frames split anyhow, requests and replies, events, remote errors, streams
// that stop at the window until credit arrives, and malformed frames refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkPeer } from './link-peer.js';
import {
  encodeFrame,
  FrameKind,
  FrameSplitter,
  LinkProtocolError,
  LinkRemoteError,
  STREAM_WINDOW_BYTES,
} from './link.js';

/** Two peers wired back to back; every write is delivered in 3-byte pieces, so no frame arrives whole. */
function pair(): { server: LinkPeer; agent: LinkPeer; sent: { bytes: number } } {
  const sent = { bytes: 0 };
  const deliver = (to: () => LinkPeer) => (bytes: Uint8Array) => {
    sent.bytes += bytes.byteLength;
    queueMicrotask(() => {
      for (let i = 0; i < bytes.byteLength; i += 3) to().receive(bytes.subarray(i, i + 3));
    });
  };
  const server: LinkPeer = new LinkPeer(
    'server',
    deliver(() => agent),
  );
  const agent: LinkPeer = new LinkPeer(
    'agent',
    deliver(() => server),
  );
  return { server, agent, sent };
}

test('a request gets its reply, body included, and an event arrives', async () => {
  const { server, agent } = pair();
  agent.onRequest(async (r) => ({
    result: { echo: r.params, method: r.method },
    body: new Uint8Array([...r.body].reverse()),
  }));
  const events: unknown[] = [];
  server.onEvent((name, params, body) => events.push([name, params, [...body]]));
  const reply = await server.request('x.echo', { a: 'ü' }, new Uint8Array([1, 2, 3]));
  assert.deepEqual(reply.result, { echo: { a: 'ü' }, method: 'x.echo' });
  assert.deepEqual([...reply.body], [3, 2, 1]);
  agent.event('x.changed', { n: 1 }, new Uint8Array([9]));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(events, [['x.changed', { n: 1 }, [9]]]);
});

test('a handler failure reaches the requester as a LinkRemoteError with its code', async () => {
  const { server, agent } = pair();
  agent.onRequest(async () => {
    throw new LinkRemoteError('PATH_OUTSIDE_ROOT', 'no');
  });
  await assert.rejects(
    server.request('storage.list', {}),
    (e: unknown) => e instanceof LinkRemoteError && e.code === 'PATH_OUTSIDE_ROOT',
  );
});

test('a stream sends no more than the window until the receiver gives credit', async () => {
  const { server, agent } = pair();
  const received: number[] = [];
  let credit: (n: number) => void = () => undefined;
  agent.onRequest(async (r) => {
    r.stream.onData((c) => received.push(c.byteLength));
    credit = (n) => r.stream.credit(n);
    await new Promise<void>((resolve) => r.stream.onEnd(() => resolve()));
    return { result: { bytes: received.reduce((a, b) => a + b, 0) } };
  });
  const { reply, stream } = server.open('storage.upload', {});
  const chunk = new Uint8Array(1024 * 1024);
  let written = 0;
  const writer = (async () => {
    for (let i = 0; i < 12; i++) {
      await stream.write(chunk);
      written++;
    }
    stream.end();
  })();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(written, STREAM_WINDOW_BYTES / chunk.byteLength, 'the writer waits at the window');
  credit(4 * chunk.byteLength);
  await writer;
  assert.deepEqual((await reply).result, { bytes: 12 * chunk.byteLength });
});

test('closing the link fails pending requests and wakes waiting writers', async () => {
  const { server, agent } = pair();
  agent.onRequest(() => new Promise(() => undefined));
  const pending = server.request('never', {});
  server.close('agent died');
  await assert.rejects(pending, (e: unknown) => e instanceof LinkRemoteError && e.code === 'LINK_CLOSED');
});

test('malformed frames are refused', () => {
  const split = (bytes: Uint8Array): void => new FrameSplitter(() => undefined).push(bytes);
  assert.throws(() => split(new Uint8Array([1, 0, 0, 0, 1])), LinkProtocolError, 'length below the header');
  assert.throws(() => split(new Uint8Array([5, 0, 0, 0, 99, 0, 0, 0, 0])), LinkProtocolError, 'unknown kind');
  assert.throws(() => split(new Uint8Array([0xff, 0xff, 0xff, 0xff])), LinkProtocolError, 'too long');
  const peer = new LinkPeer('server', () => undefined);
  assert.throws(
    () => peer.receive(encodeFrame(FrameKind.Request, 1, new Uint8Array([200, 0, 0, 0]))),
    LinkProtocolError,
  );
  assert.throws(
    () => peer.receive(encodeFrame(FrameKind.Event, 0, new Uint8Array([2, 0, 0, 0, 0x5b, 0x5d]))),
    LinkProtocolError,
  );
});

// The control channel without sockets (as VS Code's ipc.test.ts tests its channel): a client and a server
// wired back to back in memory, fed in every chunking a transport might produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DcvError } from '../errors.js';
import {
  ControlClientChannel,
  ControlServerChannel,
  LineSplitter,
  LineTooLongError,
  MAX_LINE_BYTES,
  MAX_REQUEST_BYTES,
  tooLongReply,
  type ControlHandlers,
} from './channel.js';
import { CONTROL_PARAMS, type ControlMethod } from './contract.js';

interface Who {
  readonly name: string;
}

/** Handlers for a test: the given ones, and every other method fails the test if it is reached. */
function handlersWith(given: Partial<ControlHandlers<Who>>): ControlHandlers<Who> {
  const all: Record<string, unknown> = {};
  for (const m of Object.keys(CONTROL_PARAMS) as ControlMethod[]) {
    all[m] = given[m] ?? (() => Promise.reject(new Error(`handler '${m}' should not run`)));
  }
  return all as unknown as ControlHandlers<Who>;
}

/** A client and a server joined in memory; `chunk` cuts each line the way a transport might. */
function pair(
  handlers: ControlHandlers<Who>,
  chunk: (line: string) => string[] = (l) => [l],
): { client: ControlClientChannel; internal: unknown[]; sent: string[] } {
  const internal: unknown[] = [];
  const sent: string[] = [];
  let server: ControlServerChannel<Who> | null = null;
  const client = new ControlClientChannel((line) => {
    sent.push(line);
    for (const c of chunk(line)) server!.receive(c);
  });
  server = new ControlServerChannel(
    (line) => {
      for (const c of chunk(line)) client.receive(c);
    },
    handlers,
    { name: 'alice' },
    (e) => internal.push(e),
  );
  return { client, internal, sent };
}

const describeDesk = {
  id: 'desk',
  owner: 'alice',
  user: 'alice',
  'num-of-connections': 0,
  'creation-time': '2026-12-01T00:00:00.000000Z',
  'last-disconnection-time': '',
  licenses: [],
  'licensing-mode': 'demo',
  'storage-root': '',
  type: 'virtual' as const,
  status: 'created',
  'x11-display': ':1',
  'x11-authority': '/run/x',
  'display-layout': [{ width: 640, height: 480, x: 0, y: 0 }],
};

test('a call reaches its handler with the caller and checked params, and resolves to the result', async () => {
  const seen: unknown[] = [];
  const { client } = pair(
    handlersWith({
      version: async () => ({ version: '2026.0.0' }),
      'describe-session': async (who, p) => {
        seen.push([who.name, p]);
        return describeDesk;
      },
    }),
  );
  assert.deepEqual(await client.call('version'), { version: '2026.0.0' });
  const d = await client.call('describe-session', { id: 'desk' });
  assert.equal(d['x11-display'], ':1');
  assert.deepEqual(seen, [['alice', { id: 'desk' }]]);
});

test('any chunking of the lines gives the same answers, and concurrent calls resolve to their own results', async () => {
  const bytewise = (l: string): string[] => [...l];
  const { client } = pair(
    handlersWith({
      'get-screenshot': async (_who, p) => ({
        format: p.format ?? 'png',
        data: `${p.id}:${p.maxWidth ?? '-'}`,
      }),
    }),
    bytewise,
  );
  const [a, b] = await Promise.all([
    client.call('get-screenshot', { id: 'one', maxWidth: 320 }),
    client.call('get-screenshot', { id: 'two', format: 'jpeg' }),
  ]);
  assert.deepEqual(a, { format: 'png', data: 'one:320' });
  assert.deepEqual(b, { format: 'jpeg', data: 'two:-' });
});

test('params are checked once, before the handler: wrong types and missing ids are USAGE errors', async () => {
  const { client } = pair(handlersWith({}));
  const usage = (re: RegExp) => (e: unknown) =>
    e instanceof DcvError && e.code === 'USAGE' && re.test(e.message);
  // The types forbid these, so send them as another client (an old or hostile one) could.
  const raw = client as unknown as { call(m: string, p: unknown): Promise<unknown> };
  await assert.rejects(raw.call('describe-session', {}), usage(/session id is required/));
  await assert.rejects(raw.call('close-connection', { id: 'desk', connection: '3' }), usage(/connection id/));
  await assert.rejects(
    raw.call('create-session', { id: 'x', type: 'windows' }),
    usage(/virtual' or 'console/),
  );
  await assert.rejects(raw.call('get-screenshot', { id: 'x', maxWidth: 1.5 }), usage(/maxWidth/));
  await assert.rejects(
    raw.call('set-permissions', { id: 'x', mode: 'all' }),
    usage(/--none, --reset-builtin/),
  );
  await assert.rejects(raw.call('set-name', { id: 'x' }), usage(/null, for none/));
  await assert.rejects(raw.call('no-such-method', {}), usage(/Unknown request 'no-such-method'/));
  await assert.rejects(raw.call('toString', {}), usage(/Unknown request/));
});

test('unknown keys are dropped, not passed on to the handler', async () => {
  let got: unknown;
  const { client } = pair(
    handlersWith({
      'close-session': async (_who, p) => {
        got = p;
        return null;
      },
    }),
  );
  const raw = client as unknown as { call(m: string, p: unknown): Promise<unknown> };
  assert.equal(await raw.call('close-session', { id: 'desk', uid: 0 }), null);
  assert.deepEqual(got, { id: 'desk' });
});

test('a DcvError keeps its code and message; anything else is INTERNAL and goes to the server log only', async () => {
  const { client, internal } = pair(
    handlersWith({
      'list-sessions': async () => {
        throw new DcvError('PERMISSION_DENIED', 'Only root may.');
      },
      'list-endpoints': async () => {
        throw new TypeError('secret detail');
      },
    }),
  );
  await assert.rejects(client.call('list-sessions'), (e: unknown) => {
    return e instanceof DcvError && e.code === 'PERMISSION_DENIED' && e.message === 'Only root may.';
  });
  await assert.rejects(client.call('list-endpoints'), (e: unknown) => {
    return e instanceof DcvError && e.code === 'INTERNAL' && !e.message.includes('secret');
  });
  assert.equal(internal.length, 1);
  assert.match(String(internal[0]), /secret detail/);
});

test('a malformed request line is answered with CONTROL_PROTOCOL; the channel goes on serving', async () => {
  const replies: string[] = [];
  const server = new ControlServerChannel(
    (line) => replies.push(line),
    handlersWith({ version: async () => ({ version: '2026.0.0' }) }),
    { name: 'bob' },
  );
  server.receive('not json\n{"id":"7","method":"version"}\nnull\n');
  server.receive('{"id":8,"method":"version"}\n');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    replies.map((l) => JSON.parse(l) as unknown),
    [
      { id: -1, error: { code: 'CONTROL_PROTOCOL', message: 'Malformed control request.' } },
      { id: -1, error: { code: 'CONTROL_PROTOCOL', message: 'Malformed control request.' } },
      { id: -1, error: { code: 'CONTROL_PROTOCOL', message: 'Malformed control request.' } },
      { id: 8, result: { version: '2026.0.0' } },
    ],
  );
});

test('a request line longer than MAX_REQUEST_BYTES is refused as soon as it is buffered, in any chunking', () => {
  for (const chunkSize of [1 << 16, 4093, MAX_REQUEST_BYTES + 7]) {
    const server = new ControlServerChannel(() => undefined, handlersWith({}), { name: 'eve' });
    const chunk = new Uint8Array(chunkSize).fill(0x78);
    let fed = 0;
    assert.throws(() => {
      // A 70 MiB line, but the refusal comes with the chunk that crosses the limit.
      while (fed < 70 * 1024 * 1024) {
        server.receive(chunk);
        fed += chunk.length;
      }
    }, LineTooLongError);
    assert.ok(fed <= MAX_REQUEST_BYTES, `refused after ${fed} bytes (chunks of ${chunkSize})`);
  }
  assert.ok(MAX_REQUEST_BYTES < MAX_LINE_BYTES, 'answers (screenshots) may be larger than requests');
  const reply = JSON.parse(tooLongReply()) as { id: number; error: { code: string; message: string } };
  assert.equal(reply.error.code, 'CONTROL_PROTOCOL');
  assert.match(reply.error.message, /1 MiB/);
});

test('a request of exactly MAX_REQUEST_BYTES is answered; the limit counts bytes, not characters', async () => {
  const replies: string[] = [];
  const server = new ControlServerChannel(
    (line) => replies.push(line),
    handlersWith({ version: async () => ({ version: '2026.0.0' }) }),
    { name: 'bob' },
  );
  const head = '{"id":5,"method":"version","params":{"pad":"';
  const tail = '"}}';
  const line = `${head}${'p'.repeat(MAX_REQUEST_BYTES - head.length - tail.length)}${tail}`;
  assert.equal(Buffer.byteLength(line), MAX_REQUEST_BYTES);
  server.receive(`${line}\n`);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(JSON.parse(replies[0]!), { id: 5, result: { version: '2026.0.0' } });
  // Half as many characters, each two bytes in UTF-8: over the limit.
  const wide = new ControlServerChannel(() => undefined, handlersWith({}), { name: 'bob' });
  assert.throws(() => wide.receive(`${head}${'é'.repeat(MAX_REQUEST_BYTES / 2)}${tail}\n`), LineTooLongError);
});

test('the splitter gives the same lines in every chunking, multi-byte characters cut anywhere', () => {
  const text = 'première ligne\n\n{"name":"日本語 ✓ 🚀"}\nlast\n';
  const bytes = new TextEncoder().encode(text);
  const want = ['première ligne', '{"name":"日本語 ✓ 🚀"}', 'last'];
  // Every split point, pairs of split points, single bytes, and pseudo-random sizes.
  const chunkings: number[][] = [];
  for (let i = 1; i < bytes.length; i++) chunkings.push([i]);
  for (let i = 1; i < bytes.length; i += 3)
    for (let j = i + 1; j < bytes.length; j += 5) chunkings.push([i, j]);
  chunkings.push([...Array(bytes.length).keys()].slice(1));
  let seed = 7;
  const cuts: number[] = [];
  for (let at = 0; at < bytes.length;) cuts.push((at += 1 + ((seed = (seed * 48271) % 2147483647) % 9)));
  chunkings.push(cuts.filter((c) => c < bytes.length));
  for (const cut of chunkings) {
    const got: string[] = [];
    const splitter = new LineSplitter((l) => got.push(l));
    let from = 0;
    for (const c of [...cut, bytes.length]) {
      splitter.push(bytes.subarray(from, c));
      from = c;
    }
    assert.deepEqual(got, want, `cut at ${cut.join(',')}`);
  }
});

test(
  'each byte is looked at once: a 1 MiB line fed 16 bytes at a time is not rescanned per chunk',
  { timeout: 20_000 },
  () => {
    // Rescanning the whole buffer on each chunk is quadratic: 65,536 chunks of a 1 MiB line would take minutes.
    let lines = 0;
    const splitter = new LineSplitter(() => lines++, MAX_REQUEST_BYTES);
    const chunk = new Uint8Array(16).fill(0x61);
    for (let i = 0; i < MAX_REQUEST_BYTES / 16; i++) splitter.push(chunk);
    splitter.push(new Uint8Array([0x0a]));
    assert.equal(lines, 1);
  },
);

test('the client refuses, with the reason, to send a request over the limit', async () => {
  const sent: string[] = [];
  const client = new ControlClientChannel((l) => sent.push(l));
  await assert.rejects(
    client.call('set-permissions', {
      id: 'desk',
      mode: 'file',
      permissions: { entry: '/p', files: { '/p': 'x'.repeat(MAX_REQUEST_BYTES) } },
    }),
    (e: unknown) =>
      e instanceof DcvError && e.code === 'CONTROL_PROTOCOL' && /more than the 1 MiB/.test(e.message),
  );
  assert.equal(sent.length, 0);
});

test('when the transport ends, every outstanding call fails with its error; a malformed reply fails them too', async () => {
  const client = new ControlClientChannel(() => undefined);
  const a = client.call('version');
  const b = client.call('list-sessions');
  client.fail(new DcvError('SERVER_NOT_RUNNING', 'dcvserver closed the connection.'));
  for (const p of [a, b])
    await assert.rejects(p, (e: unknown) => e instanceof DcvError && e.code === 'SERVER_NOT_RUNNING');

  const c = client.call('version');
  client.receive('{oops\n');
  await assert.rejects(c, (e: unknown) => e instanceof DcvError && e.code === 'CONTROL_PROTOCOL');
});

test('an error code the client does not know arrives as INTERNAL with the server message', async () => {
  const client = new ControlClientChannel(() => undefined);
  const p = client.call('version');
  client.receive('{"id":1,"error":{"code":"FROM_THE_FUTURE","message":"newer server"}}\n');
  await assert.rejects(
    p,
    (e: unknown) => e instanceof DcvError && e.code === 'INTERNAL' && e.message === 'newer server',
  );
});

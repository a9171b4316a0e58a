import * as grpc from '@grpc/grpc-js';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { openReplicate, sendMethod } from './service.js';
import { append, bytes, mesh, startNode, until, type Node } from './testing/fixtures.js';

const heartbeat = (from: string, to: string, readContext: string) =>
  ({ type: 'Heartbeat', from, to, term: 1, commit: 0, readContext }) as const;

const closing: Node[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((n) => n.transport.close()));
});
async function node(id: string, port = 0, extra = {}): Promise<Node> {
  const n = await startNode(id, extra, port);
  closing.push(n);
  return n;
}

test('a restarted peer is reached again and delivery resumes', async () => {
  const a = await node('a');
  let b = await node('b');
  mesh([a, b]);
  a.transport.send(append('a', 'b', 1, bytes(1000)));
  await b.inbox.next((m) => m.type === 'Append');

  const port = b.port;
  await b.transport.close();
  a.transport.send(heartbeat('a', 'b', 'while-down'));
  a.transport.send(append('a', 'b', 2, bytes(1000)));
  await until(() => a.unreachable.includes('b'));

  const restartedAt = Date.now();
  b = await node('b', port);
  mesh([a, b]);
  await until(() => a.transport.stats()['b']?.connected === true);
  const reconnectMs = Date.now() - restartedAt;
  expect(reconnectMs).toBeLessThan(2000); // back-off is capped at ~1 s
  a.transport.send(append('a', 'b', 3, bytes(1000)));
  await b.inbox.next((m) => m.type === 'Append' && m.entries[0]?.index === 3, 3000);
  // The control channel reconnects on its own back-off; like Raft, keep sending until one lands.
  const resend = setInterval(() => a.transport.send(heartbeat('a', 'b', 'after-restart')), 100);
  try {
    await b.inbox.next((m) => m.type === 'Heartbeat' && m.readContext === 'after-restart', 3000);
  } finally {
    clearInterval(resend);
  }
  expect(b.inbox.messages.some((m) => m.type === 'Heartbeat' && m.readContext === 'while-down')).toBe(false);
});

test('a receiver that stops reading causes bounded queueing and reported drops', async () => {
  const maxQueueMessages = 8;
  const maxQueueBytes = 4 * 1024 * 1024;
  const a = await node('a', 0, { maxQueueMessages, maxQueueBytes });
  // A real gRPC peer that opens its bulk stream, says hello, and then never reads.
  const client = new grpc.Client(`127.0.0.1:${a.port}`, grpc.credentials.createInsecure());
  const call = openReplicate(client);
  call.on('error', () => {});
  call.write({ hello: { from: 'slow', to: 'a' } });
  call.pause();
  await until(() => a.transport.stats()['slow']?.inbound === true);

  let maxQueued = 0;
  let maxQueuedBytes = 0;
  for (let i = 0; i < 200; i++) {
    a.transport.send(append('a', 'slow', i + 1, bytes(1024 * 1024, i)));
    const s = a.transport.stats()['slow'];
    maxQueued = Math.max(maxQueued, s?.queuedMessages ?? 0);
    maxQueuedBytes = Math.max(maxQueuedBytes, s?.queuedBytes ?? 0);
    await new Promise((r) => setImmediate(r));
  }
  const stats = a.transport.stats()['slow'];
  expect(maxQueued).toBeLessThanOrEqual(maxQueueMessages);
  expect(maxQueuedBytes).toBeLessThanOrEqual(maxQueueBytes + 1024 * 1024);
  expect(stats?.dropped).toBeGreaterThan(100);
  expect(a.unreachable.filter((p) => p === 'slow').length).toBe(stats?.dropped);
  call.cancel();
  client.close();
});

test('a member not yet configured with the leader still gets appends and answers over the leader stream', async () => {
  const leader = await node('leader');
  const joiner = await node('joiner'); // empty configuration: knows nobody
  leader.transport.setPeers(new Map([['joiner', `127.0.0.1:${joiner.port}`]]));
  leader.transport.send(append('leader', 'joiner', 1, bytes(2 * 1_000_000)));
  leader.transport.send(heartbeat('leader', 'joiner', 'hello-joiner'));
  await joiner.inbox.next((m) => m.type === 'Append');
  await joiner.inbox.next((m) => m.type === 'Heartbeat');
  joiner.transport.send({
    type: 'AppendResp',
    from: 'joiner',
    to: 'leader',
    term: 1,
    success: true,
    index: 1,
    conflictIndex: 0,
    conflictTerm: 0,
  });
  joiner.transport.send({
    type: 'HeartbeatResp',
    from: 'joiner',
    to: 'leader',
    term: 1,
    readContext: 'hello-joiner',
  });
  await leader.inbox.next((m) => m.type === 'AppendResp');
  await leader.inbox.next((m) => m.type === 'HeartbeatResp');
});

test('malformed input and bad addresses are logged and dropped, never thrown', async () => {
  const warnings: string[] = [];
  const logger = {
    debug() {},
    info() {},
    warn: (_o: object, msg: string) => warnings.push(msg),
    error: (_o: object, msg: string) => warnings.push(msg),
  };
  const a = await node('a', 0, { logger });
  const passthrough = (b: Buffer): Buffer => b;
  const raw = new grpc.Client(`127.0.0.1:${a.port}`, grpc.credentials.createInsecure());
  const unary = (payload: Buffer): Promise<grpc.ServiceError | null> =>
    new Promise((resolve) =>
      raw.makeUnaryRequest(sendMethod.path, passthrough, passthrough, payload, (e) => resolve(e ?? null)),
    );
  // Not protobuf at all: grpc-js refuses it with a status; the process lives on.
  expect((await unary(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2])))?.code).toBeDefined();
  // Valid protobuf, but no body: dropped with a log line.
  await unary(sendMethod.serialize({ from: 'x', to: 'a', term: 1 }));
  // Addressed to another member: dropped.
  await unary(sendMethod.serialize({ from: 'x', to: 'zz', term: 1, timeoutNow: {} }));
  expect(warnings).toEqual(
    expect.arrayContaining(['malformed raft message dropped', 'message for another member dropped']),
  );
  raw.close();

  a.transport.setPeers(
    new Map([
      ['bad', 'this is :: not an address'],
      ['down', '127.0.0.1:1'],
    ]),
  );
  a.transport.send(heartbeat('a', 'bad', 'x'));
  a.transport.send(heartbeat('a', 'down', 'x'));
  a.transport.send(append('a', 'down', 1, bytes(10)));
  a.transport.send(heartbeat('a', 'nobody', 'x'));
  await until(() => ['bad', 'down', 'nobody'].every((p) => a.unreachable.includes(p)));
  expect(a.inbox.messages).toEqual([]);
});

test('close() releases the port', async () => {
  const a = await node('a');
  const b = await node('b');
  mesh([a, b]);
  await until(
    () => a.transport.stats()['b']?.connected === true && b.transport.stats()['a']?.connected === true,
  );
  const started = Date.now();
  await a.transport.close();
  expect(Date.now() - started).toBeLessThan(1500);
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(a.port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

test('control messages reach a peer whose configured address went stale, over the stream it dialled to us', async () => {
  // A black hole where the peer used to be: it accepts TCP and never answers (a recreated pod's old
  // IP still served from a DNS cache behaves like this, or like nothing at all).
  const held: Socket[] = [];
  const hole = createServer((socket) => void held.push(socket));
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  const holePort = (hole.address() as AddressInfo).port;
  const a = await node('a');
  const b = await node('b');
  try {
    a.transport.setPeers(new Map([['b', `127.0.0.1:${b.port}`]]));
    b.transport.setPeers(new Map([['a', `127.0.0.1:${holePort}`]]));
    await until(() => b.transport.stats()['a']?.inbound === true); // a dialled b: that stream is live
    // b heartbeats a like a leader; its control calls to the stale address time out.
    const beat = setInterval(() => b.transport.send(heartbeat('b', 'a', 'stale-address')), 100);
    try {
      const m = await a.inbox.next((x) => x.type === 'Heartbeat' && x.readContext === 'stale-address', 5000);
      expect(m.from).toBe('b');
    } finally {
      clearInterval(beat);
    }
    // Votes too (any control message), and a's answers go back on its own stream as always.
    b.transport.send({
      type: 'Vote',
      from: 'b',
      to: 'a',
      term: 3,
      lastLogIndex: 9,
      lastLogTerm: 2,
      transfer: false,
    });
    await a.inbox.next((x) => x.type === 'Vote' && x.term === 3, 3000);
    a.transport.send({ type: 'VoteResp', from: 'a', to: 'b', term: 3, granted: true });
    await b.inbox.next((x) => x.type === 'VoteResp' && x.granted, 3000);
  } finally {
    for (const s of held) s.destroy();
    await new Promise((r) => hole.close(r));
  }
});

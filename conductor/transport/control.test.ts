/**
 * The control path: votes, heartbeats and their answers travel on one long-lived Control stream per peer,
 * every message acknowledged; a peer without Control (a Baton from before it, mid rolling upgrade) gets one
 * unary Send per message; a peer that stops acknowledging is reported unreachable and the channels are
 * rebuilt. The far side here is a bare gRPC server with the real service definition, so the test sees
 * exactly which calls arrive.
 */
import * as grpc from '@grpc/grpc-js';
import type { Message } from '../raft/types.js';
import { tryDecodeMessage } from './codec.js';
import { raftServiceDefinition } from './service.js';
import { startNode, until, type Node } from './testing/fixtures.js';

const heartbeat = (i: number): Message => ({
  type: 'Heartbeat',
  from: 'a',
  to: 'b',
  term: 1,
  commit: i,
  readContext: '',
});

interface FarSide {
  readonly port: number;
  /** Control streams opened to it, and the messages each carried. */
  readonly streams: Message[][];
  readonly unary: Message[];
  close(): Promise<void>;
}

/** A peer "b" answering Control (acknowledging unless `ack` is false) and Send, or Send alone. */
async function farSide(options: { control: boolean; ack?: boolean }): Promise<FarSide> {
  const streams: Message[][] = [];
  const unary: Message[] = [];
  const decode = (wire: unknown): Message => {
    const decoded = tryDecodeMessage(wire);
    if ('error' in decoded) throw new Error(decoded.error);
    return decoded.message;
  };
  const definition: grpc.ServiceDefinition = Object.fromEntries(
    Object.entries(raftServiceDefinition).filter(([name]) => options.control || name !== 'Control'),
  );
  const implementation: grpc.UntypedServiceImplementation = {
    Send: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      unary.push(decode(call.request));
      callback(null, {});
    },
    Replicate: () => {},
    InstallSnapshot: () => {},
    Status: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, { report: Buffer.alloc(0) }),
  };
  if (options.control) {
    implementation['Control'] = (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      const carried: Message[] = [];
      streams.push(carried);
      call.on('data', (wire: unknown) => {
        carried.push(decode(wire));
        if (options.ack !== false) call.write({});
      });
      call.on('error', () => {});
    };
  }
  const server = new grpc.Server();
  server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    streams,
    unary,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

let a: Node | undefined;
let b: FarSide | undefined;
afterEach(async () => {
  await a?.transport.close();
  await b?.close();
  a = undefined;
  b = undefined;
});

test('control messages share one Control stream, in order, not a unary call each', async () => {
  b = await farSide({ control: true });
  a = await startNode('a');
  a.transport.setPeers(new Map([['b', `127.0.0.1:${b.port}`]]));
  for (let i = 0; i < 50; i++) a.transport.send(heartbeat(i));
  await until(() => b!.streams.flat().length === 50);
  expect(b.streams).toHaveLength(1);
  expect(b.streams[0]!.map((m) => (m.type === 'Heartbeat' ? m.commit : -1))).toEqual(
    Array.from({ length: 50 }, (_, i) => i),
  );
  expect(b.unary).toHaveLength(0);
  expect(a.unreachable).toEqual([]);
});

test('a peer without Control (an older Baton) gets every control message as a unary Send', async () => {
  b = await farSide({ control: false });
  a = await startNode('a');
  a.transport.setPeers(new Map([['b', `127.0.0.1:${b.port}`]]));
  a.transport.send(heartbeat(0));
  // The first message may be lost with the refused stream (Raft resends); the rest arrive unary.
  await until(() => a!.transport.stats()['b'] !== undefined);
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 1; i <= 20; i++) a.transport.send(heartbeat(i));
  await until(() => b!.unary.length >= 20);
  expect(b.unary.slice(-20).map((m) => (m.type === 'Heartbeat' ? m.commit : -1))).toEqual(
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  expect(b.streams).toHaveLength(0);
});

test('a peer that stops acknowledging is reported unreachable and its channels are rebuilt', async () => {
  b = await farSide({ control: true, ack: false });
  a = await startNode('a', { controlDeadlineMs: 200 });
  a.transport.setPeers(new Map([['b', `127.0.0.1:${b.port}`]]));
  // A leader's heartbeats every 50 ms: the first three unacknowledged ones expire after 200 ms.
  const beat = setInterval(() => a!.transport.send(heartbeat(0)), 50);
  try {
    await until(() => a!.unreachable.includes('b'), 5000);
    // Rebuilt channels are a new connection, so a new stream.
    await until(() => b!.streams.length >= 2, 5000);
  } finally {
    clearInterval(beat);
  }
});

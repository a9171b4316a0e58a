/**
 * Transport benchmark: two GrpcTransports on loopback in one process (`npx tsx e2e/bench/transport.ts`).
 * For each payload size, sends one-entry appends one at a time and measures one-way delivery latency
 * (send() → onMessage), then streams a burst to measure throughput. Prints JSON.
 */
import { EntryType, type AppendRequest, type Message } from '../../conductor/raft/types.js';
import { GrpcTransport } from '../../conductor/transport/index.js';

const SIZES = [10_000, 100_000, 1_000_000, 5_000_000];
const quick = process.argv.includes('--quick');

function append(index: number, data: Uint8Array): AppendRequest {
  return {
    type: 'Append',
    from: 'a',
    to: 'b',
    term: 1,
    prevIndex: index - 1,
    prevTerm: 1,
    commit: 0,
    entries: [{ term: 1, index, type: EntryType.Normal, data }],
  };
}

function percentile(sorted: number[], p: number): number {
  const v = sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return Math.round(v * 100) / 100;
}

async function main(): Promise<void> {
  const a = new GrpcTransport({ id: 'a', listenHost: '127.0.0.1', listenPort: 0 });
  const b = new GrpcTransport({ id: 'b', listenHost: '127.0.0.1', listenPort: 0 });
  let onDelivered: (m: Message) => void = () => {};
  b.onMessage = (m) => onDelivered(m);
  const pa = await a.start();
  const pb = await b.start();
  const peers = new Map([
    ['a', `127.0.0.1:${pa.port}`],
    ['b', `127.0.0.1:${pb.port}`],
  ]);
  a.setPeers(peers);
  b.setPeers(peers);
  while (a.stats()['b']?.inbound !== true) await new Promise((r) => setTimeout(r, 10));

  let index = 0;
  const results = [];
  for (const size of SIZES) {
    const data = new Uint8Array(size).fill(7);
    const rounds = quick ? 10 : size >= 1_000_000 ? 40 : 200;
    const latencies: number[] = [];
    for (let i = 0; i < rounds + 3; i++) {
      const delivered = new Promise<void>((resolve) => (onDelivered = () => resolve()));
      const t0 = performance.now();
      a.send(append(++index, data));
      await delivered;
      if (i >= 3) latencies.push(performance.now() - t0); // first rounds warm up
    }
    latencies.sort((x, y) => x - y);

    const burst = Math.max(10, Math.min(200, Math.floor(100_000_000 / size)));
    let received = 0;
    const done = new Promise<void>((resolve) => (onDelivered = () => ++received === burst && resolve()));
    const t0 = performance.now();
    for (let i = 0; i < burst; i++) a.send(append(++index, data));
    await done;
    const seconds = (performance.now() - t0) / 1000;
    results.push({
      bytes: size,
      samples: latencies.length,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: percentile(latencies, 1),
      throughputMBps: Math.round((burst * size) / 1e6 / seconds),
      burstMessages: burst,
      dropped: a.stats()['b']?.dropped ?? 0,
    });
  }
  await Promise.all([a.close(), b.close()]);
  console.log(JSON.stringify({ transport: 'grpc-loopback', node: process.version, results }));
}

await main();

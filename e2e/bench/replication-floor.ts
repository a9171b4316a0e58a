/**
 * The replication floor: what one replicated, durable write costs on this machine with nothing of
 * Raft, gRPC or Baton in the way. Three processes, as in the commit benchmark: this one plays the
 * leader, two bare Node children play followers. The leader sends the payload over plain TCP to both
 * and writes its own copy; each follower writes its copy and answers with four bytes; the write is
 * "committed" once the leader's copy and one follower's are durable — a Raft majority of three.
 * Every write is an O_DSYNC overwrite of a zero-filled file, the cheapest durable write the WAL uses.
 *
 * The commit benchmark reports its latency against this as well as against a lone disk write, so
 * the numbers separate what the machine charges for three processes sharing two cores and one disk
 * from what Baton adds on top.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { summarize, type LatencySummary } from './fsync-floor.js';

/** The follower: plain JavaScript run with `node -e`, so it needs no TypeScript loader. */
const FOLLOWER = `
import fs from 'node:fs/promises';
import { constants as C } from 'node:fs';
import net from 'node:net';
const [port, file, size, count] = process.argv.slice(1).map((v, i) => (i === 1 ? v : Number(v)));
const fh = await fs.open(file, C.O_RDWR | C.O_CREAT);
const zeros = Buffer.alloc(1 << 20);
for (let at = 0; at < size * count; at += zeros.length) await fh.write(zeros, 0, zeros.length, at);
await fh.sync();
await fh.close();
const out = await fs.open(file, C.O_RDWR | C.O_DSYNC);
const socket = net.connect(port, '127.0.0.1');
socket.setNoDelay(true);
let pending = [];
let buffered = 0;
let seq = 0;
let writing = Promise.resolve();
socket.on('data', (chunk) => {
  pending.push(chunk);
  buffered += chunk.length;
  while (buffered >= size) {
    const all = Buffer.concat(pending);
    const payload = all.subarray(0, size);
    pending = [all.subarray(size)];
    buffered -= size;
    const at = (seq++ % count) * size;
    writing = writing.then(async () => {
      await out.write(payload, 0, size, at);
      socket.write(Buffer.alloc(4));
    });
  }
});
socket.on('close', () => process.exit(0));
`;

export async function measureReplicationFloor(
  dir: string,
  sizeBytes: number,
  iterations: number,
  gapMs: number,
): Promise<LatencySummary> {
  const server = net.createServer();
  const sockets: net.Socket[] = [];
  let onAck: () => void = () => {};
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length / 4; i++) onAck();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const followers: ChildProcess[] = [0, 1].map((i) =>
    spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        FOLLOWER,
        String(port),
        path.join(dir, `replication-floor-${i}.bin`),
        String(sizeBytes),
        String(iterations),
      ],
      { stdio: 'ignore' },
    ),
  );
  const ownFile = path.join(dir, 'replication-floor-leader.bin');
  try {
    const own = await zeroFilled(ownFile, sizeBytes * iterations);
    try {
      const deadline = Date.now() + 30_000;
      while (sockets.length < 2) {
        if (Date.now() > deadline) throw new Error('replication floor: followers did not connect');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const payload = Buffer.alloc(sizeBytes, 0x5a);
      const samples: number[] = [];
      let acks = 0;
      for (let i = 0; i < iterations; i++) {
        const started = performance.now();
        const needed = acks + 1;
        const followerDurable = new Promise<void>((resolve) => {
          onAck = () => {
            acks++;
            if (acks >= needed) resolve();
          };
        });
        for (const socket of sockets) socket.write(payload);
        await Promise.all([own.write(payload, 0, sizeBytes, i * sizeBytes), followerDurable]);
        samples.push(performance.now() - started);
        // Let the slower follower's answer arrive before the next round, as Raft would.
        while (acks < 2 * (i + 1)) await new Promise<void>((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
      return summarize(samples);
    } finally {
      await own.close();
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
    for (const follower of followers) follower.kill('SIGKILL');
    await Promise.all(
      [ownFile, ...[0, 1].map((i) => path.join(dir, `replication-floor-${i}.bin`))].map((file) =>
        fs.rm(file, { force: true }),
      ),
    );
  }
}

async function zeroFilled(file: string, bytes: number): Promise<fs.FileHandle> {
  const fh = await fs.open(file, 'w');
  const zeros = Buffer.alloc(1 << 20);
  for (let at = 0; at < bytes; at += zeros.length) await fh.write(zeros, 0, zeros.length, at);
  await fh.sync();
  await fh.close();
  const { O_RDWR, O_DSYNC } = fsConstants;
  return fs.open(file, O_RDWR | O_DSYNC);
}

/**
 * One member of a local Raft cluster, run as its own process (`baton raft-node`): a RaftNode with the
 * digest state machine, plus a small HTTP admin API so tests, benchmarks and the cluster driver can
 * propose, read and move leadership from outside the process.
 *
 *   POST /propose          body: raw bytes        → {index, count, digest, ms}
 *   POST /propose-series?count=N&concurrency=C&gapMs=G
 *                          body: raw bytes        → {latenciesMs, elapsedMs}: N proposals of a fresh
 *                                                   copy of the body, C at a time, each proposer pausing
 *                                                   G ms after each commit (benchmarks: no HTTP round
 *                                                   trip and no client process between commits)
 *   GET  /status                                  → {id, role, leader, term, commit, applied, count, digest, ...}
 *   POST /barrier                                 → {count, digest} after a linearizable read
 *   POST /transfer?to=ID                          → {}
 *   POST /membership       {op, id, address, version} (op: addVoter|addNonvoter|demote|remove)
 *
 * The first line printed on stdout is JSON `{"ready":true,"raftPort":…,"adminPort":…}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { RaftNode } from '../consensus/node.js';
import { Suffrage, type Configuration } from '../raft/types.js';
import { DigestFsm, type DigestState } from './digest-fsm.js';

export interface MemberOptions {
  readonly id: string;
  readonly dataDir: string;
  readonly host: string;
  readonly raftPort: number;
  readonly adminPort: number;
  /** id=host:port pairs of the initial voters, used only when this member has no state yet. */
  readonly bootstrapPeers: ReadonlyMap<string, string>;
  readonly dialAddress: (address: string) => string;
  readonly heartbeatTimeoutMs: number;
  readonly leaseTimeoutMs: number;
  readonly snapshotThreshold: number;
  readonly trailingLogs: number;
  readonly snapshotBytes?: number;
  readonly trailingBytes?: number;
  readonly snapshotPadding?: number;
  readonly logLevel: string;
}

export async function runMember(options: MemberOptions): Promise<void> {
  const logger = pino({ level: options.logLevel, base: { member: options.id } }, pino.destination(2));
  const fsm = new DigestFsm(options.snapshotPadding ?? 0);
  const bootstrap: Configuration | undefined =
    options.bootstrapPeers.size > 0
      ? {
          servers: [...options.bootstrapPeers].map(([id, address]) => ({
            id,
            address,
            suffrage: Suffrage.Voter,
          })),
        }
      : undefined;
  const node = new RaftNode({
    id: options.id,
    dataDir: path.join(options.dataDir, options.id),
    listenHost: options.host,
    listenPort: options.raftPort,
    ...(bootstrap ? { bootstrap } : {}),
    timing: { heartbeatTimeoutMs: options.heartbeatTimeoutMs, leaseTimeoutMs: options.leaseTimeoutMs },
    snapshotThreshold: options.snapshotThreshold,
    trailingLogs: options.trailingLogs,
    ...(options.snapshotBytes !== undefined ? { snapshotBytes: options.snapshotBytes } : {}),
    ...(options.trailingBytes !== undefined ? { trailingBytes: options.trailingBytes } : {}),
    dialAddress: options.dialAddress,
    fsm,
    logger,
  });
  const { port } = await node.start();

  const server = createServer((request, response) => {
    handle(node, fsm, request, response).catch((error: unknown) => {
      reply(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.adminPort, options.host, resolve));
  const address = server.address();
  const adminPort = typeof address === 'object' && address ? address.port : options.adminPort;
  process.stdout.write(`${JSON.stringify({ ready: true, id: options.id, raftPort: port, adminPort })}\n`);

  const shutdown = async (): Promise<void> => {
    server.close();
    await node.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

async function handle(
  node: RaftNode<DigestState>,
  fsm: DigestFsm,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://member');
  const body = await readBody(request);
  try {
    switch (`${request.method} ${url.pathname}`) {
      case 'POST /propose': {
        const started = performance.now();
        await node.propose(body);
        const state = fsm.current();
        return reply(response, 200, { ...state, ms: performance.now() - started });
      }
      case 'POST /propose-series': {
        const count = positiveInt(url.searchParams.get('count'));
        const concurrency = positiveInt(url.searchParams.get('concurrency') ?? '1');
        const gapMs = Number(url.searchParams.get('gapMs') ?? '0');
        if (count === undefined || concurrency === undefined || !(gapMs >= 0)) {
          return reply(response, 400, {
            error: 'count and concurrency must be positive integers, gapMs a number ≥ 0',
          });
        }
        return reply(response, 200, await proposeSeries(node, body, count, concurrency, gapMs));
      }
      case 'GET /status': {
        const status = node.status();
        return reply(response, 200, {
          id: node.id,
          role: status.role,
          leader: status.leader,
          term: status.term,
          commit: status.commit,
          lastIndex: status.lastIndex,
          version: status.configIndex,
          servers: status.configuration.servers,
          ...node.counters,
          ...fsm.current(),
        });
      }
      case 'POST /barrier': {
        await node.barrier();
        return reply(response, 200, fsm.current());
      }
      case 'POST /transfer': {
        const to = url.searchParams.get('to') ?? undefined;
        await node.transferLeadership(to);
        return reply(response, 200, {});
      }
      case 'POST /membership': {
        const change = JSON.parse(body.toString('utf8')) as {
          op: string;
          id: string;
          address?: string;
          version?: number;
        };
        const version = change.version ?? 0;
        if (change.op === 'addVoter') await node.addVoter(change.id, change.address ?? '', version);
        else if (change.op === 'addNonvoter')
          await node.addNonvoter(change.id, change.address ?? '', version);
        else if (change.op === 'demote') await node.demoteVoter(change.id, version);
        else if (change.op === 'remove') await node.removeServer(change.id, version);
        else return reply(response, 400, { error: `unknown membership op "${change.op}"` });
        return reply(response, 200, node.configuration());
      }
      default:
        return reply(response, 404, { error: `no route ${request.method} ${url.pathname}` });
    }
  } catch (error) {
    return reply(response, 409, { error: error instanceof Error ? error.message : String(error) });
  }
}

function positiveInt(value: string | null): number | undefined {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * `count` proposals, `concurrency` in flight at a time. Each proposes its own copy of `payload` with
 * its sequence number in the first bytes — a new block arrives as a new buffer — and the copy is made
 * before the clock starts. Latency is propose() → committed and applied here. A pause after each
 * commit keeps a latency measurement from turning into a saturation test: a sequencer proposes one
 * block per block time, not back to back.
 */
async function proposeSeries(
  node: RaftNode<DigestState>,
  payload: Uint8Array,
  count: number,
  concurrency: number,
  gapMs: number,
): Promise<{ latenciesMs: number[]; elapsedMs: number }> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const data = Buffer.from(payload);
      if (data.length >= 4) data.writeUInt32BE(next, 0);
      next++;
      const t0 = performance.now();
      await node.propose(data);
      latenciesMs.push(performance.now() - t0);
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { latenciesMs, elapsedMs: performance.now() - started };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

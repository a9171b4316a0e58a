import { Registry } from 'prom-client';

import { fakeEnvelope } from '../fsm/testing/fixtures.js';
import { createConductorMetrics } from '../metrics/metrics.js';
import {
  ERR_SEQUENCER_ALREADY_RUNNING,
  ERR_SEQUENCER_NOT_RUNNING,
  errorMessageContains,
  ExecutionClient,
  OpNodeClient,
  RpcError,
  RpcTransportError,
} from './index.js';
import { JsonRpcError, sleep, startTestRpcServer, type TestRpcServer } from './testing/test-server.js';

const HASH = `0x${'ab'.repeat(32)}` as const;
const ref = (number: number, timestamp: number) => ({
  hash: HASH,
  number,
  parentHash: `0x${'cd'.repeat(32)}`,
  timestamp,
  l1origin: { hash: HASH, number: 7 },
  sequenceNumber: 0,
});

let server: TestRpcServer;
afterEach(async () => server.close());

describe('OpNodeClient', () => {
  it('starts the sequencer on a hash and keeps op-node’s error message verbatim', async () => {
    server = await startTestRpcServer({
      admin_startSequencer: () => {
        throw new JsonRpcError(-32000, ERR_SEQUENCER_ALREADY_RUNNING);
      },
    });
    const node = new OpNodeClient(server.url);
    const err = await node.startSequencer(HASH).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: -32000, message: 'sequencer already running' });
    expect(errorMessageContains(err, ERR_SEQUENCER_ALREADY_RUNNING)).toBe(true);
    expect(server.requests).toEqual([{ method: 'admin_startSequencer', params: [HASH] }]);
  });

  it('stops the sequencer and returns the head hash; "sequencer not running" surfaces as an RpcError', async () => {
    let running = true;
    server = await startTestRpcServer({
      admin_stopSequencer: () => {
        if (!running) throw new JsonRpcError(-32000, ERR_SEQUENCER_NOT_RUNNING);
        running = false;
        return HASH;
      },
    });
    const node = new OpNodeClient(server.url);
    expect(await node.stopSequencer()).toBe(HASH);
    await expect(node.stopSequencer()).rejects.toThrow(new RpcError(-32000, 'sequencer not running'));
  });

  it('reports method-not-found from an old op-node with its code', async () => {
    server = await startTestRpcServer({});
    const err = await new OpNodeClient(server.url).conductorEnabled().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(-32601);
  });

  it('reads booleans, sync status (decimal numbers) and peer stats', async () => {
    server = await startTestRpcServer({
      admin_conductorEnabled: () => true,
      admin_sequencerActive: () => false,
      optimism_syncStatus: () => ({
        head_l1: { hash: HASH, number: 20, parentHash: HASH, timestamp: 1000 },
        unsafe_l2: ref(105, 1_700_000_010),
        safe_l2: ref(100, 1_700_000_000),
        finalized_l2: ref(90, 1_699_999_980),
      }),
      opp2p_peerStats: () => ({ connected: 3, table: 10, blocksTopic: 2, banned: 0, known: 12 }),
    });
    const node = new OpNodeClient(server.url);
    expect(await node.conductorEnabled()).toBe(true);
    expect(await node.sequencerActive()).toBe(false);
    const status = await node.syncStatus();
    expect(status.unsafe_l2).toMatchObject({ number: 105, timestamp: 1_700_000_010 });
    expect(status.safe_l2.number).toBe(100);
    expect(status.head_l1?.number).toBe(20);
    expect((await node.peerStats()).connected).toBe(3);
  });

  it('rejects a malformed result as an invalid response', async () => {
    server = await startTestRpcServer({ optimism_syncStatus: () => ({ unsafe_l2: { number: '0x5' } }) });
    const err = await new OpNodeClient(server.url).syncStatus().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcTransportError);
    expect((err as RpcTransportError).kind).toBe('invalid-response');
  });

  it('posts an unsafe payload as op-node JSON, and refuses an uncommittable one locally', async () => {
    server = await startTestRpcServer({ admin_postUnsafePayload: () => null });
    const node = new OpNodeClient(server.url);
    const env = fakeEnvelope({ number: 9n });
    await node.postUnsafePayload(env);
    expect(server.requests[0]?.params).toEqual([JSON.parse(JSON.stringify(env))]);
    const { parentBeaconBlockRoot: _r, ...noRoot } = env;
    await expect(node.postUnsafePayload(noRoot)).rejects.toThrow(
      'execution payload envelope is missing data',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('passes proxy calls through untouched', async () => {
    const output = { version: `0x${'00'.repeat(32)}`, outputRoot: HASH, blockRef: ref(5, 1) };
    server = await startTestRpcServer({
      optimism_outputAtBlock: () => output,
      optimism_rollupConfig: () => ({ block_time: 2 }),
    });
    const node = new OpNodeClient(server.url);
    expect(await node.outputAtBlock('0x5')).toEqual(output);
    expect(await node.rollupConfig()).toEqual({ block_time: 2 });
    expect(server.requests[0]).toEqual({ method: 'optimism_outputAtBlock', params: ['0x5'] });
  });
});

describe('timeouts and transport failures', () => {
  it('times out a slow call without retrying', async () => {
    server = await startTestRpcServer({ admin_sequencerActive: async () => (await sleep(1000), true) });
    const node = new OpNodeClient(server.url, { timeoutMs: 100 });
    const started = Date.now();
    const err = await node.sequencerActive().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(800);
    expect(err).toBeInstanceOf(RpcTransportError);
    expect((err as RpcTransportError).kind).toBe('timeout');
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });

  it('honours a per-call timeout override', async () => {
    server = await startTestRpcServer({ admin_sequencerActive: async () => (await sleep(200), true) });
    const node = new OpNodeClient(server.url, { timeoutMs: 50 });
    expect(await node.sequencerActive({ timeoutMs: 2000 })).toBe(true);
  });

  it('reports HTTP errors with their status', async () => {
    server = await startTestRpcServer({});
    server.httpFailure = { status: 503, body: 'unavailable' };
    const err = await new OpNodeClient(server.url).sequencerActive().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcTransportError);
    expect(err).toMatchObject({ kind: 'http', status: 503 });
    // Which server, which call, and what it said.
    expect((err as Error).message).toBe(
      `node at ${server.url} answered admin_sequencerActive with HTTP 503: unavailable`,
    );
  });

  it('reports a refused connection as a network error', async () => {
    server = await startTestRpcServer({});
    const url = server.url;
    await server.close();
    const err = await new OpNodeClient(url, { timeoutMs: 2000 }).sequencerActive().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcTransportError);
    expect((err as RpcTransportError).kind).toBe('network');
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot reach node at ${url} \\(.*(ECONNREFUSED|other side closed).*\\)$`),
    );
    expect((err as RpcTransportError).call).toEqual({ method: 'admin_sequencerActive', url });
    server = await startTestRpcServer({}); // for afterEach
  });

  it('feeds the RPC client metrics', async () => {
    server = await startTestRpcServer({
      admin_sequencerActive: () => true,
      admin_startSequencer: () => {
        throw new JsonRpcError(-32000, 'block hash does not match');
      },
    });
    const registry = new Registry();
    const metrics = createConductorMetrics(registry);
    const node = new OpNodeClient(server.url, { recordRequest: metrics.recordRpcClientRequest });
    await node.sequencerActive();
    await node.startSequencer(HASH).catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toContain(
      'op_conductor_rpc_client_responses_total{rpc="node",method="admin_sequencerActive",error="<nil>"} 1',
    );
    expect(text).toContain(
      'op_conductor_rpc_client_responses_total{rpc="node",method="admin_startSequencer",error="rpc_-32000"} 1',
    );
  });
});

describe('ExecutionClient', () => {
  const block = {
    hash: HASH,
    number: '0x64',
    parentHash: `0x${'cd'.repeat(32)}`,
    timestamp: '0x6553f100',
    transactions: [],
    extra: 'kept verbatim',
  };

  it('returns eth_getBlockByNumber raw for the proxy and typed for the conductor', async () => {
    server = await startTestRpcServer({
      eth_getBlockByNumber: ([tag]) => (tag === '0x999' ? null : block),
    });
    const el = new ExecutionClient(server.url);
    expect(await el.getBlockByNumberRaw('latest', true)).toEqual(block);
    expect(server.requests[0]).toEqual({ method: 'eth_getBlockByNumber', params: ['latest', true] });
    expect(await el.latestBlock()).toEqual({
      hash: HASH,
      number: 100n,
      parentHash: `0x${'cd'.repeat(32)}`,
      timestamp: 0x6553f100n,
    });
    expect(server.requests[1]?.params).toEqual(['latest', false]);
    expect(await el.getBlockHeader(0x999n)).toBeNull();
  });

  it('counts peers through net_peerCount or admin_peers', async () => {
    server = await startTestRpcServer({ net_peerCount: () => '0x1a', admin_peers: () => [{}, {}, {}] });
    const el = new ExecutionClient(server.url);
    expect(await el.peerCount('net')).toBe(26);
    expect(await el.peerCount('admin')).toBe(3);
  });

  it('passes other methods through', async () => {
    server = await startTestRpcServer({ miner_setMaxDASize: () => true });
    expect(await new ExecutionClient(server.url).passthrough('miner_setMaxDASize', ['0x1', '0x2'])).toBe(
      true,
    );
    expect(server.requests[0]?.params).toEqual(['0x1', '0x2']);
  });
});

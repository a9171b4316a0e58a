/**
 * The simulator end to end on loopback: real HTTP servers, real JSON-RPC, no mocks. The conductor
 * here is a small test peer that speaks conductor_leader / conductor_commitUnsafePayload with
 * op-conductor's error text (reference §2.2); the real conductor lives in conductor/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { auditChain } from './audit/audit.js';
import { checkBlockHash, parseEnvelope, type ExecutionPayloadEnvelopeJson } from './chain/envelope.js';
import { startSimOpGeth, type SimOpGeth } from './op-geth/server.js';
import { EngineClient } from './op-node/engine.js';
import { startSimOpNode, type SimOpNode } from './op-node/node.js';
import { loadP2pPeerId } from './op-node/p2p-key.js';
import { rpcCall } from './rpc/client.js';
import { P2pSigner } from './op-node/signer.js';
import { startRpcServer, type RunningServer } from './rpc/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}
async function rpcError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected an error');
}

/** A stand-in conductor: commits only while it says it is the leader. */
class TestConductor {
  leader = false;
  commits: ExecutionPayloadEnvelopeJson[] = [];
  server!: RunningServer;
  async start(): Promise<this> {
    this.server = await startRpcServer(
      {
        conductor_leader: () => this.leader,
        conductor_commitUnsafePayload: ([env]) => {
          if (!this.leader) throw new Error('failed to apply payload envelope: node is not the leader');
          this.commits.push(parseEnvelope(env));
          return null;
        },
      },
      { host: '127.0.0.1', port: 0 },
    );
    return this;
  }
}

const secret = randomBytes(32);
const genesisTime = Math.floor(Date.now() / 1000);
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});
async function geth(): Promise<SimOpGeth> {
  const g = await startSimOpGeth({ jwtSecret: secret, genesisTime, chainId: 901 });
  closers.push(g.close);
  return g;
}
/** Every member of a chain signs with the same sequencer key (the p2p sequencer address on L1). */
const SEQUENCER_KEY = `0x${'42'.repeat(32)}`;
const chainSigner = new P2pSigner(SEQUENCER_KEY);
async function node(opts: Parameters<typeof startSimOpNode>[0]): Promise<SimOpNode> {
  const n = await startSimOpNode({
    jwtSecret: secret,
    blockTimeMs: 200,
    sequencerKey: SEQUENCER_KEY,
    ...opts,
  });
  closers.push(n.close);
  return n;
}

describe('op-geth', () => {
  test('serves blocks with verifiable hashes; the engine API requires the JWT', async () => {
    const g = await geth();
    expect(await rpcCall(g.url, 'eth_blockNumber', [])).toBe('0x0');
    expect(await rpcCall(g.url, 'eth_chainId', [])).toBe('0x385');
    expect(await rpcCall(g.url, 'net_peerCount', [])).toBe('0x0');
    const block = await rpcCall<{ hash: Hex; timestamp: Hex }>(g.url, 'eth_getBlockByNumber', [
      'latest',
      false,
    ]);
    expect(block.hash).toBe(g.store.genesis.hash);
    expect(Number(block.timestamp)).toBe(genesisTime);
    await expect(rpcCall(g.authUrl, 'engine_getPayloadV4', ['0x0000000000000001'])).rejects.toThrow(
      /401.*missing token/,
    );
    const err = await rpcError(rpcCall(g.url, 'no_such', []));
    expect(err).toBe('the method no_such does not exist/is not available');
    // Batches and malformed bodies behave like geth's server.
    const res = await fetch(g.url, {
      method: 'POST',
      body: '[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"},{"x":1}]',
    });
    expect(await res.json()).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x0' },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
    ]);
    const bad = await fetch(g.url, { method: 'POST', body: '{' });
    expect(await bad.json()).toMatchObject({ error: { code: -32700 } });
  });
});

describe('op-node without a conductor', () => {
  test('--sequencer.enabled produces a chain of verifiable blocks; sync status uses decimal numbers', async () => {
    const g = await geth();
    const n = await node({ l2: g.authUrl, sequencerEnabled: true, payloadBytes: 20_000 });
    await waitFor(() => n.head().number >= 3);
    const status = await rpcCall<Record<string, { number: unknown; timestamp: unknown }>>(
      n.url,
      'optimism_syncStatus',
      [],
    );
    expect(typeof status.unsafe_l2?.number).toBe('number');
    expect(typeof status.unsafe_l2?.timestamp).toBe('number');
    expect(Object.keys(status)).toEqual(
      expect.arrayContaining([
        'current_l1',
        'head_l1',
        'safe_l1',
        'finalized_l1',
        'unsafe_l2',
        'safe_l2',
        'finalized_l2',
      ]),
    );
    expect(status.unsafe_l2).toMatchObject({
      l1origin: { number: expect.any(Number) },
      sequenceNumber: expect.any(Number),
    });
    const latest = await rpcCall<{ hash: Hex; parentHash: Hex; number: Hex }>(g.url, 'eth_getBlockByNumber', [
      'latest',
      true,
    ]);
    expect(Number(latest.number)).toBeGreaterThanOrEqual(3);
    // Every block's hash recomputes from its contents and links to its parent.
    for (let i = 1; i <= 3; i++) {
      const b = g.store.getByNumber(i);
      expect(b?.header.parentHash).toBe(g.store.getByNumber(i - 1)?.hash);
    }
    expect(await rpcCall(n.url, 'admin_conductorEnabled', [])).toBe(false);
    expect(await rpcCall(n.url, 'admin_sequencerActive', [])).toBe(true);
    expect(await rpcCall(n.url, 'opp2p_peerStats', [])).toMatchObject({
      connected: 0,
      blocksTopicV4: 0,
      banned: 0,
    });
  });

  test('refuses --conductor.enabled without --sequencer.enabled', async () => {
    const g = await geth();
    await expect(
      startSimOpNode({ l2: g.authUrl, jwtSecret: secret, conductorEnabled: true }),
    ).rejects.toThrow('sequencer must be enabled when conductor is enabled');
  });
});

describe('op-node with a conductor, and gossip to a peer', () => {
  test('start/stop semantics, commit-before-gossip, no publication after a failed commit', async () => {
    const conductor = await new TestConductor().start();
    closers.push(() => conductor.server.close());
    const [ga, gb] = [await geth(), await geth()];
    const b = await node({ l2: gb.authUrl, nodeId: 'b' });
    const a = await node({
      l2: ga.authUrl,
      nodeId: 'a',
      sequencerEnabled: true,
      conductorEnabled: true,
      conductorRpc: conductor.server.url,
      p2pStatic: [`/ip4/127.0.0.1/tcp/${new URL(b.p2pUrl).port}/p2p/b`],
    });
    // The conductor decides: the node comes up stopped whatever --sequencer.stopped says.
    expect(await rpcCall(a.url, 'admin_sequencerActive', [])).toBe(false);
    expect(await rpcCall(a.url, 'admin_conductorEnabled', [])).toBe(true);
    const genesis = a.head();

    expect(await rpcError(rpcCall(a.url, 'admin_startSequencer', [genesis.hash]))).toBe(
      'sequencer is not the leader, aborting',
    );
    conductor.leader = true;
    const wrong = `0x${'11'.repeat(32)}`;
    expect(await rpcError(rpcCall(a.url, 'admin_startSequencer', [wrong]))).toBe(
      `block hash does not match: head ${genesis.hash}:0, received ${wrong}`,
    );
    expect(await rpcCall(a.url, 'admin_startSequencer', [genesis.hash])).toBeNull();
    expect(await rpcError(rpcCall(a.url, 'admin_startSequencer', [genesis.hash]))).toBe(
      'sequencer already running',
    );

    // Blocks flow: committed, then gossiped to b, which inserts them.
    await waitFor(() => b.head().number >= 3);
    await waitFor(
      async () =>
        Number(
          await rpcCall(a.url, 'opp2p_peerStats', []).then((s) => (s as { connected: number }).connected),
        ) === 1,
    );

    // Leadership lost: commits fail, nothing more is published or inserted anywhere.
    conductor.leader = false;
    await sleep(300);
    const frozenA = a.head().number;
    const frozenPublished = a.history().published.length;
    await sleep(700);
    expect(a.head().number).toBe(frozenA);
    expect(a.history().published.length).toBe(frozenPublished);
    await waitFor(() => b.head().number === frozenA);
    const committed = new Set(conductor.commits.map((c) => c.executionPayload.blockHash));
    for (const p of a.history().published) expect(committed.has(p.hash)).toBe(true);

    expect(await rpcCall(a.url, 'admin_stopSequencer', [])).toBe(a.head().hash);
    expect(await rpcError(rpcCall(a.url, 'admin_stopSequencer', []))).toBe('sequencer not running');

    // The auditor sees one linear chain.
    const report = auditChain([a.history(), b.history()]);
    expect(report).toMatchObject({ reorgs: 0, doubleSequenced: 0 });
    expect(report.blocks).toBeGreaterThanOrEqual(3);
    expect(report.heads).toEqual({
      a: { number: frozenA, hash: a.head().hash },
      b: { number: frozenA, hash: a.head().hash },
    });

    // admin_postUnsafePayload verifies the hash, then extends a node that is one block behind.
    const gc = await geth();
    const c = await node({ l2: gc.authUrl, nodeId: 'c' });
    const first = conductor.commits[0] as ExecutionPayloadEnvelopeJson;
    const tampered = structuredClone(first);
    tampered.executionPayload.gasUsed = '0x1';
    const actual = checkBlockHash(tampered).actual;
    const err = await rpcError(rpcCall(c.url, 'admin_postUnsafePayload', [tampered]));
    expect(err).toBe(
      `payload has bad block hash: ${first.executionPayload.blockHash}, actual block hash is: ${actual}`,
    );
    expect(c.head().number).toBe(0);
    expect(await rpcCall(c.url, 'admin_postUnsafePayload', [first])).toBeNull();
    expect(c.head()).toMatchObject({ number: 1, hash: first.executionPayload.blockHash });
    expect(await rpcCall(gc.url, 'eth_blockNumber', [])).toBe('0x1');
  });

  test('a node that receives a block ahead of its head syncs the gap from a peer; bad hashes are dropped', async () => {
    const ga = await geth();
    const gb = await geth();
    const a = await node({ l2: ga.authUrl, nodeId: 'a2', sequencerEnabled: true });
    await waitFor(() => a.head().number >= 4);
    // b dials a (a does not dial b, so b only learns blocks by asking).
    const b = await node({ l2: gb.authUrl, nodeId: 'b2', p2pStatic: [a.p2pUrl.replace('http://', '')] });
    const bP2p = b.p2pUrl;
    const target = a.head().number;
    const env = (await rpcCall(a.p2pUrl, 'simp2p_blockByNumber', [target])) as ExecutionPayloadEnvelopeJson;
    const bad = structuredClone(env);
    bad.executionPayload.stateRoot = `0x${'00'.repeat(32)}`;
    await rpcCall(bP2p, 'simp2p_gossip', ['a2', bad, await chainSigner.sign(901, JSON.stringify(bad))]);
    expect(b.head().number).toBe(0);
    await rpcCall(bP2p, 'simp2p_gossip', ['a2', env, await chainSigner.sign(901, JSON.stringify(env))]);
    await waitFor(() => b.head().number >= target);
    expect(auditChain([a.history(), b.history()])).toMatchObject({ reorgs: 0, doubleSequenced: 0 });
  });

  test('gossip needs the p2p sequencer key: unsigned, wrongly signed and unsignable blocks go nowhere', async () => {
    const [ga, gb, gc] = [await geth(), await geth(), await geth()];
    const logs: string[] = [];
    const follower = await node({ l2: gb.authUrl, nodeId: 'f3', log: (m) => logs.push(m) });
    const followerP2p = follower.p2pUrl.replace('http://', '');
    // A sequencer without --p2p.sequencer.key builds blocks but cannot publish them.
    const keyless: string[] = [];
    const unsigned = await node({
      l2: ga.authUrl,
      nodeId: 'u3',
      sequencerEnabled: true,
      sequencerKey: undefined,
      p2pStatic: [followerP2p],
      log: (m) => keyless.push(m),
    });
    await waitFor(() => unsigned.head().number >= 3);
    expect(keyless.join('\n')).toMatch(
      /node has no p2p signer, payload 0x[0-9a-f]{64}:1 cannot be published/,
    );
    // A sequencer signing with another key publishes; the follower rejects every block.
    const impostor = await node({
      l2: gc.authUrl,
      nodeId: 'i3',
      sequencerEnabled: true,
      sequencerKey: `0x${'07'.repeat(32)}`,
      p2pStatic: [followerP2p],
    });
    await waitFor(() => impostor.head().number >= 3);
    await waitFor(() => logs.some((m) => m.includes('invalid block signature: signed by')));
    expect(follower.head().number).toBe(0);
    // A block with no signature at all is refused the same way.
    const env = (await rpcCall(impostor.p2pUrl, 'simp2p_blockByNumber', [1])) as ExecutionPayloadEnvelopeJson;
    await rpcCall(follower.p2pUrl, 'simp2p_gossip', ['i3', env]);
    expect(follower.head().number).toBe(0);
    expect(logs.join('\n')).toContain('invalid block signature: not 65 bytes of hex');
    // A node with no expected signer (no key, no L1 address) ignores gossip, as op-node with a zero signer.
    const blind: string[] = [];
    const g4 = await geth();
    const noSigner = await node({
      l2: g4.authUrl,
      nodeId: 'n3',
      sequencerKey: undefined,
      log: (m) => blind.push(m),
    });
    await rpcCall(noSigner.p2pUrl, 'simp2p_gossip', [
      'i3',
      env,
      await chainSigner.sign(901, JSON.stringify(env)),
    ]);
    expect(noSigner.head().number).toBe(0);
    expect(blind.join('\n')).toContain('no configured p2p sequencer address, ignoring gossiped block');
    // A malformed key stops the node at start, as op-node's signer loader does.
    await expect(startSimOpNode({ l2: g4.authUrl, jwtSecret: secret, sequencerKey: 'nope' })).rejects.toThrow(
      'failed to load p2p signer',
    );
  });
});

describe('fidelity to geth and op-node across restarts', () => {
  test('op-geth ignores a forkchoice update to a canonical block below its head (geth: "old head")', async () => {
    const g = await geth();
    const a = await node({ l2: g.authUrl, nodeId: 'fc', sequencerEnabled: true });
    await waitFor(() => a.head().number >= 3);
    await a.close();
    const head = g.store.head;
    const old = g.store.getByNumber(1)!;
    const engine = new EngineClient(g.authUrl, secret, () => 0);
    const payloadId = await engine.forkchoiceUpdated({
      headBlockHash: old.hash,
      safeBlockHash: old.hash,
      finalizedBlockHash: old.hash,
    });
    expect(payloadId).toBeNull();
    expect(g.store.head.hash).toBe(head.hash);
  });

  test('after a whole-cluster restart a peer serves the blocks it had before, from its op-geth', async () => {
    const ga = await geth();
    const a = await node({ l2: ga.authUrl, nodeId: 'wa', sequencerEnabled: true });
    await waitFor(() => a.head().number >= 4);
    await a.close();
    // a restarts (its op-node remembers nothing it gossiped); b never saw those blocks.
    const a2 = await node({ l2: ga.authUrl, nodeId: 'wa2' });
    const target = a2.head().number;
    expect(target).toBeGreaterThanOrEqual(4);
    const b = await node({
      l2: (await geth()).authUrl,
      nodeId: 'wb',
      p2pStatic: [a2.p2pUrl.replace('http://', '')],
    });
    const env = (await rpcCall(a2.p2pUrl, 'simp2p_blockByNumber', [
      target,
    ])) as ExecutionPayloadEnvelopeJson | null;
    expect(env).not.toBeNull();
    expect(checkBlockHash(env!).ok).toBe(true);
    await rpcCall(b.p2pUrl, 'simp2p_gossip', ['wa2', env, await chainSigner.sign(901, JSON.stringify(env))]);
    await waitFor(() => b.head().number >= target);
    expect(b.head().hash).toBe(a2.head().hash);
  });
});

describe('op-node p2p identity', () => {
  /** A port nobody listens on right now. */
  const freePort = async (): Promise<number> => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    return port;
  };

  test('a static peer list that names the node itself (by peer id) is not dialled, as in op-node', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const peers = [`/ip4/127.0.0.1/tcp/${pa}/p2p/16Uiu2HAmA`, `/ip4/127.0.0.1/tcp/${pb}/p2p/16Uiu2HAmB`];
    const a = await node({
      l2: (await geth()).authUrl,
      nodeId: 'a',
      p2pPort: pa,
      p2pPeerId: '16Uiu2HAmA',
      p2pStatic: peers,
    });
    const b = await node({
      l2: (await geth()).authUrl,
      nodeId: 'b',
      p2pPort: pb,
      p2pPeerId: '16Uiu2HAmB',
      p2pStatic: peers,
    });
    const stats = async (n: SimOpNode) =>
      await rpcCall<{ connected: number; known: number }>(n.url, 'opp2p_peerStats', []);
    await waitFor(async () => (await stats(a)).connected === 1 && (await stats(b)).connected === 1);
    await sleep(1200); // another ping round: a node that dialled itself would count 2 by now
    expect(await stats(a)).toMatchObject({ connected: 1, known: 1 });
    expect(await stats(b)).toMatchObject({ connected: 1, known: 1 });
    expect(await rpcCall(a.url, 'opp2p_self', [])).toMatchObject({ peerID: '16Uiu2HAmA' });
  });

  test('--p2p.priv.path: created when missing, read back with the same peer id, refused when malformed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-p2p-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'key');
    const id = await loadP2pPeerId(path);
    expect(id).toMatch(/^16Uiu2HA[1-9A-HJ-NP-Za-km-z]{45}$/);
    expect(await readFile(path, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    expect(await loadP2pPeerId(path)).toBe(id);
    await writeFile(path, 'e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35\n');
    expect(await loadP2pPeerId(path)).toBe('16Uiu2HAmGXz5Z9Nbh7mCjyeJqeJa9AbXXu9bAHdanvJC7MKTki2m');
    await writeFile(path, 'garbage');
    await expect(loadP2pPeerId(path)).rejects.toThrow('does not hold a hex secp256k1 private key');
  });
});

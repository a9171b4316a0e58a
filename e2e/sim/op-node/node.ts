/**
 * The simulated op-node: a sequencer that behaves like op-node's where a conductor can see it.
 *
 * Sequencing (op-node/rollup/sequencing/sequencer.go): once started, every block time it builds
 * the next block on the unsafe head through the engine API, then — in this order — commits it to
 * the conductor (`conductor_commitUnsafePayload`, 1 s budget, 2 attempts 50 ms apart), gossips it,
 * and inserts it into op-geth. A failed commit discards the sealed block (never gossiped, never
 * inserted) and backs off 1 s before building again. Blocks are scheduled on the chain's time grid
 * (block n is due at genesis + n·blockTime) and sealed ~50 ms early; a sequencer behind the clock
 * builds back to back, as op-node does.
 *
 * Admin API (op-node/node/api.go, only with --rpc.enable-admin): startSequencer / stopSequencer /
 * sequencerActive / conductorEnabled / overrideLeader / postUnsafePayload, with op-node's error
 * strings. Node API: optimism_syncStatus, optimism_rollupConfig, optimism_outputAtBlock,
 * optimism_version; opp2p_peerStats. `sim_history` returns what the chain auditor needs.
 */
import { concat, keccak256, stringToHex, type Address, type Hex } from 'viem';
import {
  DEFAULT_EIP1559_PARAMS,
  DEFAULT_GAS_LIMIT,
  SEQUENCER_FEE_VAULT,
  MESSAGE_PASSER_STORAGE_ROOT,
  type L2BlockRef,
} from '../chain/block.js';
import {
  checkBlockHash,
  envelopeToBlock,
  parseEnvelope,
  type ExecutionPayloadEnvelopeJson,
} from '../chain/envelope.js';
import { l1Block, l1BlockAt, L1_BLOCK_TIME_SECONDS } from '../chain/l1.js';
import { parseData } from '../chain/rlp.js';
import { fillerTxs, l1InfoTx, parseL1InfoTx } from '../chain/txs.js';
import { errorMessage } from '../rpc/client.js';
import { invalidParams, startRpcServer, type Handlers } from '../rpc/server.js';
import { ConductorClient } from './conductor.js';
import { EngineClient } from './engine.js';
import { Gossip } from './gossip.js';
import { P2pSigner, verifyBlockSignature } from './signer.js';

export interface SimOpNodeOptions {
  /** Engine API URL of op-geth (op-node's --l2). */
  l2: string;
  jwtSecret?: Buffer;
  rpcHost?: string;
  rpcPort?: number;
  /** Registers the admin namespace (--rpc.enable-admin). Default true for programmatic use. */
  enableAdmin?: boolean;
  sequencerEnabled?: boolean;
  sequencerStopped?: boolean;
  conductorEnabled?: boolean;
  conductorRpc?: string;
  conductorRpcTimeoutMs?: number;
  p2pHost?: string;
  p2pPort?: number;
  /** Peer addresses (multiaddrs or host:port), as --p2p.static. */
  p2pStatic?: string[];
  /** Identifies this node in gossip and history (default: derived from the p2p port). */
  nodeId?: string;
  /**
   * libp2p peer id of this node's p2p key (--p2p.priv.path). Like op-node, a static peer whose
   * multiaddr ends in `/p2p/<this id>` is this node itself and is not dialled.
   */
  p2pPeerId?: string;
  blockTimeMs?: number;
  /** Bytes of filler transactions per block (benchmarks: 10 KB … 5 MB). */
  payloadBytes?: number;
  gossipDelayMs?: number;
  gossipLoss?: number;
  /** The safe/finalized heads trail the unsafe head by these many blocks (there is no L1 derivation). */
  safeLag?: number;
  finalizedLag?: number;
  l2ChainId?: number;
  /** `--p2p.disable`: no gossip at all (nothing to sign or publish). */
  p2pDisabled?: boolean;
  /** `--p2p.sequencer.key`: signs gossiped blocks; without it the sequencer cannot publish (signer.ts). */
  sequencerKey?: string;
  /** The chain's p2p sequencer address (L1 SystemConfig on a real chain); default this node's key's. */
  unsafeBlockSigner?: Address;
  log?: (msg: string) => void;
}

export interface InsertRecord {
  number: number;
  hash: Hex;
  parentHash: Hex;
  atMs: number;
  source: 'sequencer' | 'gossip' | 'admin';
}

export interface PublishRecord {
  number: number;
  hash: Hex;
  parentHash: Hex;
  atMs: number;
}

export interface NodeHistory {
  id: string;
  inserted: InsertRecord[];
  published: PublishRecord[];
}

export interface SimOpNode {
  url: string;
  p2pUrl: string;
  nodeId: string;
  head(): L2BlockRef;
  sequencerActive(): boolean;
  history(): NodeHistory;
  close(): Promise<void>;
}

/** How many recent canonical envelopes a node keeps to serve peers that are syncing. */
const SYNC_WINDOW = 2048;
const SEALING_MS = 50;
const COMMIT_BACKOFF_MS = 1000;

export async function startSimOpNode(opts: SimOpNodeOptions): Promise<SimOpNode> {
  const log = opts.log ?? (() => {});
  const chainId = opts.l2ChainId ?? 901;
  // op-node loads the signer at start: a malformed key stops it ("failed to load p2p signer").
  const signer = opts.sequencerKey !== undefined ? new P2pSigner(opts.sequencerKey) : null;
  const expectedSigner = opts.unsafeBlockSigner ?? signer?.address ?? null;
  let rejectedGossip = 0;
  const rejectionKinds = new Set<string>();
  const conductorEnabled = opts.conductorEnabled ?? false;
  const sequencerEnabled = opts.sequencerEnabled ?? false;
  // op-node/config: the conductor needs a sequencer, and always starts it stopped (the conductor decides).
  if (conductorEnabled && !sequencerEnabled)
    throw new Error('sequencer must be enabled when conductor is enabled');
  const blockTimeMs = opts.blockTimeMs ?? 1000;
  const safeLag = opts.safeLag ?? 4;
  const finalizedLag = opts.finalizedLag ?? 16;
  const payloadBytes = opts.payloadBytes ?? 0;

  let l1GenesisTime = 0;
  const engine = new EngineClient(opts.l2, opts.jwtSecret, () => l1GenesisTime);
  const conductor = new ConductorClient(
    conductorEnabled,
    opts.conductorRpc ?? 'http://127.0.0.1:8547',
    opts.conductorRpcTimeoutMs ?? 1000,
  );

  const genesis = await engine.blockRef(0);
  if (!genesis) throw new Error('execution client has no genesis block');
  // The pretend L1 is 100 blocks old at L2 genesis, so L1 references look like a running chain.
  l1GenesisTime = genesis.timestamp - 100 * L1_BLOCK_TIME_SECONDS;
  const genesisMs = genesis.timestamp * 1000;
  let head = (await engine.blockRef('latest')) ?? genesis;

  const refs = new Map<number, L2BlockRef>([[head.number, head]]);
  const envelopes = new Map<number, ExecutionPayloadEnvelopeJson>();
  const history: NodeHistory = { id: '', inserted: [], published: [] };
  const buffered = new Map<number, ExecutionPayloadEnvelopeJson>();

  const refAt = async (n: number): Promise<L2BlockRef> => {
    const cached = refs.get(n);
    if (cached) return cached;
    const r = n === 0 ? genesis : ((await engine.blockRef(n)) ?? genesis);
    refs.set(n, r);
    return r;
  };
  const safeRef = (): Promise<L2BlockRef> => refAt(Math.max(0, head.number - safeLag));
  const finalizedRef = (): Promise<L2BlockRef> => refAt(Math.max(0, head.number - finalizedLag));

  // Engine calls are serialized: the sequencer, gossip and the admin API all move the head.
  let engineLock: Promise<unknown> = Promise.resolve();
  const withEngine = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = engineLock.then(fn, fn);
    engineLock = run.catch(() => {});
    return run;
  };

  /** newPayload + forkchoiceUpdated: the block becomes the head. Caller holds the engine lock. */
  const insert = async (env: ExecutionPayloadEnvelopeJson, source: InsertRecord['source']): Promise<void> => {
    const status = await engine.newPayload(env);
    if (status.status !== 'VALID')
      throw new Error(`payload not valid: ${status.status} ${status.validationError ?? ''}`.trim());
    const block = envelopeToBlock(env);
    const n = Number(block.header.number);
    const prevHead = head;
    head = {
      hash: block.hash,
      number: n,
      parentHash: block.header.parentHash,
      timestamp: Number(block.header.timestamp),
      ...l1OriginOf(env, n),
    };
    for (const k of [...refs.keys()]) if (k >= n) refs.delete(k);
    refs.set(n, head);
    await engine.forkchoiceUpdated({
      headBlockHash: head.hash,
      safeBlockHash: (await safeRef()).hash,
      finalizedBlockHash: (await finalizedRef()).hash,
    });
    for (const k of [...envelopes.keys()]) if (k >= n || k <= n - SYNC_WINDOW) envelopes.delete(k);
    envelopes.set(n, env);
    history.inserted.push({
      number: n,
      hash: head.hash,
      parentHash: head.parentHash,
      atMs: Date.now(),
      source,
    });
    if (prevHead.number >= n) log(`op-node: unsafe reorg at height ${n}: ${prevHead.hash} -> ${head.hash}`);
  };

  const l1OriginOf = (
    env: ExecutionPayloadEnvelopeJson,
    n: number,
  ): Pick<L2BlockRef, 'l1origin' | 'sequenceNumber'> => {
    // Like derive.L2BlockToBlockRef: the first transaction (the L1-info deposit) names the origin.
    const info = n === 0 ? undefined : parseL1InfoTx(env.executionPayload.transactions[0]);
    if (!info) return { l1origin: genesis.l1origin, sequenceNumber: genesis.sequenceNumber };
    return { l1origin: { hash: info.hash, number: info.number }, sequenceNumber: info.sequenceNumber };
  };

  // ---- unsafe payloads from gossip and admin_postUnsafePayload ----

  /** Handles a verified payload: extend the head, buffer a future block and sync the gap, or replace the tip. */
  const onUnsafePayload = async (
    env: ExecutionPayloadEnvelopeJson,
    source: 'gossip' | 'admin',
  ): Promise<void> => {
    const n = Number(BigInt(env.executionPayload.blockNumber));
    const hash = env.executionPayload.blockHash.toLowerCase() as Hex;
    const parent = env.executionPayload.parentHash.toLowerCase();
    await withEngine(async () => {
      if (n === head.number + 1 && parent === head.hash) {
        await insert(env, source);
      } else if (n === head.number && hash !== head.hash && parent === head.parentHash) {
        // A competing block for our tip: op-node hands it to the engine, which reorgs to it.
        await insert(env, source);
      } else if (n > head.number + 1) {
        buffered.set(n, env);
      }
      // Drain buffered descendants that now connect.
      for (let next = buffered.get(head.number + 1); next; next = buffered.get(head.number + 1)) {
        buffered.delete(head.number + 1);
        if (next.executionPayload.parentHash.toLowerCase() !== head.hash) break;
        await insert(next, source);
      }
      for (const k of [...buffered.keys()]) if (k <= head.number) buffered.delete(k);
    });
    if (n > head.number + 1) void syncGap(n);
  };

  let syncing = false;
  /** Fetches the missing blocks below a buffered future block from peers, one height at a time. */
  const syncGap = async (target: number): Promise<void> => {
    if (syncing) return;
    syncing = true;
    try {
      while (head.number + 1 < target) {
        const raw = await gossip.fetchBlock(head.number + 1);
        if (!raw) break;
        const env = parseEnvelope(raw);
        if (!checkBlockHash(env).ok) break;
        const before = head.number;
        await onUnsafePayload(env, 'gossip');
        if (head.number === before) break;
      }
    } catch (err) {
      log(`op-node: sync failed: ${errorMessage(err)}`);
    } finally {
      syncing = false;
    }
  };

  // ---- sequencer ----

  let active = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const dueMs = (n: number): number => genesisMs + n * blockTimeMs;

  const schedule = (atMs: number): void => {
    if (timer) clearTimeout(timer);
    if (!active || closed) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        inFlight = runAction().finally(() => {
          inFlight = undefined;
        });
      },
      Math.max(0, atMs - Date.now()),
    );
  };

  const scheduleNext = (): void =>
    schedule(Math.max(Date.now(), dueMs(head.number + 1) - Math.min(SEALING_MS, blockTimeMs / 4)));

  const attributesFor = (parent: L2BlockRef) => {
    const n = parent.number + 1;
    const timestamp = Math.floor(dueMs(n) / 1000);
    // Advance the L1 origin by at most one block per L2 block, once that L1 block exists.
    const nextOrigin = l1Block(parent.l1origin.number + 1, l1GenesisTime);
    const origin =
      nextOrigin.timestamp <= timestamp ? nextOrigin : l1Block(parent.l1origin.number, l1GenesisTime);
    const sequenceNumber = origin.number === parent.l1origin.number ? parent.sequenceNumber + 1 : 0;
    return {
      timestamp: BigInt(timestamp),
      prevRandao: keccak256(concat([origin.hash, stringToHex('randao')])),
      suggestedFeeRecipient: SEQUENCER_FEE_VAULT,
      parentBeaconBlockRoot: keccak256(concat([origin.hash, stringToHex('beacon')])),
      transactions: [l1InfoTx({ origin, sequenceNumber }), ...fillerTxs(BigInt(n), payloadBytes)],
      gasLimit: DEFAULT_GAS_LIMIT,
      eip1559Params: DEFAULT_EIP1559_PARAMS,
    };
  };

  const runAction = async (): Promise<void> => {
    if (!active || closed) return;
    // The parent is read under the engine lock: a gossiped block inserted meanwhile would otherwise make us
    // build on (and point op-geth's forkchoice back at) a block that is no longer the head.
    let parent = head;
    let env: ExecutionPayloadEnvelopeJson;
    try {
      env = await withEngine(async () => {
        parent = head;
        const id = await engine.forkchoiceUpdated(
          {
            headBlockHash: parent.hash,
            safeBlockHash: (await safeRef()).hash,
            finalizedBlockHash: (await finalizedRef()).hash,
          },
          attributesFor(parent),
        );
        if (!id) throw new Error('engine did not start a payload');
        return engine.getPayload(id);
      });
    } catch (err) {
      log(`op-node: block building failed: ${errorMessage(err)}`);
      return schedule(Date.now() + COMMIT_BACKOFF_MS);
    }
    const sealed = `${env.executionPayload.blockHash}:${Number(BigInt(env.executionPayload.blockNumber))}`;
    // Commit first: only a block the conductor accepted may be published.
    try {
      await conductor.commitUnsafePayload(env);
    } catch (err) {
      log(`op-node: failed to commit unsafe payload to conductor: ${errorMessage(err)} (dropping ${sealed})`);
      return schedule(Date.now() + COMMIT_BACKOFF_MS);
    }
    if (opts.p2pDisabled) {
      // op-node without p2p publishes nothing, and that is not an error.
    } else if (!signer) {
      // Built and committed, but op-node cannot gossip it (OpNode.SignAndPublishL2Payload).
      log(`op-node: node has no p2p signer, payload ${sealed} cannot be published`);
    } else {
      const json = JSON.stringify(env);
      gossip.publish(JSON.parse(json) as typeof env, await signer.sign(chainId, json));
    }
    history.published.push({
      number: Number(BigInt(env.executionPayload.blockNumber)),
      hash: env.executionPayload.blockHash,
      parentHash: env.executionPayload.parentHash,
      atMs: Date.now(),
    });
    try {
      await withEngine(async () => {
        // The head moved while we committed (a competing block arrived): drop ours, like ErrStaleBuild.
        if (head.hash !== parent.hash) {
          log(`op-node: dropping stale sealed block ${sealed}, head moved to ${head.hash}:${head.number}`);
          return;
        }
        await insert(env, 'sequencer');
      });
    } catch (err) {
      log(`op-node: inserting sealed block failed: ${errorMessage(err)}`);
      return schedule(Date.now() + blockTimeMs);
    }
    scheduleNext();
  };

  const startSequencer = async (hash: Hex): Promise<void> => {
    // The leader check happens before taking the sequencer lock, as in Sequencer.Start.
    let isLeader: boolean;
    try {
      isLeader = await conductor.leader();
    } catch (err) {
      throw new Error(`sequencer leader check failed: ${errorMessage(err)}`, { cause: err });
    }
    if (!isLeader) throw new Error('sequencer is not the leader, aborting');
    if (active) throw new Error('sequencer already running');
    if (hash !== head.hash)
      throw new Error(`block hash does not match: head ${head.hash}:${head.number}, received ${hash}`);
    active = true;
    log(`op-node: sequencer started on ${head.hash}:${head.number}`);
    schedule(Date.now());
  };

  const stopSequencer = async (): Promise<Hex> => {
    if (!active) throw new Error('sequencer not running');
    // Let a block that is being committed/inserted finish, so the returned head includes it.
    if (inFlight) await inFlight;
    if (!active) throw new Error('sequencer not running');
    active = false;
    if (timer) clearTimeout(timer);
    timer = undefined;
    log(`op-node: sequencer stopped at ${head.hash}:${head.number}`);
    return head.hash;
  };

  // ---- RPC ----

  const p2pPort = opts.p2pPort ?? 0;
  const gossip: Gossip = new Gossip({
    nodeId: opts.nodeId ?? '',
    listenHost: opts.p2pHost ?? '127.0.0.1',
    listenPort: p2pPort,
    peers: opts.p2pStatic ?? [],
    ...(opts.p2pPeerId !== undefined ? { selfPeerId: opts.p2pPeerId } : {}),
    delayMs: opts.gossipDelayMs ?? 0,
    loss: opts.gossipLoss ?? 0,
    onBlock: async (from, raw, signature) => {
      const check = await verifyBlockSignature(expectedSigner, chainId, JSON.stringify(raw), signature);
      if (!check.ok) {
        // Each kind of refusal once, then every hundredth: a misconfigured peer must not flood the log.
        if (!rejectionKinds.has(check.kind) || rejectedGossip % 100 === 0) {
          rejectionKinds.add(check.kind);
          log(`op-node: ${check.reason} (peer ${from}; ${rejectedGossip + 1} so far)`);
        }
        rejectedGossip++;
        return;
      }
      const env = parseEnvelope(raw);
      if (!checkBlockHash(env).ok) return; // op-node's gossip validator rejects bad hashes
      await onUnsafePayload(env, 'gossip');
    },
    // Recent blocks from memory; older ones, and those from before a restart, from op-geth's chain.
    blockByNumber: async (n) =>
      envelopes.get(n) ?? (n <= head.number ? await engine.envelopeByNumber(n) : undefined),
    log,
  });
  await gossip.start();
  const nodeId = opts.nodeId ?? `sim-op-node-${new URL(gossip.url).port}`;
  history.id = nodeId;

  const l1Ref = () => l1BlockAt(Math.floor(Date.now() / 1000), l1GenesisTime);
  const syncStatus = async () => {
    const l1 = l1Ref();
    const l1Safe = l1Block(Math.max(0, l1.number - 32), l1GenesisTime);
    const l1Final = l1Block(Math.max(0, l1.number - 64), l1GenesisTime);
    const safe = await safeRef();
    const finalized = await finalizedRef();
    return {
      current_l1: l1,
      current_l1_finalized: l1Final,
      head_l1: l1,
      safe_l1: l1Safe,
      finalized_l1: l1Final,
      unsafe_l2: head,
      safe_l2: safe,
      finalized_l2: finalized,
      pending_safe_l2: safe,
      cross_unsafe_l2: head,
      local_safe_l2: safe,
    };
  };

  const l2ChainId = chainId;
  const nodeHandlers: Handlers = {
    optimism_syncStatus: () => syncStatus(),
    optimism_version: () => 'v1.13.0-baton-sim',
    optimism_rollupConfig: () => ({
      genesis: {
        l1: { hash: l1Block(100, l1GenesisTime).hash, number: 100 },
        l2: { hash: genesis.hash, number: 0 },
        l2_time: genesis.timestamp,
        system_config: {
          batcherAddr: '0x0000000000000000000000000000000000000000',
          overhead: `0x${'00'.repeat(32)}`,
          scalar: `0x${'00'.repeat(32)}`,
          gasLimit: Number(DEFAULT_GAS_LIMIT),
        },
      },
      block_time: Math.max(1, Math.round(blockTimeMs / 1000)),
      max_sequencer_drift: 1800,
      seq_window_size: 3600,
      channel_timeout: 300,
      l1_chain_id: 900,
      l2_chain_id: l2ChainId,
      regolith_time: 0,
      canyon_time: 0,
      delta_time: 0,
      ecotone_time: 0,
      fjord_time: 0,
      granite_time: 0,
      holocene_time: 0,
      isthmus_time: 0,
      batch_inbox_address: '0xff00000000000000000000000000000000000901',
      deposit_contract_address: '0x0000000000000000000000000000000000000000',
      l1_system_config_address: '0x0000000000000000000000000000000000000000',
    }),
    optimism_outputAtBlock: async ([num]) => {
      if (typeof num !== 'string' || !/^0x[0-9a-fA-F]+$/.test(num))
        throw invalidParams('invalid argument 0: hex string without 0x prefix');
      const n = Number(BigInt(num));
      if (n > head.number) throw new Error(`failed to get L2 block ref with sync status: not found`);
      const ref = await refAt(n);
      const raw = await engine.blockRef(n);
      const stateRoot = keccak256(concat([ref.hash, stringToHex('state')]));
      // OutputV0 root: keccak256(version ‖ stateRoot ‖ messagePasserStorageRoot ‖ blockHash).
      const version = `0x${'00'.repeat(32)}` as Hex;
      return {
        version,
        outputRoot: keccak256(concat([version, stateRoot, MESSAGE_PASSER_STORAGE_ROOT, ref.hash])),
        blockRef: raw ?? ref,
        withdrawalStorageRoot: MESSAGE_PASSER_STORAGE_ROOT,
        stateRoot,
        syncStatus: await syncStatus(),
      };
    },
    opp2p_peerStats: () => ({
      connected: gossip.connected,
      table: gossip.known,
      blocksTopic: gossip.connected,
      blocksTopicV2: gossip.connected,
      blocksTopicV3: gossip.connected,
      blocksTopicV4: gossip.connected,
      banned: 0,
      known: gossip.known,
    }),
    opp2p_self: () => ({ peerID: opts.p2pPeerId ?? nodeId, addresses: [gossip.url] }),
    sim_history: () => history,
  };
  const adminHandlers: Handlers = {
    admin_startSequencer: async ([hash]) => {
      let h: Hex;
      try {
        h = parseData(hash, 32, 'hash');
      } catch {
        throw invalidParams('invalid argument 0: hex string has length mismatch');
      }
      await startSequencer(h);
      return null;
    },
    admin_stopSequencer: () => stopSequencer(),
    admin_sequencerActive: () => active,
    admin_conductorEnabled: () => conductorEnabled,
    admin_overrideLeader: () => {
      conductor.override();
      return null;
    },
    admin_resetDerivationPipeline: () => null,
    admin_postUnsafePayload: async ([raw]) => {
      let env: ExecutionPayloadEnvelopeJson;
      try {
        env = parseEnvelope(raw);
      } catch (err) {
        throw invalidParams(`invalid argument 0: ${errorMessage(err)}`);
      }
      const { actual, ok } = checkBlockHash(env);
      if (!ok)
        throw new Error(
          `payload has bad block hash: ${env.executionPayload.blockHash}, actual block hash is: ${actual}`,
        );
      await onUnsafePayload(env, 'admin');
      return null;
    },
  };
  const enableAdmin = opts.enableAdmin ?? true;
  const rpc = await startRpcServer(enableAdmin ? { ...nodeHandlers, ...adminHandlers } : nodeHandlers, {
    host: opts.rpcHost ?? '127.0.0.1',
    port: opts.rpcPort ?? 0,
  });

  // Without a conductor, --sequencer.enabled starts sequencing unless --sequencer.stopped.
  if (sequencerEnabled && !conductorEnabled && !(opts.sequencerStopped ?? false)) {
    active = true;
    schedule(Date.now());
  }
  log(
    `op-node ${nodeId}: rpc ${rpc.url}, p2p ${gossip.url}, head ${head.hash}:${head.number}, sequencer ${active ? 'active' : 'stopped'}`,
  );

  return {
    url: rpc.url,
    p2pUrl: gossip.url,
    nodeId,
    head: () => head,
    sequencerActive: () => active,
    history: () => history,
    close: async () => {
      closed = true;
      active = false;
      if (timer) clearTimeout(timer);
      if (inFlight) await inFlight.catch(() => {});
      await Promise.all([rpc.close(), gossip.close()]);
    },
  };
}

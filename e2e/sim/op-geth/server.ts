/**
 * The simulated op-geth: two JSON-RPC endpoints over one chain, like geth.
 *
 * - HTTP (`--http.addr/--http.port`): eth_getBlockByNumber/ByHash, eth_blockNumber, eth_chainId,
 *   eth_syncing, net_peerCount, net_version, web3_clientVersion, admin_peers.
 * - Auth RPC (`--authrpc.addr/--authrpc.port`, JWT from `--authrpc.jwtsecret`): the engine API
 *   subset op-node uses to sequence and to insert blocks — engine_forkchoiceUpdatedV3 (with payload
 *   attributes: build a block), engine_getPayloadV3/V4, engine_newPayloadV3/V4 — plus the eth_*
 *   methods, as geth also serves them there.
 *
 * There is no EVM: blocks are built from the attributes' transactions (see chain/block.ts). With
 * `--datadir` the canonical chain is appended to `<datadir>/sim-chain.jsonl` and replayed on start.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { concat, keccak256, numberToHex, slice, type Hex } from 'viem';
import { buildChild, genesisBlock, type Block, type PayloadAttributes } from '../chain/block.js';
import { blockToEnvelope, checkBlockHash, envelopeToBlock, parseEnvelope } from '../chain/envelope.js';
import { parseBytes, parseData, parseQuantity, quantity } from '../chain/rlp.js';
import { invalidParams, RpcError, startRpcServer, type Handlers } from '../rpc/server.js';
import { verifyJwtRequest } from '../rpc/jwt.js';
import { blockJson } from './block-json.js';
import { ChainStore } from './store.js';

export interface SimOpGethOptions {
  host?: string;
  /** HTTP JSON-RPC port (0 = any free port). */
  port?: number;
  authHost?: string;
  authPort?: number;
  /** Engine-API JWT secret. Without one the auth RPC accepts unauthenticated calls (a warning is logged). */
  jwtSecret?: Buffer;
  chainId?: number;
  /** Genesis timestamp (unix seconds). Nodes of one chain must agree on it: it fixes the genesis hash. */
  genesisTime?: number;
  /** Value reported by net_peerCount / admin_peers (there is no EL p2p). */
  peerCount?: number;
  datadir?: string;
  log?: (msg: string) => void;
}

export interface SimOpGeth {
  url: string;
  authUrl: string;
  store: ChainStore;
  close(): Promise<void>;
}

interface PendingPayload {
  block: Block;
}

function parseAttributes(raw: unknown): PayloadAttributes {
  if (typeof raw !== 'object' || raw === null)
    throw invalidParams('invalid argument 1: payload attributes must be an object');
  const a = raw as Record<string, unknown>;
  const txs = Array.isArray(a.transactions) ? a.transactions : [];
  return {
    timestamp: parseQuantity(a.timestamp, 'timestamp'),
    prevRandao: parseData(a.prevRandao, 32, 'prevRandao'),
    suggestedFeeRecipient: parseData(a.suggestedFeeRecipient, 20, 'suggestedFeeRecipient'),
    parentBeaconBlockRoot: parseData(a.parentBeaconBlockRoot, 32, 'parentBeaconBlockRoot'),
    transactions: txs.map((tx, i) => parseBytes(tx, `transaction ${i}`)),
    gasLimit:
      a.gasLimit === undefined || a.gasLimit === null ? 30_000_000n : parseQuantity(a.gasLimit, 'gasLimit'),
    eip1559Params:
      a.eip1559Params === undefined || a.eip1559Params === null
        ? '0x000000fa00000006'
        : parseData(a.eip1559Params, 8, 'eip1559Params'),
  };
}

function payloadStatus(
  status: string,
  latestValidHash: Hex | null,
  validationError: string | null = null,
): Record<string, unknown> {
  return { status, latestValidHash, validationError };
}

export async function startSimOpGeth(opts: SimOpGethOptions = {}): Promise<SimOpGeth> {
  const log = opts.log ?? (() => {});
  const chainId = opts.chainId ?? 901;
  const genesis = genesisBlock({ timestamp: opts.genesisTime ?? Math.floor(Date.now() / 1000), chainId });
  const store = new ChainStore(genesis);
  const pending = new Map<Hex, PendingPayload>();
  const peerCount = opts.peerCount ?? 0;

  // Optional persistence: one envelope per line, in the order blocks became canonical.
  const chainFile = opts.datadir ? join(opts.datadir, 'sim-chain.jsonl') : undefined;
  if (chainFile && opts.datadir) {
    mkdirSync(opts.datadir, { recursive: true });
    if (existsSync(chainFile)) {
      for (const line of readFileSync(chainFile, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const block = envelopeToBlock(parseEnvelope(JSON.parse(line)));
        if (store.insert(block) === 'VALID') store.setHead(block.hash);
      }
      log(`op-geth: restored chain from ${chainFile}, head ${store.head.header.number}`);
    }
  }
  const persist = (blocks: Block[]): void => {
    if (!chainFile) return;
    for (const b of blocks) appendFileSync(chainFile, `${JSON.stringify(blockToEnvelope(b))}\n`);
  };

  const setHead = (hash: Hex): boolean => {
    const before = store.head;
    const removed = store.setHead(hash);
    if (removed === undefined) return false;
    if (removed.length > 0)
      log(`op-geth: reorg, ${removed.length} block(s) replaced from height ${removed[0]?.header.number}`);
    const from = removed.length > 0 ? Number(removed[0]?.header.number) : Number(before.header.number) + 1;
    const added: Block[] = [];
    for (let n = from; n <= Number(store.head.header.number); n++) {
      const b = store.getByNumber(n);
      if (b) added.push(b);
    }
    persist(added);
    return true;
  };

  const blockByTag = (params: unknown[]): Record<string, unknown> | null => {
    const [tag, full] = params;
    if (typeof tag !== 'string') throw invalidParams('invalid argument 0: hex string without 0x prefix');
    const block = store.resolve(tag);
    return block ? blockJson(block, full === true) : null;
  };

  const ethHandlers: Handlers = {
    eth_chainId: () => quantity(chainId),
    eth_blockNumber: () => quantity(store.head.header.number),
    eth_syncing: () => false,
    eth_getBlockByNumber: blockByTag,
    // Simulator only: a canonical block as an envelope. Stands in for execution-layer sync between op-geths
    // (devp2p), through which a restarted op-node fills a gap since v1.19: peers serve from their chain on
    // disk, not from what their op-node saw since it started.
    sim_envelopeByNumber: ([n]) => {
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
        throw invalidParams('expected a block number');
      const block = store.getByNumber(n);
      return block ? blockToEnvelope(block) : null;
    },
    eth_getBlockByHash: ([hash, full]) => {
      const block = store.getByHash(parseData(hash, 32, 'hash'));
      return block ? blockJson(block, full === true) : null;
    },
    net_version: () => String(chainId),
    net_peerCount: () => quantity(peerCount),
    net_listening: () => true,
    web3_clientVersion: () => 'Geth/v1.101500.0-baton-sim/linux-amd64/go1.23',
    admin_peers: () =>
      Array.from({ length: peerCount }, (_, i) => ({
        id: keccak256(numberToHex(i)).slice(2),
        name: 'Geth/baton-sim',
        enode: `enode://${'00'.repeat(64)}@127.0.0.1:${30303 + i}`,
        network: {
          localAddress: '127.0.0.1:30303',
          remoteAddress: `127.0.0.1:${30304 + i}`,
          inbound: false,
          trusted: false,
          static: true,
        },
        protocols: {},
      })),
  };

  const forkchoiceUpdated = ([state, attrs]: unknown[]): Record<string, unknown> => {
    if (typeof state !== 'object' || state === null)
      throw invalidParams('invalid argument 0: forkchoice state must be an object');
    const s = state as Record<string, unknown>;
    const head = parseData(s.headBlockHash, 32, 'headBlockHash');
    const target = store.getByHash(head);
    if (target !== undefined && target.hash !== store.head.hash) {
      const n = Number(target.header.number);
      if (store.getByNumber(n)?.hash === target.hash) {
        // geth (eth/catalyst ForkchoiceUpdated): a head already on the canonical chain, below the current
        // head, is "Ignoring beacon update to old head" — VALID, nothing rewound, no payload built.
        log(`op-geth: ignoring forkchoice update to old head ${n} (head is ${store.head.header.number})`);
        return { payloadStatus: payloadStatus('VALID', target.hash), payloadId: null };
      }
    }
    if (!setHead(head)) return { payloadStatus: payloadStatus('SYNCING', null), payloadId: null };
    const zero = `0x${'00'.repeat(32)}`;
    if (typeof s.safeBlockHash === 'string' && s.safeBlockHash !== zero)
      store.setSafe(parseData(s.safeBlockHash, 32, 'safeBlockHash'));
    if (typeof s.finalizedBlockHash === 'string' && s.finalizedBlockHash !== zero) {
      store.setFinalized(parseData(s.finalizedBlockHash, 32, 'finalizedBlockHash'));
    }
    let payloadId: Hex | null = null;
    if (attrs !== undefined && attrs !== null) {
      const a = parseAttributes(attrs);
      // Sub-second simulated block times repeat a timestamp; only going backwards is invalid.
      if (a.timestamp < store.head.header.timestamp) {
        throw new RpcError(-38003, 'Invalid payload attributes');
      }
      const block = buildChild(store.head, a);
      payloadId = slice(keccak256(concat([block.hash, numberToHex(pending.size, { size: 8 })])), 0, 8);
      pending.set(payloadId, { block });
      // Bound memory: a sequencer fetches its payload right away; old ones are never needed.
      if (pending.size > 64) pending.delete(pending.keys().next().value as Hex);
    }
    return { payloadStatus: payloadStatus('VALID', store.head.hash), payloadId };
  };

  const getPayload = (withRequests: boolean) => (params: unknown[]) => {
    const id = typeof params[0] === 'string' ? (params[0].toLowerCase() as Hex) : undefined;
    const p = id ? pending.get(id) : undefined;
    if (!p) throw new RpcError(-38001, 'Unknown payload');
    const env = blockToEnvelope(p.block);
    return {
      executionPayload: env.executionPayload,
      blockValue: '0x0',
      blobsBundle: { commitments: [], proofs: [], blobs: [] },
      shouldOverrideBuilder: false,
      parentBeaconBlockRoot: env.parentBeaconBlockRoot,
      ...(withRequests ? { executionRequests: [] } : {}),
    };
  };

  const newPayload = ([payload, , parentBeaconBlockRoot]: unknown[]): Record<string, unknown> => {
    let env;
    try {
      env = parseEnvelope({ executionPayload: payload, parentBeaconBlockRoot });
    } catch (err) {
      throw invalidParams(`invalid argument 0: ${err instanceof Error ? err.message : String(err)}`);
    }
    const { actual, ok } = checkBlockHash(env);
    if (!ok)
      return payloadStatus(
        'INVALID',
        null,
        `blockhash mismatch, want ${actual}, got ${env.executionPayload.blockHash}`,
      );
    const status = store.insert(envelopeToBlock(env));
    return payloadStatus(status, status === 'VALID' ? actual : null);
  };

  const engineHandlers: Handlers = {
    ...ethHandlers,
    engine_forkchoiceUpdatedV2: forkchoiceUpdated,
    engine_forkchoiceUpdatedV3: forkchoiceUpdated,
    engine_getPayloadV3: getPayload(false),
    engine_getPayloadV4: getPayload(true),
    engine_newPayloadV3: newPayload,
    engine_newPayloadV4: newPayload,
    engine_exchangeCapabilities: () => [
      'engine_forkchoiceUpdatedV3',
      'engine_getPayloadV3',
      'engine_getPayloadV4',
      'engine_newPayloadV3',
      'engine_newPayloadV4',
    ],
  };

  if (!opts.jwtSecret)
    log('op-geth: WARNING no --authrpc.jwtsecret given, the engine API accepts unauthenticated calls');
  const secret = opts.jwtSecret;
  const http = await startRpcServer(ethHandlers, { host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const auth = await startRpcServer(engineHandlers, {
    host: opts.authHost ?? '127.0.0.1',
    port: opts.authPort ?? 0,
    ...(secret ? { authorize: (req) => verifyJwtRequest(secret, req) } : {}),
  });
  log(
    `op-geth: genesis ${genesis.hash} (time ${genesis.header.timestamp}), http ${http.url}, authrpc ${auth.url}`,
  );
  return {
    url: http.url,
    authUrl: auth.url,
    store,
    close: async () => {
      await Promise.all([http.close(), auth.close()]);
    },
  };
}

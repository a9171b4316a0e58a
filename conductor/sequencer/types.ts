/**
 * Typed results of the op-node and execution-client calls the conductor relies on, with validators that
 * turn a malformed upstream reply into an error instead of a NaN deep in the health check.
 *
 * op-node's block refs (eth.L1BlockRef / eth.L2BlockRef) use decimal JSON numbers for number and
 * timestamp, not hex (reference §3.3); execution-client blocks use hex quantities.
 */
import { parseQuantity, type Hex } from '../fsm/hex.js';

export interface BlockId {
  hash: Hex;
  number: number;
}

export interface L1BlockRef extends BlockId {
  parentHash: Hex;
  timestamp: number;
}

export interface L2BlockRef extends L1BlockRef {
  l1origin: BlockId;
  sequenceNumber: number;
}

/** op-node `optimism_syncStatus` (eth.SyncStatus). Only unsafe_l2 and safe_l2 are required. */
export interface SyncStatus {
  current_l1?: L1BlockRef;
  current_l1_finalized?: L1BlockRef;
  head_l1?: L1BlockRef;
  safe_l1?: L1BlockRef;
  finalized_l1?: L1BlockRef;
  unsafe_l2: L2BlockRef;
  safe_l2: L2BlockRef;
  finalized_l2?: L2BlockRef;
  pending_safe_l2?: L2BlockRef;
  cross_unsafe_l2?: L2BlockRef;
  local_safe_l2?: L2BlockRef;
}

/** op-node `opp2p_peerStats`. Only `connected` matters to the health check. */
export interface PeerStats {
  connected: number;
  table?: number;
  blocksTopic?: number;
  blocksTopicV2?: number;
  blocksTopicV3?: number;
  blocksTopicV4?: number;
  banned?: number;
  known?: number;
}

/** The parts of an execution-client block the conductor compares against the FSM head. */
export interface BlockHeader {
  hash: Hex;
  number: bigint;
  parentHash: Hex;
  timestamp: bigint;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what}: expected object`);
  return v as Record<string, unknown>;
}

function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new Error(`${what}: expected unsigned integer`);
  return v;
}

function hash(v: unknown, what: string): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v))
    throw new Error(`${what}: expected 32-byte hex`);
  return v.toLowerCase() as Hex;
}

export function parseBool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error('expected boolean');
  return v;
}

export function parseHash(v: unknown): Hex {
  return hash(v, 'result');
}

function parseL1Ref(v: unknown, what: string): L1BlockRef {
  const o = obj(v, what);
  return {
    hash: hash(o.hash, `${what}.hash`),
    number: uint(o.number, `${what}.number`),
    parentHash: hash(o.parentHash, `${what}.parentHash`),
    timestamp: uint(o.timestamp, `${what}.timestamp`),
  };
}

function parseL2Ref(v: unknown, what: string): L2BlockRef {
  const o = obj(v, what);
  const origin = obj(o.l1origin, `${what}.l1origin`);
  return {
    ...parseL1Ref(v, what),
    l1origin: {
      hash: hash(origin.hash, `${what}.l1origin.hash`),
      number: uint(origin.number, `${what}.l1origin.number`),
    },
    sequenceNumber: uint(o.sequenceNumber, `${what}.sequenceNumber`),
  };
}

export function parseSyncStatus(v: unknown): SyncStatus {
  const o = obj(v, 'syncStatus');
  const status: SyncStatus = {
    unsafe_l2: parseL2Ref(o.unsafe_l2, 'unsafe_l2'),
    safe_l2: parseL2Ref(o.safe_l2, 'safe_l2'),
  };
  for (const key of ['current_l1', 'current_l1_finalized', 'head_l1', 'safe_l1', 'finalized_l1'] as const) {
    if (o[key] !== undefined && o[key] !== null) status[key] = parseL1Ref(o[key], key);
  }
  for (const key of ['finalized_l2', 'pending_safe_l2', 'cross_unsafe_l2', 'local_safe_l2'] as const) {
    if (o[key] !== undefined && o[key] !== null) status[key] = parseL2Ref(o[key], key);
  }
  return status;
}

export function parsePeerStats(v: unknown): PeerStats {
  const o = obj(v, 'peerStats');
  const stats: PeerStats = { connected: uint(o.connected, 'connected') };
  for (const key of [
    'table',
    'blocksTopic',
    'blocksTopicV2',
    'blocksTopicV3',
    'blocksTopicV4',
    'banned',
    'known',
  ] as const) {
    if (typeof o[key] === 'number') stats[key] = o[key];
  }
  return stats;
}

/** eth_getBlockByNumber result → header fields; null (unknown block) stays null. */
export function parseBlockHeader(v: unknown): BlockHeader | null {
  if (v === null) return null;
  const o = obj(v, 'block');
  return {
    hash: hash(o.hash, 'block.hash'),
    number: parseQuantity(o.number, 'block.number'),
    parentHash: hash(o.parentHash, 'block.parentHash'),
    timestamp: parseQuantity(o.timestamp, 'block.timestamp'),
  };
}

/** net_peerCount: a hex quantity (hexutil.Uint64). */
export function parsePeerCountQuantity(v: unknown): number {
  return Number(parseQuantity(v, 'net_peerCount'));
}

/** admin_peers: an array of peer infos; only its length is used. */
export function parsePeerArrayLength(v: unknown): number {
  if (!Array.isArray(v)) throw new Error('admin_peers: expected array');
  return v.length;
}

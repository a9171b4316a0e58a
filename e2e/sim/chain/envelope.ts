/**
 * ExecutionPayloadEnvelope JSON (op-service/eth/types.go): the shape op-node gossips, commits to
 * the conductor (`conductor_commitUnsafePayload`) and accepts in `admin_postUnsafePayload`.
 *
 * `checkBlockHash` (conductor/chain/block-hash.ts, shared with the conductor) mirrors op-service's CheckBlockHash: it rebuilds the
 * header from the payload — uncles hash, difficulty and nonce are the post-merge constants,
 * `transactionsRoot` is the trie root of the opaque transactions, `withdrawalsRoot` is taken from the
 * payload after Isthmus (and then `requestsHash` is the empty-requests hash) or derived from the
 * withdrawals list after Canyon — and compares keccak256(RLP(header)) with `blockHash`.
 */
import type { Hex } from 'viem';
import type { Block } from './block.js';
import { checkBlockHash, payloadHeader } from '../../../conductor/chain/block-hash.js';
import { hashHeader, type Header } from '../../../conductor/chain/header.js';
import { parseBytes, parseData, parseQuantity, quantity } from './rlp.js';

export interface WithdrawalJson {
  index: Hex;
  validatorIndex: Hex;
  address: Hex;
  amount: Hex;
}

export interface ExecutionPayloadJson {
  parentHash: Hex;
  feeRecipient: Hex;
  stateRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  prevRandao: Hex;
  blockNumber: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  timestamp: Hex;
  extraData: Hex;
  baseFeePerGas: Hex;
  blockHash: Hex;
  transactions: Hex[];
  withdrawals?: WithdrawalJson[];
  blobGasUsed?: Hex;
  excessBlobGas?: Hex;
  withdrawalsRoot?: Hex;
}

export interface ExecutionPayloadEnvelopeJson {
  parentBeaconBlockRoot?: Hex;
  executionPayload: ExecutionPayloadJson;
}

/** The envelope of a simulated block, with every Ecotone/Isthmus field present. */
export function blockToEnvelope(block: Block): ExecutionPayloadEnvelopeJson {
  const h = block.header;
  const payload: ExecutionPayloadJson = {
    parentHash: h.parentHash,
    feeRecipient: h.miner,
    stateRoot: h.stateRoot,
    receiptsRoot: h.receiptsRoot,
    logsBloom: h.logsBloom,
    prevRandao: h.mixHash,
    blockNumber: quantity(h.number),
    gasLimit: quantity(h.gasLimit),
    gasUsed: quantity(h.gasUsed),
    timestamp: quantity(h.timestamp),
    extraData: h.extraData,
    baseFeePerGas: quantity(h.baseFeePerGas ?? 0n),
    blockHash: block.hash,
    transactions: [...block.transactions],
    withdrawals: [],
    blobGasUsed: quantity(h.blobGasUsed ?? 0n),
    excessBlobGas: quantity(h.excessBlobGas ?? 0n),
  };
  if (h.withdrawalsRoot !== undefined) payload.withdrawalsRoot = h.withdrawalsRoot;
  const env: ExecutionPayloadEnvelopeJson = { executionPayload: payload };
  if (h.parentBeaconBlockRoot !== undefined) env.parentBeaconBlockRoot = h.parentBeaconBlockRoot;
  return env;
}

/** The header a payload commits to, rebuilt the way op-service's CheckBlockHash does (the conductor's check). */
export function envelopeHeader(env: ExecutionPayloadEnvelopeJson): Header {
  return payloadHeader(env);
}

export { checkBlockHash };

/** The block an envelope describes. The hash is recomputed, never trusted. */
export function envelopeToBlock(env: ExecutionPayloadEnvelopeJson): Block {
  const header = envelopeHeader(env);
  return { header, hash: hashHeader(header), transactions: [...env.executionPayload.transactions] };
}

function field(obj: Record<string, unknown>, name: string): unknown {
  return obj[name];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates untrusted JSON (an RPC argument or a gossip message) into an envelope. Throws on bad input. */
export function parseEnvelope(value: unknown): ExecutionPayloadEnvelopeJson {
  if (!isRecord(value)) throw new Error('invalid payload envelope: not an object');
  const p = field(value, 'executionPayload');
  if (!isRecord(p)) throw new Error('invalid payload envelope: missing executionPayload');
  const q = (name: string): Hex => quantity(parseQuantity(field(p, name), name));
  const txs = field(p, 'transactions');
  if (!Array.isArray(txs)) throw new Error('invalid transactions: expected an array');
  const payload: ExecutionPayloadJson = {
    parentHash: parseData(field(p, 'parentHash'), 32, 'parentHash'),
    feeRecipient: parseData(field(p, 'feeRecipient'), 20, 'feeRecipient'),
    stateRoot: parseData(field(p, 'stateRoot'), 32, 'stateRoot'),
    receiptsRoot: parseData(field(p, 'receiptsRoot'), 32, 'receiptsRoot'),
    logsBloom: parseData(field(p, 'logsBloom'), 256, 'logsBloom'),
    prevRandao: parseData(field(p, 'prevRandao'), 32, 'prevRandao'),
    blockNumber: q('blockNumber'),
    gasLimit: q('gasLimit'),
    gasUsed: q('gasUsed'),
    timestamp: q('timestamp'),
    extraData: parseBytes(field(p, 'extraData'), 'extraData', 32),
    baseFeePerGas: q('baseFeePerGas'),
    blockHash: parseData(field(p, 'blockHash'), 32, 'blockHash'),
    transactions: txs.map((tx, i) => parseBytes(tx, `transaction ${i}`)),
  };
  const withdrawals = field(p, 'withdrawals');
  if (withdrawals !== undefined && withdrawals !== null) {
    if (!Array.isArray(withdrawals)) throw new Error('invalid withdrawals: expected an array');
    payload.withdrawals = withdrawals.map((w, i) => {
      if (!isRecord(w)) throw new Error(`invalid withdrawal ${i}`);
      return {
        index: quantity(parseQuantity(w.index, 'withdrawal index')),
        validatorIndex: quantity(parseQuantity(w.validatorIndex, 'withdrawal validatorIndex')),
        address: parseData(w.address, 20, 'withdrawal address'),
        amount: quantity(parseQuantity(w.amount, 'withdrawal amount')),
      };
    });
  }
  for (const name of ['blobGasUsed', 'excessBlobGas'] as const) {
    const v = field(p, name);
    if (v !== undefined && v !== null) payload[name] = q(name);
  }
  const wr = field(p, 'withdrawalsRoot');
  if (wr !== undefined && wr !== null) payload.withdrawalsRoot = parseData(wr, 32, 'withdrawalsRoot');
  const env: ExecutionPayloadEnvelopeJson = { executionPayload: payload };
  const pbr = field(value, 'parentBeaconBlockRoot');
  if (pbr !== undefined && pbr !== null)
    env.parentBeaconBlockRoot = parseData(pbr, 32, 'parentBeaconBlockRoot');
  return env;
}

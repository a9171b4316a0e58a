/**
 * Simulated blocks: genesis, building a child from payload attributes, and the L2BlockRef view.
 *
 * Every block is a post-Isthmus OP Stack block. Fields that would come from executing transactions
 * (state root, receipts root) are deterministic stand-ins derived from the parent and the
 * transactions: nothing executes, but equal inputs give equal blocks and any change shows up in the
 * hash. The header hash itself is the real keccak256(RLP(header)).
 */
import { concat, keccak256, stringToHex, type Hex } from 'viem';
import {
  EMPTY_REQUESTS_HASH,
  EMPTY_UNCLE_HASH,
  ZERO_BLOOM,
  ZERO_HASH,
  ZERO_NONCE,
  hashHeader,
  type Header,
} from '../../../conductor/chain/header.js';
import { l1Block, type L1BlockRef } from './l1.js';
import { EMPTY_TRIE_ROOT, orderedTrieRoot } from '../../../conductor/chain/trie.js';
import { parseL1InfoTx } from './txs.js';

export interface Block {
  header: Header;
  hash: Hex;
  transactions: Hex[];
}

/** op-node's eth.L2BlockRef, with its JSON field names (numbers are plain JSON numbers). */
export interface L2BlockRef {
  hash: Hex;
  number: number;
  parentHash: Hex;
  timestamp: number;
  l1origin: { hash: Hex; number: number };
  sequenceNumber: number;
}

/** What op-node asks the engine to build (engine API PayloadAttributesV3 plus OP fields). */
export interface PayloadAttributes {
  timestamp: bigint;
  prevRandao: Hex;
  suggestedFeeRecipient: Hex;
  parentBeaconBlockRoot: Hex;
  transactions: Hex[];
  gasLimit: bigint;
  /** Holocene EIP-1559 parameters (8 bytes: denominator ‖ elasticity), copied into extraData. */
  eip1559Params: Hex;
}

/**
 * Post-Isthmus headers carry the L2ToL1MessagePasser storage root in `withdrawalsRoot`. Nothing
 * withdraws in the simulator, so it is a constant — deliberately not the empty-trie root, which
 * op-service's SSZ codec would mistake for "no withdrawalsRoot" (it infers V3 from that value) and
 * drop on a round trip through the conductor.
 */
export const MESSAGE_PASSER_STORAGE_ROOT: Hex = keccak256(stringToHex('baton-sim/L2ToL1MessagePasser'));
export const SEQUENCER_FEE_VAULT: Hex = '0x4200000000000000000000000000000000000011';
export const DEFAULT_GAS_LIMIT = 30_000_000n;
export const DEFAULT_BASE_FEE = 1_000_000n;
/** Holocene extraData parameters: denominator 250, elasticity 6. */
export const DEFAULT_EIP1559_PARAMS: Hex = '0x000000fa00000006';

function seal(header: Header, transactions: Hex[]): Block {
  return { header, hash: hashHeader(header), transactions };
}

export function genesisBlock(opts: { timestamp: number; chainId: number }): Block {
  return seal(
    {
      parentHash: ZERO_HASH,
      sha3Uncles: EMPTY_UNCLE_HASH,
      miner: SEQUENCER_FEE_VAULT,
      stateRoot: keccak256(stringToHex(`baton-sim/genesis-state/${opts.chainId}`)),
      transactionsRoot: EMPTY_TRIE_ROOT,
      receiptsRoot: EMPTY_TRIE_ROOT,
      logsBloom: ZERO_BLOOM,
      difficulty: 0n,
      number: 0n,
      gasLimit: DEFAULT_GAS_LIMIT,
      gasUsed: 0n,
      timestamp: BigInt(opts.timestamp),
      extraData: '0x',
      mixHash: ZERO_HASH,
      nonce: ZERO_NONCE,
      baseFeePerGas: DEFAULT_BASE_FEE,
      withdrawalsRoot: MESSAGE_PASSER_STORAGE_ROOT,
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconBlockRoot: ZERO_HASH,
      requestsHash: EMPTY_REQUESTS_HASH,
    },
    [],
  );
}

/** Builds (and seals) the child of `parent` from payload attributes, as the EL would. */
export function buildChild(parent: Block, attrs: PayloadAttributes): Block {
  const transactionsRoot = orderedTrieRoot(attrs.transactions);
  let gasUsed = 0n;
  for (const tx of attrs.transactions) gasUsed += 21_000n + BigInt((tx.length - 2) / 2) * 16n;
  if (gasUsed > attrs.gasLimit) gasUsed = attrs.gasLimit;
  return seal(
    {
      parentHash: parent.hash,
      sha3Uncles: EMPTY_UNCLE_HASH,
      miner: attrs.suggestedFeeRecipient,
      stateRoot: keccak256(concat([parent.header.stateRoot, transactionsRoot])),
      transactionsRoot,
      receiptsRoot: keccak256(concat([transactionsRoot, stringToHex('receipts')])),
      logsBloom: ZERO_BLOOM,
      difficulty: 0n,
      number: parent.header.number + 1n,
      gasLimit: attrs.gasLimit,
      gasUsed,
      timestamp: attrs.timestamp,
      extraData: concat(['0x00', attrs.eip1559Params]),
      mixHash: attrs.prevRandao,
      nonce: ZERO_NONCE,
      baseFeePerGas: DEFAULT_BASE_FEE,
      withdrawalsRoot: MESSAGE_PASSER_STORAGE_ROOT,
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconBlockRoot: attrs.parentBeaconBlockRoot,
      requestsHash: EMPTY_REQUESTS_HASH,
    },
    attrs.transactions,
  );
}

/**
 * The L2BlockRef of a block, reading the L1 origin from its L1-attributes deposit like op-node's
 * `derive.L2BlockToBlockRef`. Genesis has no deposit; its origin is L1 block 0.
 */
export function l2BlockRef(block: Block, l1GenesisTime: number): L2BlockRef {
  const info = parseL1InfoTx(block.transactions[0]);
  const origin: L1BlockRef = l1Block(0, l1GenesisTime);
  return {
    hash: block.hash,
    number: Number(block.header.number),
    parentHash: block.header.parentHash,
    timestamp: Number(block.header.timestamp),
    l1origin: info ? { hash: info.hash, number: info.number } : { hash: origin.hash, number: origin.number },
    sequenceNumber: info ? info.sequenceNumber : 0,
  };
}

/** Size of a block's transactions in bytes (what the benchmarks call the payload size). */
export function transactionBytes(block: Block): number {
  let n = 0;
  for (const tx of block.transactions) n += (tx.length - 2) / 2;
  return n;
}

/**
 * Transactions of simulated blocks.
 *
 * Every OP Stack block starts with the L1-attributes deposit; the simulator writes one in the real
 * deposit envelope (type 0x7E ‖ RLP[sourceHash, from, to, mint, value, gas, isSystemTx, data]) with
 * Isthmus-layout `setL1BlockValuesIsthmus` calldata, so that an L2BlockRef (L1 origin, sequence
 * number) can be recovered from the block alone, exactly how op-node derives it. Benchmarks need
 * blocks of a chosen size (10 KB … 5 MB); "filler" deposits carry opaque calldata to reach it. They
 * are never executed, so their contents only need to be deterministic and unique per block.
 */
import { concat, keccak256, numberToHex, pad, size, slice, toRlp, type Hex, hexToNumber } from 'viem';
import type { L1BlockRef } from './l1.js';
import { rlpUint } from './rlp.js';

export const DEPOSIT_TX_TYPE = '0x7e';
const L1_INFO_DEPOSITOR: Hex = '0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001';
const L1_BLOCK_PREDEPLOY: Hex = '0x4200000000000000000000000000000000000015';
const FILLER_FROM: Hex = '0x00000000000000000000000000000000000ba705';
const FILLER_TO: Hex = '0x000000000000000000000000000000000000dead';
/** setL1BlockValuesIsthmus() selector. */
const L1_INFO_SELECTOR: Hex = '0x098999be';
/** Largest filler transaction: geth's txpool rejects transactions above 128 KiB. */
export const MAX_FILLER_TX_BYTES = 120 * 1024;

export interface L1Info {
  origin: L1BlockRef;
  sequenceNumber: number;
}

function depositTx(sourceHash: Hex, from: Hex, to: Hex, gas: number, data: Hex): Hex {
  const body = toRlp([sourceHash, from, to, rlpUint(0), rlpUint(0), rlpUint(gas), rlpUint(0), data]);
  return concat([DEPOSIT_TX_TYPE, body]);
}

/** The L1-attributes deposit: first transaction of every L2 block. */
export function l1InfoTx(info: L1Info): Hex {
  const u = (v: number, bytes: number): Hex => numberToHex(v, { size: bytes });
  const data = concat([
    L1_INFO_SELECTOR,
    u(0, 4), // baseFeeScalar
    u(0, 4), // blobBaseFeeScalar
    u(info.sequenceNumber, 8),
    u(info.origin.timestamp, 8),
    u(info.origin.number, 8),
    u(1_000_000_000, 32), // L1 basefee
    u(1, 32), // blob basefee
    info.origin.hash,
    pad('0x00', { size: 32 }), // batcher hash
    u(0, 4), // operatorFeeScalar
    u(0, 8), // operatorFeeConstant
  ]);
  // Deposit source hash domain 1 (L1 info): keccak(pad32(1) ‖ keccak(l1 hash ‖ pad32(seq))).
  const depositId = keccak256(concat([info.origin.hash, u(info.sequenceNumber, 32)]));
  const sourceHash = keccak256(concat([u(1, 32), depositId]));
  return depositTx(sourceHash, L1_INFO_DEPOSITOR, L1_BLOCK_PREDEPLOY, 1_000_000, data);
}

/** Reads the L1 origin number/hash and sequence number back out of an L1-attributes deposit. */
export interface ParsedL1Info {
  number: number;
  hash: Hex;
  sequenceNumber: number;
}

const L1_INFO_DATA_BYTES = 176;

export function parseL1InfoTx(tx: Hex | undefined): ParsedL1Info | undefined {
  if (tx === undefined || !tx.startsWith(DEPOSIT_TX_TYPE)) return undefined;
  // The calldata is the last RLP item, so its fixed-size layout is the tail of the transaction.
  if (size(tx) < L1_INFO_DATA_BYTES + 1) return undefined;
  return parseL1InfoData(slice(tx, size(tx) - L1_INFO_DATA_BYTES));
}

/** Parses L1-attributes calldata (the `input` of a block's first transaction). */
export function parseL1InfoData(data: Hex): ParsedL1Info | undefined {
  if (size(data) !== L1_INFO_DATA_BYTES || slice(data, 0, 4) !== L1_INFO_SELECTOR) return undefined;
  return {
    sequenceNumber: hexToNumber(slice(data, 12, 20)),
    number: hexToNumber(slice(data, 28, 36)),
    hash: slice(data, 100, 132),
  };
}

/**
 * Filler deposits totalling about `totalBytes` of calldata for block `blockNumber`. Calldata is a
 * cheap repeating pattern, prefixed with the block number and index so every transaction is unique.
 */
export function fillerTxs(blockNumber: bigint, totalBytes: number): Hex[] {
  const txs: Hex[] = [];
  let remaining = Math.max(0, Math.floor(totalBytes));
  for (let i = 0; remaining > 0; i++) {
    const len = Math.min(remaining, MAX_FILLER_TX_BYTES);
    const tag = `${blockNumber.toString(16).padStart(16, '0')}${i.toString(16).padStart(8, '0')}`;
    const body = 'ab'.repeat(Math.max(0, len - tag.length / 2));
    const data = `0x${(tag + body).slice(0, len * 2)}` as Hex;
    const sourceHash = keccak256(
      concat([numberToHex(blockNumber, { size: 32 }), numberToHex(i, { size: 32 })]),
    );
    txs.push(depositTx(sourceHash, FILLER_FROM, FILLER_TO, 21_000 + len * 16, data));
    remaining -= len;
  }
  return txs;
}

/** Blocks and transactions as geth's eth_getBlockBy* returns them (all quantities hex). */
import { fromRlp, keccak256, size, slice, type Hex } from 'viem';
import type { Block } from '../chain/block.js';
import { encodeHeader } from '../../../conductor/chain/header.js';
import { quantity } from '../chain/rlp.js';
import { DEPOSIT_TX_TYPE } from '../chain/txs.js';

export function txHash(tx: Hex): Hex {
  return keccak256(tx);
}

function txJson(block: Block, tx: Hex, index: number): Record<string, unknown> {
  const common = {
    blockHash: block.hash,
    blockNumber: quantity(block.header.number),
    hash: txHash(tx),
    transactionIndex: quantity(index),
  };
  if (!tx.startsWith(DEPOSIT_TX_TYPE)) return { ...common, type: `0x${tx.slice(2, 4)}`, raw: tx };
  const fields = fromRlp(slice(tx, 1), 'hex') as Hex[];
  const [sourceHash, from, to, mint, value, gas, isSystemTx, input] = fields;
  const q = (h: Hex | undefined): Hex => quantity(h === undefined || h === '0x' ? 0n : BigInt(h));
  return {
    ...common,
    type: DEPOSIT_TX_TYPE,
    sourceHash,
    from,
    to,
    mint: q(mint),
    value: q(value),
    gas: q(gas),
    isSystemTx: isSystemTx === '0x01',
    input,
    nonce: '0x0',
    gasPrice: '0x0',
    v: '0x0',
    r: '0x0',
    s: '0x0',
  };
}

export function blockJson(block: Block, fullTx: boolean): Record<string, unknown> {
  const h = block.header;
  const txBytes = block.transactions.reduce((n, tx) => n + size(tx), 0);
  return {
    hash: block.hash,
    parentHash: h.parentHash,
    sha3Uncles: h.sha3Uncles,
    miner: h.miner,
    stateRoot: h.stateRoot,
    transactionsRoot: h.transactionsRoot,
    receiptsRoot: h.receiptsRoot,
    logsBloom: h.logsBloom,
    difficulty: quantity(h.difficulty),
    number: quantity(h.number),
    gasLimit: quantity(h.gasLimit),
    gasUsed: quantity(h.gasUsed),
    timestamp: quantity(h.timestamp),
    extraData: h.extraData,
    mixHash: h.mixHash,
    nonce: h.nonce,
    baseFeePerGas: quantity(h.baseFeePerGas ?? 0n),
    withdrawalsRoot: h.withdrawalsRoot,
    blobGasUsed: quantity(h.blobGasUsed ?? 0n),
    excessBlobGas: quantity(h.excessBlobGas ?? 0n),
    parentBeaconBlockRoot: h.parentBeaconBlockRoot,
    requestsHash: h.requestsHash,
    // RLP size of [header, txs, uncles, withdrawals], up to the few bytes of list prefixes.
    size: quantity(size(encodeHeader(h)) + txBytes + 8),
    uncles: [],
    withdrawals: [],
    transactions: fullTx
      ? block.transactions.map((tx, i) => txJson(block, tx, i))
      : block.transactions.map(txHash),
  };
}

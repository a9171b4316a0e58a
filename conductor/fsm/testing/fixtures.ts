/**
 * Test fixtures: deterministic envelopes and chains. Block hashes here are synthetic (sha256 of the
 * number and a fork label), not real keccak header hashes — nothing in the FSM recomputes them.
 */
import { createHash } from 'node:crypto';

import type { ExecutionPayloadEnvelope, Hex } from '../envelope.js';
import { formatQuantity } from '../hex.js';

export function fakeHash(label: string): Hex {
  return `0x${createHash('sha256').update(label).digest('hex')}`;
}

export interface FakeBlockOptions {
  number: bigint;
  parentHash?: Hex;
  hash?: Hex;
  /** v4 adds a non-empty withdrawalsRoot; v3 omits it. */
  version?: 'v3' | 'v4';
  fork?: string;
  transactions?: Hex[];
  timestamp?: bigint;
}

export function fakeBlockHash(number: bigint, fork = 'main'): Hex {
  return fakeHash(`block:${fork}:${number}`);
}

export function fakeEnvelope(opts: FakeBlockOptions): ExecutionPayloadEnvelope {
  const fork = opts.fork ?? 'main';
  const envelope: ExecutionPayloadEnvelope = {
    parentBeaconBlockRoot: fakeHash(`beacon:${opts.number}`),
    executionPayload: {
      parentHash: opts.parentHash ?? fakeBlockHash(opts.number - 1n, fork),
      feeRecipient: '0x4200000000000000000000000000000000000011',
      stateRoot: fakeHash(`state:${fork}:${opts.number}`),
      receiptsRoot: fakeHash(`receipts:${fork}:${opts.number}`),
      logsBloom: `0x${'00'.repeat(256)}`,
      prevRandao: fakeHash(`randao:${opts.number}`),
      blockNumber: formatQuantity(opts.number),
      gasLimit: '0x1c9c380',
      gasUsed: '0xb2c8',
      timestamp: formatQuantity(opts.timestamp ?? 1_700_000_000n + opts.number * 2n),
      extraData: '0x',
      baseFeePerGas: '0xfc',
      blockHash: opts.hash ?? fakeBlockHash(opts.number, fork),
      transactions: opts.transactions ?? ['0x7ef8f8a0'],
      withdrawals: [],
      blobGasUsed: '0x0',
      excessBlobGas: '0x0',
    },
  };
  if ((opts.version ?? 'v4') === 'v4') {
    envelope.executionPayload.withdrawalsRoot = fakeHash(`withdrawals:${fork}:${opts.number}`);
  }
  return envelope;
}

/** Blocks from..to inclusive, each the child of the previous one. */
export function fakeChain(from: bigint, to: bigint, fork = 'main'): ExecutionPayloadEnvelope[] {
  const out: ExecutionPayloadEnvelope[] = [];
  for (let n = from; n <= to; n++) out.push(fakeEnvelope({ number: n, fork }));
  return out;
}

/**
 * A pretend L1 chain. The simulator has no L1, but op-node's view of the world is full of L1
 * references (sync status, each L2 block's L1 origin). A deterministic function of the block
 * number gives every node the same L1 without any communication: block n has a fixed hash, its
 * parent is block n-1, and it was produced at genesis + 12·n seconds.
 */
import { keccak256, stringToHex, type Hex } from 'viem';

export const L1_BLOCK_TIME_SECONDS = 12;

export interface L1BlockRef {
  hash: Hex;
  number: number;
  parentHash: Hex;
  timestamp: number;
}

export function l1Hash(n: number): Hex {
  return keccak256(stringToHex(`baton-sim/l1/${n}`));
}

export function l1Block(n: number, l1GenesisTime: number): L1BlockRef {
  return {
    hash: l1Hash(n),
    number: n,
    parentHash: n === 0 ? `0x${'00'.repeat(32)}` : l1Hash(n - 1),
    timestamp: l1GenesisTime + n * L1_BLOCK_TIME_SECONDS,
  };
}

/** The newest L1 block produced at or before `unixSeconds`. */
export function l1BlockAt(unixSeconds: number, l1GenesisTime: number): L1BlockRef {
  const n = Math.max(0, Math.floor((unixSeconds - l1GenesisTime) / L1_BLOCK_TIME_SECONDS));
  return l1Block(n, l1GenesisTime);
}

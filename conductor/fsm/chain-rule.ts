/**
 * The one rule that keeps the committed unsafe chain linear (docs/design.md §2, invariant 2): a payload is
 * committed only if it is the child of the committed head. The proposer (conductor_commitUnsafePayload)
 * checks it before proposing so op-node gets a precise error, and the FSM re-checks it at apply time
 * because the log, not the proposer, is the replicated truth. Both call `checkExtension`.
 *
 * op-conductor's FSM only required a higher block number and silently ignored the rest; we reject
 * gaps, forks and stale blocks explicitly.
 */
import type { Hex } from './hex.js';
import { normalizeHash } from './hex.js';

/** Identity of a block as the chain rule sees it. */
export interface BlockRef {
  blockNumber: bigint;
  blockHash: Hex;
  parentHash: Hex;
}

export type ExtensionVerdict =
  | { kind: 'extends' }
  /** Same number and hash as the head: a retried commit whose first attempt already landed. */
  | { kind: 'duplicate' }
  | { kind: 'rejected'; error: string };

/** Decide whether `next` may follow `head` (undefined head: the FSM is empty, any first block is accepted). */
export function checkExtension(head: BlockRef | undefined, next: BlockRef): ExtensionVerdict {
  if (head === undefined) return { kind: 'extends' };
  const sameHash = normalizeHash(next.blockHash) === normalizeHash(head.blockHash);
  if (next.blockNumber === head.blockNumber) {
    if (sameHash) return { kind: 'duplicate' };
    return {
      kind: 'rejected',
      error:
        `conflicting unsafe payload: block ${next.blockNumber} ${next.blockHash} differs from the committed ` +
        `block ${head.blockNumber} ${head.blockHash}`,
    };
  }
  if (next.blockNumber < head.blockNumber) {
    return {
      kind: 'rejected',
      error: `stale unsafe payload: block ${next.blockNumber} is behind the committed head ${head.blockNumber} ${head.blockHash}`,
    };
  }
  if (next.blockNumber !== head.blockNumber + 1n) {
    return {
      kind: 'rejected',
      error:
        `unsafe payload ${next.blockNumber} does not extend the committed head ${head.blockNumber} ` +
        `${head.blockHash}: expected block ${head.blockNumber + 1n}`,
    };
  }
  if (normalizeHash(next.parentHash) !== normalizeHash(head.blockHash)) {
    return {
      kind: 'rejected',
      error:
        `unsafe payload ${next.blockNumber} has parent hash ${next.parentHash}, ` +
        `but the committed head ${head.blockNumber} is ${head.blockHash}`,
    };
  }
  return { kind: 'extends' };
}

/**
 * Deciding whether — and on top of which block — a new leader may start its sequencer.
 *
 * The no-reorg rule: a leader starts only when its execution client's head IS the committed head
 * (the last block Raft committed). op-conductor repairs a gap of exactly one block by posting the
 * committed payload; a node two or more blocks behind wedges forever (its FSM keeps one payload).
 * Baton keeps a window of recent committed payloads, so it posts every missing block in order and
 * starts once the heads match. Anything else (a local head ahead of, or diverged from, the committed
 * chain) is refused: starting there would fork the chain.
 */

export interface BlockId {
  readonly number: number;
  readonly hash: string;
}

export interface CommittedBlock extends BlockId {
  readonly parentHash: string;
}

export type StartPlan<Payload> =
  /** Heads match (or nothing was ever committed): start sequencing on `hash`. */
  | { readonly kind: 'start'; readonly hash: string; readonly fresh: boolean }
  /** The local node is behind: post these committed payloads in order, then plan again. */
  | { readonly kind: 'catchUp'; readonly payloads: readonly Payload[] }
  | { readonly kind: 'refuse'; readonly error: string };

export interface CommittedWindow<Payload> {
  /** The committed payload at `number`, if the window still holds it. */
  payloadAt(number: number): { readonly block: CommittedBlock; readonly payload: Payload } | null;
}

/** Limit on blocks posted in one round; the loop re-plans after each round. */
export const MAX_CATCH_UP_BLOCKS = 64;

export function planStart<Payload>(
  committedHead: CommittedBlock | null,
  localHead: BlockId,
  window: CommittedWindow<Payload>,
): StartPlan<Payload> {
  if (committedHead === null) {
    // A brand-new cluster: nothing committed yet, so the chain continues from the local head
    // (genesis on a fresh chain). The first commit pins the head for everyone after.
    return { kind: 'start', hash: localHead.hash, fresh: true };
  }
  if (committedHead.hash.toLowerCase() === localHead.hash.toLowerCase()) {
    return { kind: 'start', hash: committedHead.hash, fresh: false };
  }
  if (localHead.number >= committedHead.number) {
    return {
      kind: 'refuse',
      error:
        `unsafe head mismatch: local head ${describe(localHead)} is not the committed head ${describe(committedHead)}; ` +
        'the local chain is ahead of or diverged from what Raft committed — resync this node before it can sequence',
    };
  }
  const payloads: Payload[] = [];
  let expectedParent = localHead.hash.toLowerCase();
  const last = Math.min(committedHead.number, localHead.number + MAX_CATCH_UP_BLOCKS);
  for (let number = localHead.number + 1; number <= last; number++) {
    const found = window.payloadAt(number);
    if (!found) {
      return {
        kind: 'refuse',
        error:
          `unsafe head mismatch: local head ${describe(localHead)} is ${committedHead.number - localHead.number} blocks behind ` +
          `the committed head ${describe(committedHead)} and block ${number} is no longer in the committed payload window; ` +
          'let the node sync over p2p, or transfer leadership to a caught-up member',
      };
    }
    if (found.block.parentHash.toLowerCase() !== expectedParent) {
      return {
        kind: 'refuse',
        error:
          `unsafe head mismatch: committed block ${describe(found.block)} does not extend the local chain at ` +
          `${number - 1}; the local chain diverged from what Raft committed — resync this node`,
      };
    }
    payloads.push(found.payload);
    expectedParent = found.block.hash.toLowerCase();
  }
  return { kind: 'catchUp', payloads };
}

function describe(block: BlockId): string {
  return `${block.number} (${block.hash})`;
}

/**
 * Reads op-node's JSON log (`--log.format=json`) for the blocks its sequencer sealed and whether each was
 * committed to the conductor. op-node logs "Sequencer sealed block" before the commit and, when the commit
 * fails, "Engine failed temporarily, backing off sequencer" with "failed to commit unsafe payload to
 * conductor" in its error (op-node/rollup/sequencing/sequencer.go); a sealed block is gossiped only after
 * its commit succeeds.
 */
import type { Hex } from 'viem';

export interface SealedBlock {
  readonly node: string;
  readonly number: number;
  readonly hash: Hex;
  readonly atMs: number;
  /** False when the next sequencer event on this node was a failed conductor commit. */
  readonly committed: boolean;
}

/** op-node prints block ids as "0xhash:number" (eth.BlockID String) or as {hash, number}. */
function blockId(value: unknown): { hash: Hex; number: number } | null {
  if (typeof value === 'string') {
    const match = /^(0x[0-9a-fA-F]{64}):(\d+)$/.exec(value);
    return match ? { hash: match[1]!.toLowerCase() as Hex, number: Number(match[2]) } : null;
  }
  if (value && typeof value === 'object' && 'hash' in value && 'number' in value) {
    const { hash, number } = value as { hash: string; number: number | string };
    return { hash: hash.toLowerCase() as Hex, number: Number(number) };
  }
  return null;
}

export function readSealedBlocks(node: string, log: string): SealedBlock[] {
  const sealed: SealedBlock[] = [];
  let pending: Omit<SealedBlock, 'committed'> | null = null;
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const msg = entry.msg;
    if (msg === 'Sequencer sealed block') {
      // A seal whose outcome was never logged before the next one is left out, like a last one below: unknown.
      const id = blockId(entry.block);
      const atMs = Date.parse(String(entry.t ?? entry.time ?? ''));
      pending = id ? { node, ...id, atMs: Number.isNaN(atMs) ? 0 : atMs } : null;
    } else if (
      pending &&
      typeof entry.err === 'string' &&
      entry.err.includes('failed to commit unsafe payload to conductor')
    ) {
      sealed.push({ ...pending, committed: false });
      pending = null;
    } else if (pending && msg === 'Sequencer inserted block') {
      sealed.push({ ...pending, committed: true });
      pending = null;
    }
  }
  // A last sealed block with neither outcome logged (the process was killed mid-commit) is left out: its
  // commit may or may not have landed.
  return sealed;
}

/**
 * Sealed blocks whose commit failed and that are on an op-geth anyway: what must never happen. A deposed
 * leader whose conductor is gone keeps building; when it builds on the same parent, timestamp and L1 origin as
 * its successor with no user transactions, its block is byte-for-byte the successor's (same hash). That block
 * was committed — by the successor — so only a hash no member committed counts.
 */
export function publishedWithoutCommit(
  sealed: readonly SealedBlock[],
  onChain: ReadonlySet<string>,
): SealedBlock[] {
  const committed = new Set(sealed.filter((b) => b.committed).map((b) => b.hash.toLowerCase()));
  return sealed.filter(
    (b) => !b.committed && onChain.has(b.hash.toLowerCase()) && !committed.has(b.hash.toLowerCase()),
  );
}

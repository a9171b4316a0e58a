/**
 * Majority arithmetic over the voters of one configuration. Non-voters never appear here: they
 * replicate but neither vote nor count towards commitment.
 */
import type { NodeId } from './types.js';

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The highest index held by a majority of `voters` (0 when there are no voters, so nothing commits).
 * Sorting the match indexes descending, the majority-th value is on a majority of servers.
 */
export function quorumIndex(voters: readonly NodeId[], match: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const sorted = voters.map(match).sort((a, b) => b - a);
  return sorted[majority(voters.length) - 1] ?? 0;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Tallies granted/rejected answers; answers from non-voters are ignored. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'lost';
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const need = majority(voters.length);
  if (granted >= need) return 'won';
  if (voters.length - rejected < need) return 'lost';
  return 'pending';
}

/** Whether `holds` is true for a majority of `voters`. */
export function hasQuorum(voters: readonly NodeId[], holds: (id: NodeId) => boolean): boolean {
  if (voters.length === 0) return false;
  let n = 0;
  for (const id of voters) if (holds(id)) n++;
  return n >= majority(voters.length);
}

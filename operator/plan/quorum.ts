/**
 * Invariant 4 (docs/design.md §2): quorum is never spent by us. Every step that takes a voter away — deleting its
 * pod, removing it from the configuration — is allowed only if the voters that remain healthy still form a
 * majority of the configuration that will be in force. Counting is over *healthy* voters (health.ts), so a
 * member that is already sick is never counted as the spare.
 */
import type { MemberFacts } from './health.js';

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

export interface QuorumCheck {
  readonly ok: boolean;
  /** "3 of 5 voters healthy, 3 needed" style explanation. */
  readonly detail: string;
}

function check(healthyLeft: number, votersLeft: number, what: string): QuorumCheck {
  const needed = majority(votersLeft);
  return {
    ok: votersLeft > 0 && healthyLeft >= needed,
    detail: `${what}: ${healthyLeft} of ${votersLeft} voters healthy, ${needed} needed`,
  };
}

/** The cluster can commit (and so can make a configuration change) right now. */
export function hasHealthyMajority(voters: readonly MemberFacts[]): QuorumCheck {
  return check(voters.filter((v) => v.healthy).length, voters.length, 'now');
}

/** Taking `pod` down (restart) keeps a healthy majority of the unchanged configuration. */
export function canTakeDown(voters: readonly MemberFacts[], pod: string): QuorumCheck {
  const healthyLeft = voters.filter((v) => v.healthy && v.pod !== pod).length;
  return check(healthyLeft, voters.length, `without ${pod}`);
}

/** Removing `pod` from the configuration leaves a healthy majority of the smaller configuration. */
export function canRemove(voters: readonly MemberFacts[], pod: string): QuorumCheck {
  const left = voters.filter((v) => v.pod !== pod);
  return check(left.filter((v) => v.healthy).length, left.length, `after removing ${pod}`);
}

/** Promoting a healthy non-voter keeps a healthy majority of the larger configuration. */
export function canPromote(voters: readonly MemberFacts[], candidate: MemberFacts): QuorumCheck {
  const healthy = voters.filter((v) => v.healthy).length + (candidate.healthy ? 1 : 0);
  return check(healthy, voters.length + 1, `after promoting ${candidate.pod}`);
}

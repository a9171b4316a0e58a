/**
 * Per-member facts, each with the first reason it fails, so every wait and stall can say who is holding
 * things up and why.
 *
 * "Healthy" is deliberately strict — the quorum gates count only healthy voters, and counting too few is
 * safe while counting too many spends quorum: the pod is Running, Ready and not being deleted; its
 * conductor answers, is not stopped, reports its sequencer healthy; and its chain is caught up with the
 * leader's. A paused conductor still votes (it counts for quorum) but cannot take leadership: `canLead`
 * also requires it active and unpaused, and its pod Ready for minReadySeconds — the Base outage of
 * Aug 2025 was a hand-off to a member that could not sequence.
 */
import type { PodObservation, RaftServer } from './observed.js';
import type { Reachable } from './consistency.js';
import type { PlanTuning } from './tuning.js';

export interface MemberFacts {
  /** Pod name, which is also the Raft server id. */
  readonly pod: string;
  readonly ordinal: number | null;
  /** Within spec.replicas. */
  readonly desired: boolean;
  readonly podObs: PodObservation | null;
  readonly conductor: Reachable | null;
  /** Entry in the authoritative (leader's) configuration, if any. */
  readonly server: RaftServer | null;
  readonly voter: boolean;
  readonly nonvoter: boolean;
  readonly isLeader: boolean;
  /** Pod annotation revision equals the update revision. */
  readonly upToDate: boolean;
  /** Blocks behind the reference head (null when unknown). */
  readonly headLag: number | null;
  readonly caughtUp: boolean;
  /** Pod Ready for at least minReadySeconds. */
  readonly settled: boolean;
  readonly healthy: boolean;
  readonly canLead: boolean;
  /** Why not healthy (null when healthy). */
  readonly unhealthyBecause: string | null;
  /** Why it may not take leadership (null when it may). */
  readonly cannotLeadBecause: string | null;
}

export interface FactsInput {
  readonly pod: string;
  readonly ordinal: number | null;
  readonly desired: boolean;
  readonly podObs: PodObservation | null;
  readonly conductor: Reachable | null;
  readonly server: RaftServer | null;
  readonly isLeader: boolean;
  readonly updateRevision: string;
  /** The leader's unsafe head number (or the best known head without a leader). */
  readonly referenceHead: number | null;
  readonly minReadyMs: number;
  readonly now: number;
  readonly tuning: PlanTuning;
}

/** Caught up: every lag measure we have is within bounds, and we have at least one. The leader is its own reference. */
function catchUp(input: FactsInput): { headLag: number | null; caughtUp: boolean; why: string | null } {
  const c = input.conductor;
  if (!c) return { headLag: null, caughtUp: false, why: 'conductor unreachable' };
  const head = c.unsafeHead?.number ?? null;
  const headLag =
    head !== null && input.referenceHead !== null ? Math.max(0, input.referenceHead - head) : null;
  if (input.isLeader) return { headLag: headLag ?? 0, caughtUp: true, why: null };
  if (headLag === null && c.raftLag === null) {
    return { headLag, caughtUp: false, why: 'sync status unknown (no unsafe head or Raft lag reported)' };
  }
  if (headLag !== null && headLag > input.tuning.maxHeadLagBlocks) {
    return { headLag, caughtUp: false, why: `${headLag} blocks behind the leader` };
  }
  if (c.raftLag !== null && c.raftLag > input.tuning.maxRaftLagEntries) {
    return { headLag, caughtUp: false, why: `Raft log ${c.raftLag} entries behind` };
  }
  const silence = c.leaderSilenceMs ?? null;
  if (silence !== null && silence > input.tuning.maxLeaderSilenceMs) {
    return {
      headLag,
      caughtUp: false,
      why: `the Raft leader has not heard from it for ${(silence / 1000).toFixed(1)}s`,
    };
  }
  return { headLag, caughtUp: true, why: null };
}

function podProblem(pod: PodObservation | null): string | null {
  if (!pod) return 'pod does not exist';
  if (pod.terminating) return 'pod is terminating';
  if (pod.phase !== 'Running') return `pod is ${pod.phase}`;
  if (!pod.ready) return 'pod is not Ready';
  return null;
}

export function memberFacts(input: FactsInput): MemberFacts {
  const { podObs, conductor, server } = input;
  const sync = catchUp(input);
  const settled =
    podObs !== null &&
    podObs.ready &&
    !podObs.terminating &&
    podObs.readySince !== null &&
    input.now - podObs.readySince >= input.minReadyMs;

  const unhealthyBecause =
    podProblem(podObs) ??
    (!conductor
      ? 'conductor unreachable'
      : conductor.stopped
        ? 'conductor is stopped'
        : conductor.raftRecovering === true
          ? 'its Raft log lost entries it had acknowledged; catching up (it does not vote until then)'
          : !conductor.sequencerHealthy
            ? 'sequencer unhealthy'
            : sync.why);
  const healthy = unhealthyBecause === null;

  const cannotLeadBecause =
    unhealthyBecause ??
    (podObs?.nodeCordoned
      ? 'its node is cordoned (being drained)'
      : conductor!.paused
        ? 'conductor is paused'
        : !conductor!.active
          ? 'conductor is not active'
          : !settled
            ? 'not Ready for minReadySeconds yet'
            : server?.suffrage !== 0
              ? 'not a voter' // last, so a non-voter that is otherwise ready to lead is promotable
              : null);

  return {
    pod: input.pod,
    ordinal: input.ordinal,
    desired: input.desired,
    podObs,
    conductor,
    server,
    voter: server?.suffrage === 0,
    nonvoter: server !== null && server.suffrage !== 0,
    isLeader: input.isLeader,
    upToDate: podObs?.revision === input.updateRevision,
    headLag: sync.headLag,
    caughtUp: sync.caughtUp,
    settled,
    healthy,
    canLead: cannotLeadBecause === null,
    unhealthyBecause,
    cannotLeadBecause,
  };
}

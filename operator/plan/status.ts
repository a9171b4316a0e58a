/**
 * SequencerCluster status from one observation and the step just chosen: counts, leader, members, the
 * operation in flight (which is also the planner's memory for the next reconcile) and the four
 * conditions (conditions.ts). Pure: `now` comes from the observation.
 */
import { clusterConditions, withTransitions, type Condition } from './conditions.js';
import type { MemberFacts } from './health.js';
import type { Observed, OperationMemory, OperationPhase, PlanMemory } from './observed.js';
import { isAction, type Step } from './step.js';
import { DEFAULT_TUNING, type PlanTuning } from './tuning.js';
import { buildView, type ClusterView } from './view.js';

export type { Condition, ConditionStatus, ConditionType } from './conditions.js';

export type ClusterPhase =
  'Paused' | 'Stalled' | 'Forming' | 'Scaling' | 'Upgrading' | 'Degraded' | 'Running';

export interface MemberStatus {
  readonly pod: string;
  readonly id: string;
  readonly suffrage: 'Voter' | 'Nonvoter' | 'None';
  readonly leader: boolean;
  readonly reachable: boolean;
  readonly healthy: boolean;
  readonly sequencerActive: boolean | null;
  readonly unsafeHead: number | null;
  /** Raft log entries behind the leader (its baton_raftStatus report); null when unknown. */
  readonly raftLag: number | null;
  readonly revision: string | null;
  readonly restartCount: number | null;
  /** Why the member is not healthy (absent when it is). */
  readonly message?: string;
}

export interface RolloutStatus {
  readonly phase: OperationPhase;
  readonly pod: string;
  readonly target: string | null;
  readonly podUid: string | null;
  readonly startedAt: string;
  readonly attemptedAt: string | null;
}

export interface SequencerClusterStatus {
  readonly observedGeneration: number;
  readonly phase: ClusterPhase;
  /** "healthy voters/spec.replicas", the READY printer column. */
  readonly ready: string;
  /** Existing pods (the scale subresource's statusReplicasPath). */
  readonly replicas: number;
  /** Desired members that are healthy voters (pod Ready, conductor healthy, caught up, voting). */
  readonly readyReplicas: number;
  /** Desired pods on the update revision. */
  readonly updatedReplicas: number;
  readonly currentRevision: string | null;
  readonly updateRevision: string;
  readonly leader: { readonly pod: string; readonly id: string; readonly since: string } | null;
  /** The leader's unsafe head (best known head without a leader). */
  readonly head: number | null;
  readonly members: readonly MemberStatus[];
  readonly rollout: RolloutStatus | null;
  readonly raft: {
    readonly formed: boolean;
    readonly bootstrapMember: string | null;
    readonly configVersion: number | null;
  };
  readonly conditions: readonly Condition[];
  /** The step chosen on this reconcile, for `kubectl describe`. */
  readonly lastStep: { readonly kind: Step['kind']; readonly code: string; readonly reason: string };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const parse = (s: string): number => Date.parse(s);

/** The planner's memory as stored in a previous status (EMPTY_MEMORY's equivalent for null). */
export function memoryFromStatus(status: SequencerClusterStatus | null): PlanMemory {
  const r = status?.rollout ?? null;
  return {
    raft: { formed: status?.raft.formed ?? false, bootstrapMember: status?.raft.bootstrapMember ?? null },
    rollout: r
      ? {
          phase: r.phase,
          pod: r.pod,
          target: r.target,
          podUid: r.podUid,
          startedAt: parse(r.startedAt),
          attemptedAt: r.attemptedAt === null ? null : parse(r.attemptedAt),
        }
      : null,
  };
}

/** The operation in flight after `step`: continued (same phase and pod), replaced, kept or cleared. */
export function nextOperation(
  previous: OperationMemory | null,
  step: Step,
  now: number,
): OperationMemory | null {
  const op = step.operation;
  if (op === undefined) return previous;
  if (op === null) return null;
  const acted = isAction(step);
  if (previous && previous.phase === op.phase && previous.pod === op.pod) {
    return {
      ...previous,
      target: op.target ?? previous.target,
      podUid: op.podUid ?? previous.podUid,
      attemptedAt: acted ? now : previous.attemptedAt,
    };
  }
  return {
    phase: op.phase,
    pod: op.pod,
    target: op.target,
    podUid: op.podUid ?? null,
    startedAt: now,
    attemptedAt: acted ? now : null,
  };
}

function memberStatus(m: MemberFacts): MemberStatus {
  return {
    pod: m.pod,
    id: m.pod,
    suffrage: m.voter ? 'Voter' : m.nonvoter ? 'Nonvoter' : 'None',
    leader: m.isLeader,
    reachable: m.conductor !== null,
    healthy: m.healthy,
    sequencerActive: m.conductor?.sequencerActive ?? null,
    unsafeHead: m.conductor?.unsafeHead?.number ?? null,
    raftLag: m.conductor?.raftLag ?? null,
    revision: m.podObs?.revision ?? null,
    restartCount: m.podObs?.restartCount ?? null,
    ...(m.unhealthyBecause !== null ? { message: m.unhealthyBecause } : {}),
  };
}

function currentRevision(view: ClusterView, previous: SequencerClusterStatus | null): string | null {
  const { updateRevision, replicas } = view.observed.desired;
  const desiredPods = view.members.filter((m) => m.desired && m.podObs);
  if (desiredPods.length === replicas && desiredPods.every((m) => m.upToDate)) return updateRevision;
  const counts = new Map<string, number>();
  for (const m of desiredPods) {
    const r = m.podObs!.revision;
    if (r !== null && r !== updateRevision) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return best?.[0] ?? previous?.currentRevision ?? null;
}

function phaseOf(
  view: ClusterView,
  step: Step,
  formed: boolean,
  previous: SequencerClusterStatus | null,
  updatedReplicas: number,
  rollout: OperationMemory | null,
): ClusterPhase {
  const { desired } = view.observed;
  const allVoters = view.members.filter((m) => m.desired).every((m) => m.voter && m.healthy);
  if (desired.paused) return 'Paused';
  if (step.kind === 'stalled') return 'Stalled';
  // Forming lasts from the first reconcile until every member first became a healthy voter.
  const wasForming = previous === null || previous.phase === 'Forming';
  if (!formed || (wasForming && !allVoters)) return 'Forming';
  if (step.rule === 'scale' || step.rule === 'membership' || step.rule === 'pendingChange') return 'Scaling';
  if (rollout?.phase === 'AddingMember' || rollout?.phase === 'RemovingMember') return 'Scaling';
  if (step.rule === 'upgrade' || updatedReplicas < desired.replicas) return 'Upgrading';
  if (!view.leader || !allVoters) return 'Degraded';
  return 'Running';
}

export function computeStatus(
  observed: Observed,
  step: Step,
  previous: SequencerClusterStatus | null,
  tuning: PlanTuning = DEFAULT_TUNING,
): SequencerClusterStatus {
  const view = buildView(observed, tuning);
  const { desired, now, memory } = observed;

  const rollout = nextOperation(memory.rollout, step, now);
  const formed = memory.raft.formed || view.anyConfiguration;
  const bootstrapMember =
    step.kind === 'setBootstrapMember'
      ? step.pod
      : step.kind === 'clearBootstrapMember'
        ? null
        : memory.raft.bootstrapMember;

  const desiredMembers = view.members.filter((m) => m.desired);
  // Healthy *voters*: a member still joining as a non-voter cannot yet take over or count for quorum,
  // so "3/3" must not show while the cluster is forming or a member is being re-added.
  const readyReplicas = desiredMembers.filter((m) => m.healthy && m.voter).length;
  const updatedReplicas = desiredMembers.filter((m) => m.podObs && m.upToDate).length;

  const leader = view.leader
    ? {
        pod: view.leader.pod,
        id: view.leader.pod,
        since: previous?.leader?.pod === view.leader.pod ? previous.leader.since : iso(now),
      }
    : null;

  const conditions = withTransitions(
    previous?.conditions,
    clusterConditions(view, step, rollout),
    desired.generation,
    now,
  );

  return {
    observedGeneration: desired.generation,
    phase: phaseOf(view, step, formed, previous, updatedReplicas, rollout),
    ready: `${readyReplicas}/${desired.replicas}`,
    replicas: observed.pods.length,
    readyReplicas,
    updatedReplicas,
    currentRevision: currentRevision(view, previous),
    updateRevision: desired.updateRevision,
    leader,
    head: view.referenceHead,
    members: view.members
      .filter((m) => m.desired || m.server !== null || m.podObs !== null)
      .map(memberStatus),
    rollout: rollout
      ? {
          phase: rollout.phase,
          pod: rollout.pod,
          target: rollout.target,
          podUid: rollout.podUid,
          startedAt: iso(rollout.startedAt),
          attemptedAt: rollout.attemptedAt === null ? null : iso(rollout.attemptedAt),
        }
      : null,
    raft: { formed, bootstrapMember, configVersion: view.membership?.version ?? null },
    conditions,
    lastStep: { kind: step.kind, code: step.code, reason: step.reason },
  };
}

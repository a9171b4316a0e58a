/**
 * The SequencerCluster's conditions, in one place: what each of the four says about a reconciled cluster
 * (clusterConditions) and about one that cannot be reconciled until a human fixes something
 * (blockedConditions), and metav1.Condition semantics for all of them (withTransitions):
 * lastTransitionTime changes only when a condition's status flips, so a tight requeue loop does not
 * churn the object, and every condition carries observedGeneration so `kubectl wait
 * --for=condition=Ready` cannot return on a spec the operator has not reconciled yet
 * (cloudnative-pg#11390). Pure.
 */
import type { OperationMemory } from './observed.js';
import { hasHealthyMajority } from './quorum.js';
import { activePod } from './rules/labels.js';
import { isAction, type Step } from './step.js';
import type { ClusterView } from './view.js';

export type ConditionType = 'Ready' | 'Progressing' | 'Degraded' | 'Stalled';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** The order the conditions are written in. */
export const CONDITION_TYPES: readonly ConditionType[] = ['Ready', 'Progressing', 'Degraded', 'Stalled'];

export interface Condition {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
  /** RFC 3339. */
  readonly lastTransitionTime: string;
}

/** A condition as stored before (the planner's or the API server's shape). */
export interface PreviousCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime: string;
}

export interface ConditionValue {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** The four conditions of a cluster the operator can reconcile, from one view and the step chosen. */
export function clusterConditions(
  view: ClusterView,
  step: Step,
  rollout: OperationMemory | null,
): Record<ConditionType, ConditionValue> {
  const { desired } = view.observed;
  const desiredMembers = view.members.filter((m) => m.desired);
  const sick = desiredMembers.filter((m) => !(m.healthy && m.voter));
  const active = activePod(view);
  const quorum = hasHealthyMajority(view.voters);

  const ready: ConditionValue = !view.leader
    ? { status: 'False', reason: 'NoLeader', message: 'no conductor is Raft leader' }
    : active === null
      ? {
          status: 'False',
          reason: 'NotSequencing',
          message: `${view.leader.pod} leads but its sequencer is not active`,
        }
      : sick.length > 0
        ? {
            status: 'False',
            reason: 'MembersNotReady',
            message: `${desiredMembers.length - sick.length}/${desired.replicas} members are healthy voters; not: ${sick.map((m) => `${m.pod} (${m.unhealthyBecause ?? 'not a voter'})`).join(', ')}`,
          }
        : {
            status: 'True',
            reason: 'ClusterReady',
            message: `${active} is sequencing; every member is a healthy voter`,
          };

  const degraded: ConditionValue =
    view.voters.length > 0 && !quorum.ok
      ? { status: 'True', reason: 'QuorumLost', message: quorum.detail }
      : view.anyConfiguration && !view.leader
        ? { status: 'True', reason: 'NoLeader', message: 'no conductor is Raft leader' }
        : desiredMembers.some((m) => !m.healthy)
          ? {
              status: 'True',
              reason: 'MembersUnhealthy',
              message: desiredMembers
                .filter((m) => !m.healthy)
                .map((m) => `${m.pod}: ${m.unhealthyBecause}`)
                .join('; '),
            }
          : { status: 'False', reason: 'AllMembersHealthy', message: 'every member is healthy' };

  const stalled: ConditionValue =
    step.kind === 'stalled'
      ? { status: 'True', reason: step.code, message: step.reason }
      : { status: 'False', reason: 'NotStalled', message: 'the operator can make progress' };

  const progressing: ConditionValue =
    step.kind === 'stalled'
      ? { status: 'False', reason: step.code, message: step.reason }
      : step.kind === 'none'
        ? { status: 'False', reason: step.code, message: step.reason }
        : isAction(step) || rollout !== null
          ? { status: 'True', reason: step.code, message: step.reason }
          : { status: 'False', reason: step.code, message: step.reason };

  return { Ready: ready, Progressing: progressing, Degraded: degraded, Stalled: stalled };
}

/**
 * The cluster cannot be reconciled (a missing reference, an invalid spec, an object the API server
 * refused): not Ready, not Progressing, Stalled with the reason; Degraded keeps what was last observed,
 * because the members were not looked at.
 */
export function blockedConditions(
  previous: readonly PreviousCondition[] | undefined,
  reason: string,
  message: string,
): Record<ConditionType, ConditionValue> {
  const degraded = previous?.find((c) => c.type === 'Degraded');
  return {
    Ready: { status: 'False', reason, message },
    Progressing: { status: 'False', reason, message: 'blocked until the spec or its references are fixed' },
    Degraded: {
      status: (degraded?.status as ConditionStatus | undefined) ?? 'Unknown',
      reason: degraded?.reason ?? 'NotObserved',
      message: degraded?.message ?? 'members were not observed',
    },
    Stalled: { status: 'True', reason, message },
  };
}

/** metav1.Condition semantics: lastTransitionTime moves only when a condition's status flips. */
export function withTransitions(
  previous: readonly PreviousCondition[] | undefined,
  values: Record<ConditionType, ConditionValue>,
  observedGeneration: number,
  now: number,
): Condition[] {
  return CONDITION_TYPES.map((type): Condition => {
    const value = values[type];
    const before = previous?.find((c) => c.type === type);
    return {
      type,
      ...value,
      observedGeneration,
      lastTransitionTime:
        before && before.status === value.status ? before.lastTransitionTime : new Date(now).toISOString(),
    };
  });
}

/**
 * The operator's decision core: given one observation, the ONE next step and why.
 *
 * Rules are tried top to bottom; the first that returns a step wins. The order is the policy: safety
 * before progress (paused, untrustworthy answers), urgent leadership moves before anything cosmetic,
 * forming before membership, membership (scaling) before upgrading, and a step is never more than one
 * disruptive change. plan() is a pure function — same input, same step — so the controller can call it
 * on every reconcile and after every step, and progress is always re-derived from the cluster.
 *
 * | #  | rule          | when                                                                  | step                                   |
 * |----|---------------|-----------------------------------------------------------------------|----------------------------------------|
 * | 1  | paused        | spec.paused                                                           | none (status only)                     |
 * | 2  | consistency   | leader override; conflicting configs; leaders in different configs    | stalled (never act)                    |
 * |    |               | two leaders claiming the same config                                  | wait                                   |
 * | 3  | statefulSet   | StatefulSet missing                                                   | createStatefulSet                      |
 * | 4  | drain         | the leader's pod is terminating, or on a cordoned node               | transferLeadership (stalled: no target)|
 * | 5  | roleLabels    | a pod's role label ≠ (leader ∧ sequencing ? active : standby)         | setRoleLabels                          |
 * | 6  | forming       | no config anywhere, never formed: pod-0 exists, every conductor answers| setBootstrapMember(pod-0), then wait   |
 * |    |               | no config anywhere but formed before                                  | stalled RaftStateLost (never re-bootstrap) |
 * |    |               | a config exists and the bootstrap member is still set                 | clearBootstrapMember                   |
 * | 7  | quorum        | a config exists, no leader                                            | wait (stalled QuorumLost w/o majority) |
 * | 8  | pendingChange | leader's config version not yet held by a majority of voters          | wait                                   |
 * | 9  | scale (up)    | StatefulSet replicas < spec                                           | scaleStatefulSet                       |
 * | 10 | membership    | desired non-voter                                                     | promoteVoter once it can lead          |
 * |    |               | non-desired non-voter / voter (highest ordinal first)                 | (transfer if leader) removeMember      |
 * |    |               | desired pod not in config (lowest ordinal first)                      | addNonvoter                            |
 * | 11 | scale (down)  | StatefulSet replicas > spec, no removed ordinal left in Raft          | scaleStatefulSet                       |
 * | 12 | upgrade       | restart in flight not back                                            | wait (stalled after timeout)           |
 * |    |               | outdated followers, all voters healthy+settled, quorum w/o victim     | deletePod (highest ordinal first)      |
 * |    |               | only the leader outdated                                              | approval? → transferLeadership → (verified) deletePod as a follower |
 * | 13 | steady        | nothing to change                                                     | none / wait (degraded)                 |
 *
 * Every membership step carries the leader's configuration version; every deletePod/removeMember is
 * gated on a healthy majority without the member (quorum.ts); a transfer only goes to a voter that can
 * lead (target.ts); waits and stalls say which member holds things up and why.
 */
import type { Observed } from './observed.js';
import type { Rule } from './rules/build.js';
import { drainRule } from './rules/drain.js';
import { formingRule } from './rules/forming.js';
import { consistencyRule, pausedRule, statefulSetRule } from './rules/guards.js';
import { roleLabelsRule } from './rules/labels.js';
import {
  membershipRule,
  pendingChangeRule,
  quorumRule,
  scaleDownRule,
  scaleUpRule,
} from './rules/membership.js';
import { steadyRule } from './rules/steady.js';
import { upgradeRule } from './rules/upgrade.js';
import type { Step } from './step.js';
import { DEFAULT_TUNING, type PlanTuning } from './tuning.js';
import { buildView, type ClusterView } from './view.js';

export const RULES: readonly Rule[] = [
  pausedRule,
  consistencyRule,
  statefulSetRule,
  drainRule,
  roleLabelsRule,
  formingRule,
  quorumRule,
  pendingChangeRule,
  scaleUpRule,
  membershipRule,
  scaleDownRule,
  upgradeRule,
  steadyRule,
];

/**
 * A remembered transfer is over once another conductor leads. Forget it then, whatever step comes next,
 * so that if leadership later returns to that member (its conductor hands off when a new leader's
 * sequencer turns unhealthy) the next transfer gets a fresh leaderTransferTimeout instead of inheriting a
 * clock that ran while nothing was being attempted.
 */
function forgetFinishedTransfer(view: ClusterView, step: Step): Step {
  const op = view.observed.memory.rollout;
  const finished =
    op?.phase === 'TransferringLeadership' && view.leader !== null && view.leader.pod !== op.pod;
  return finished && step.operation === undefined ? { ...step, operation: null } : step;
}

/** The first rule's step for an already built view. */
export function planView(view: ClusterView): Step {
  for (const rule of RULES) {
    const step = rule.decide(view);
    if (step) return forgetFinishedTransfer(view, step);
  }
  // steadyRule always answers; this is unreachable but keeps the function total for the type checker.
  throw new Error('plan: no rule matched');
}

export function plan(observed: Observed, tuning: PlanTuning = DEFAULT_TUNING): Step {
  return planView(buildView(observed, tuning));
}

/**
 * What the planner asks the controller to do next: exactly one step per reconcile. Each step names the
 * rule that produced it, a CamelCase `code` (Event reason / condition reason) and a human `reason`
 * (Event message, log line). After executing a non-waiting step the controller requeues at once and
 * plans again from fresh observations; progress is always re-derived from the cluster, never assumed.
 *
 * Contract with the controller (operator/kube):
 * - It applies the rendered objects (Services, ConfigMaps, PDBs, the StatefulSet template with
 *   updateStrategy OnDelete) every reconcile, but never changes StatefulSet spec.replicas except through
 *   `createStatefulSet` / `scaleStatefulSet`: membership changes must happen in Raft before pods go away.
 * - Membership steps carry the `version` of the leader's configuration the decision was made on; if Raft
 *   answers `configuration changed since`, the controller just plans again.
 * - The bootstrap ConfigMap key `member` mirrors status.raft.bootstrapMember.
 */
import type { OperationPhase } from './observed.js';

/** The table row that chose a step (see plan.ts). */
export type RuleId =
  | 'paused'
  | 'consistency'
  | 'statefulSet'
  | 'drain'
  | 'roleLabels'
  | 'forming'
  | 'quorum'
  | 'pendingChange'
  | 'membership'
  | 'scale'
  | 'upgrade'
  | 'steady';

/**
 * The operation a step belongs to; status.rollout remembers it so timeouts can be measured across
 * reconciles. `undefined` on a step means "does not touch the operation in flight" (e.g. role labels),
 * `null` means "nothing is in flight any more".
 */
export interface Operation {
  readonly phase: OperationPhase;
  readonly pod: string;
  readonly target: string | null;
  /** RestartingMember: uid of the pod being deleted. */
  readonly podUid?: string | null;
}

interface Common {
  readonly rule: RuleId;
  /** CamelCase, machine-readable: Event reason and condition reason. */
  readonly code: string;
  /** One sentence for the Event message and the log. */
  readonly reason: string;
  readonly operation?: Operation | null;
}

export type Step = Common &
  (
    | { readonly kind: 'createStatefulSet'; readonly replicas: number }
    | { readonly kind: 'scaleStatefulSet'; readonly replicas: number }
    /** Write the bootstrap ConfigMap's `member` key: this pod may bootstrap a one-voter cluster. */
    | { readonly kind: 'setBootstrapMember'; readonly pod: string }
    | { readonly kind: 'clearBootstrapMember' }
    /** conductor_addServerAsNonvoter(id, address, version) on the leader. */
    | {
        readonly kind: 'addNonvoter';
        readonly pod: string;
        readonly id: string;
        readonly address: string;
        readonly version: number;
      }
    /** conductor_addServerAsVoter(id, address, version) on the leader: promotes an existing non-voter. */
    | {
        readonly kind: 'promoteVoter';
        readonly pod: string;
        readonly id: string;
        readonly address: string;
        readonly version: number;
      }
    /** conductor_removeServer(id, version) on the leader. */
    | { readonly kind: 'removeMember'; readonly pod: string; readonly id: string; readonly version: number }
    /**
     * conductor_demoteVoter(id, version) on the leader. Part of the controller contract; the planner does
     * not emit it today (removing a voter is already a single, quorum-checked configuration change).
     */
    | { readonly kind: 'demoteVoter'; readonly pod: string; readonly id: string; readonly version: number }
    /** conductor_transferLeaderToServer(to, toAddress) on `from` (pod names are Raft ids). */
    | {
        readonly kind: 'transferLeadership';
        readonly from: string;
        readonly to: string;
        readonly toAddress: string;
      }
    /** Delete the pod so the StatefulSet (OnDelete) recreates it at the update revision. */
    | { readonly kind: 'deletePod'; readonly pod: string }
    /** Label `active` on that pod (or on none) and `standby` on every other pod. */
    | { readonly kind: 'setRoleLabels'; readonly active: string | null }
    | { readonly kind: 'wait'; readonly requeueAfterMs: number }
    /** Blocked until a human acts or the cluster heals; surfaces as condition Stalled=True. */
    | { readonly kind: 'stalled'; readonly requeueAfterMs: number }
    | { readonly kind: 'none'; readonly requeueAfterMs: number }
  );

export type StepKind = Step['kind'];

/** Steps that can take a member away or change who votes: at most one per plan() call, each gated on quorum. */
export const DISRUPTIVE_KINDS: ReadonlySet<StepKind> = new Set<StepKind>([
  'deletePod',
  'removeMember',
  'demoteVoter',
  'transferLeadership',
  'scaleStatefulSet',
]);

export function isDisruptive(step: Step): boolean {
  return DISRUPTIVE_KINDS.has(step.kind);
}

/** Whether the step changes something (as opposed to waiting, being stalled, or having nothing to do). */
export function isAction(step: Step): step is Exclude<Step, { readonly kind: 'wait' | 'stalled' | 'none' }> {
  return step.kind !== 'wait' && step.kind !== 'stalled' && step.kind !== 'none';
}

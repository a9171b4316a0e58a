/**
 * What the planner sees: one snapshot of a SequencerCluster's desired spec, its Kubernetes objects and
 * every member conductor's answers, plus the little the operator remembers between reconciles.
 *
 * The controller (operator/kube) fills this in; the planner never asks for more. Everything is plain data
 * so a test can write any state down, including ones Kubernetes or Raft should never produce — the
 * planner must behave safely on those too. Times are milliseconds since the epoch; `now` is an input, the
 * planner reads no clock.
 */

// ---------------------------------------------------------------------------------------------------
// Desired state (the SequencerCluster spec)

export type LeaderUpdate = 'Unsupervised' | 'Supervised';

export interface UpdateStrategy {
  /** Supervised: stop before restarting the leader until a human approves (see `approvals`). */
  readonly leaderUpdate: LeaderUpdate;
  /** A restarted member must have been Ready this long before the rollout moves on. */
  readonly minReadySeconds: number;
  /** How long a leadership transfer may take before the rollout stalls (never forced). */
  readonly leaderTransferTimeoutMs: number;
  /** How long a restarted or joining member may take to become a healthy voter before the rollout stalls. */
  readonly memberRestartTimeoutMs: number;
}

export interface Desired {
  readonly replicas: number;
  /** Revision hash of the current pod template (the pod annotation `baton.dev/revision` on updated pods). */
  readonly updateRevision: string;
  /** spec.paused: compute status, take no action. */
  readonly paused: boolean;
  readonly updateStrategy: UpdateStrategy;
  /** metadata.generation of the SequencerCluster; echoed as observedGeneration. */
  readonly generation: number;
}

/** Human levers read from SequencerCluster annotations. */
export interface Approvals {
  /** Value of `baton.dev/approve-leader-update`: the revision a human allowed the leader to be restarted for. */
  readonly leaderUpdate: string | null;
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes objects

export interface StatefulSetObservation {
  /** spec.replicas as stored; the planner owns this number after creation (see step `scaleStatefulSet`). */
  readonly replicas: number;
  readonly readyReplicas: number;
  /** status.observedGeneration === metadata.generation: the StatefulSet controller has seen the last write. */
  readonly observedCurrent: boolean;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
export type RoleLabel = 'active' | 'standby';

/** One existing pod of the cluster (a pod that does not exist is simply absent from the list). */
export interface PodObservation {
  /** `<cluster>-<ordinal>`; also the Raft server id. */
  readonly name: string;
  readonly phase: PodPhase;
  /** The Ready condition. */
  readonly ready: boolean;
  /** lastTransitionTime of Ready=True, ms; null when not Ready. */
  readonly readySince: number | null;
  /** metadata.deletionTimestamp is set: being deleted, drained or evicted. */
  readonly terminating: boolean;
  /**
   * The pod's node is cordoned (spec.unschedulable: `kubectl drain` starts with that): its pods are about to
   * be evicted. False when unknown (the operator may not read nodes in a namespaced install).
   */
  readonly nodeCordoned: boolean;
  /** Pod annotation `baton.dev/revision` (null when missing). */
  readonly revision: string | null;
  /** Pod label `baton.dev/role` (null when missing). */
  readonly role: RoleLabel | null;
  /** Sum of container restart counts, for status and stuck-member diagnosis. */
  readonly restartCount: number;
  /** metadata.uid: a recreated pod has a new one, which is how a finished restart is told from a stale cache. */
  readonly uid: string;
  /**
   * When the running conductor container started (ms), null when it is not running. A container reads
   * its environment — including the bootstrap member from the bootstrap ConfigMap — only at start.
   */
  readonly conductorStartedAt: number | null;
}

// ---------------------------------------------------------------------------------------------------
// Conductors (conductor_* JSON-RPC plus op-node optimism_syncStatus)

/** hashicorp/raft suffrage as op-conductor serialises it: 0 = Voter, 1 = Nonvoter (2 = Staging, never ours). */
export type Suffrage = 0 | 1 | 2;
export const VOTER: Suffrage = 0;
export const NONVOTER: Suffrage = 1;

export interface RaftServer {
  readonly id: string;
  readonly addr: string;
  readonly suffrage: Suffrage;
}

/** conductor_clusterMembership. An unbootstrapped conductor reports no servers (and version 0). */
export interface Membership {
  readonly servers: readonly RaftServer[];
  /** Raft configuration index; the optimistic-concurrency token of every membership RPC. */
  readonly version: number;
}

export interface BlockRef {
  readonly number: number;
  readonly hash: string;
}

/** What a reachable conductor said this reconcile. */
export interface ConductorView {
  /** conductor_leader (true also while the leader override is set — see `leaderWithId`). */
  readonly leader: boolean;
  /** conductor_leaderWithID; id '' when no leader is known, 'N/A (Leader overridden)' under override. */
  readonly leaderWithId: { readonly id: string; readonly addr: string };
  /** conductor_active: the conductor is neither paused nor stopped. */
  readonly active: boolean;
  readonly paused: boolean;
  readonly stopped: boolean;
  /** conductor_sequencerHealthy: the last health-monitor verdict on the local op-node. */
  readonly sequencerHealthy: boolean;
  /**
   * op-node admin_sequencerActive: this member's sequencer is producing blocks. null when the controller did
   * not ask; role labels then fall back to `active && sequencerHealthy` on the leader.
   */
  readonly sequencerActive: boolean | null;
  readonly membership: Membership;
  /** op-node optimism_syncStatus.unsafe_l2; null when op-node could not be asked. */
  readonly unsafeHead: BlockRef | null;
  /** Raft log entries this member is behind the leader's last index, when the controller knows it. */
  readonly raftLag: number | null;
  /**
   * Milliseconds since the Raft leader last heard from this member (the leader's baton_raftStatus).
   * Absent or null: unknown. A member the leader cannot hear from does not count towards its quorum,
   * however caught up its op-node looks.
   */
  readonly leaderSilenceMs?: number | null;
  /**
   * The member restarted from a log that may have lost entries it acknowledged and has not caught up
   * (baton_raftStatus `recovering`): it neither votes nor campaigns, so it cannot count towards a quorum.
   */
  readonly raftRecovering?: boolean;
}

export type ConductorObservation =
  | { readonly pod: string; readonly reachable: false; readonly error: string }
  | ({ readonly pod: string; readonly reachable: true } & ConductorView);

// ---------------------------------------------------------------------------------------------------
// Memory carried from the previous status (status.ts memoryFromStatus)

export type OperationPhase =
  /** A bootstrap member is chosen; waiting for it to form a one-voter cluster. */
  | 'Bootstrapping'
  /** A member is being added: non-voter joined, catching up, then promoted. */
  | 'AddingMember'
  /** A member is being removed from Raft (scale down). */
  | 'RemovingMember'
  /** Leadership is being moved off `pod` (to `target` when one was chosen). */
  | 'TransferringLeadership'
  /** `pod` was deleted to upgrade it; waiting for it to be a healthy, caught-up voter again. */
  | 'RestartingMember'
  /** Supervised leader update: waiting for a human to approve restarting the leader `pod`. */
  | 'AwaitingApproval';

/** The operation in flight: the first time it was seen and the last time an action was sent for it. */
export interface OperationMemory {
  readonly phase: OperationPhase;
  readonly pod: string;
  readonly target: string | null;
  /** RestartingMember: uid of the pod that was deleted (its successor has another). */
  readonly podUid: string | null;
  readonly startedAt: number;
  /** null: no action sent yet (the operation started with a wait). */
  readonly attemptedAt: number | null;
}

export interface PlanMemory {
  readonly raft: {
    /** A Raft cluster has existed for this SequencerCluster: bootstrapping again would fork the chain. */
    readonly formed: boolean;
    /** The pod the bootstrap ConfigMap currently names (null: no pod may bootstrap). */
    readonly bootstrapMember: string | null;
  };
  readonly rollout: OperationMemory | null;
}

/** A SequencerCluster that has never had a status. */
export const EMPTY_MEMORY: PlanMemory = { raft: { formed: false, bootstrapMember: null }, rollout: null };

// ---------------------------------------------------------------------------------------------------

export interface Observed {
  readonly cluster: { readonly name: string; readonly namespace: string };
  readonly desired: Desired;
  readonly approvals: Approvals;
  /** null: the StatefulSet does not exist. */
  readonly statefulSet: StatefulSetObservation | null;
  /** Every existing pod of this cluster, any ordinal. */
  readonly pods: readonly PodObservation[];
  /** One entry per pod the controller tried to reach (normally one per existing pod). */
  readonly conductors: readonly ConductorObservation[];
  readonly memory: PlanMemory;
  readonly now: number;
}

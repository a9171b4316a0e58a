/**
 * Thresholds that are not part of the SequencerCluster spec: how close is "caught up", how often to poll.
 * They are planner parameters (with defaults) so tests can tighten or loosen them explicitly.
 */
export interface PlanTuning {
  /**
   * A member is caught up when its op-node unsafe head is at most this many blocks behind the leader's.
   * Small on purpose: a new leader must be able to sequence on the committed head from the conductor's
   * window of recent payloads (docs/design.md §6), not from a long p2p sync.
   */
  readonly maxHeadLagBlocks: number;
  /** …and, when the controller knows it, its Raft log is at most this many entries behind the leader's. */
  readonly maxRaftLagEntries: number;
  /**
   * …and the leader heard from it within this long. Several heartbeat intervals: a follower the leader
   * cannot reach (e.g. a stale address after its pod was recreated) must not be counted on when the
   * operator decides whether another member may go down.
   */
  readonly maxLeaderSilenceMs: number;
  /** Re-send a leadership transfer that has not taken effect after this long (Raft gives up after ~1 s). */
  readonly transferRetryMs: number;
  /** Requeue delay while an operation is in flight (a restart, a catch-up, an election). */
  readonly pollMs: number;
  /** Requeue delay while stalled: nothing will change without a human or the cluster healing itself. */
  readonly stalledPollMs: number;
  /** Requeue delay in steady state: a resync so drift is noticed even without watch events. */
  readonly idlePollMs: number;
}

export const DEFAULT_TUNING: PlanTuning = {
  maxHeadLagBlocks: 2,
  maxRaftLagEntries: 64,
  maxLeaderSilenceMs: 3_000,
  transferRetryMs: 5_000,
  pollMs: 2_000,
  stalledPollMs: 15_000,
  idlePollMs: 30_000,
};

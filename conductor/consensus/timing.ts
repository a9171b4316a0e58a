/**
 * Maps op-conductor's wall-clock Raft settings onto the tick-driven core.
 *
 * hashicorp/raft (what op-conductor uses) is configured in durations: a follower campaigns after a
 * random time in [HeartbeatTimeout, 2×HeartbeatTimeout) without leader contact, and a leader sends
 * heartbeats every HeartbeatTimeout/10. Our core counts ticks, so one tick is HeartbeatTimeout/10 and
 * the election timeout is 10 ticks: the same behaviour, expressed in the core's units.
 */
export { parseDuration } from '../config/duration.js';

export interface RaftTiming {
  /** `--raft.heartbeat-timeout`: how long a follower waits for the leader before campaigning. */
  readonly heartbeatTimeoutMs: number;
  /** `--raft.lease-timeout`: how long a leader keeps leading without hearing from a quorum. */
  readonly leaseTimeoutMs: number;
}

export interface TickSettings {
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
}

export const DEFAULT_TIMING: RaftTiming = { heartbeatTimeoutMs: 1000, leaseTimeoutMs: 500 };

/** Ticks per heartbeat timeout; 10 keeps heartbeats at a tenth of it, as hashicorp/raft does. */
const TICKS_PER_ELECTION = 10;

export function tickSettings(timing: RaftTiming): TickSettings {
  if (!Number.isFinite(timing.heartbeatTimeoutMs) || timing.heartbeatTimeoutMs < 10) {
    throw new Error(`raft heartbeat timeout must be at least 10ms (got ${timing.heartbeatTimeoutMs}ms)`);
  }
  if (!Number.isFinite(timing.leaseTimeoutMs) || timing.leaseTimeoutMs <= 0) {
    throw new Error(`raft lease timeout must be positive (got ${timing.leaseTimeoutMs}ms)`);
  }
  // hashicorp/raft's ValidateConfig: the lease must not outlast the heartbeat timeout, or a deposed
  // leader could keep acting while the rest of the cluster already elected a successor.
  if (timing.leaseTimeoutMs > timing.heartbeatTimeoutMs) {
    throw new Error(
      `raft lease timeout (${timing.leaseTimeoutMs}ms) must not exceed the heartbeat timeout (${timing.heartbeatTimeoutMs}ms)`,
    );
  }
  return {
    tickMs: timing.heartbeatTimeoutMs / TICKS_PER_ELECTION,
    electionTicks: TICKS_PER_ELECTION,
    heartbeatTicks: 1,
  };
}

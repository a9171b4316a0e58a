/**
 * The conductor's decision table: given who leads, whether the local sequencer is healthy and whether
 * it is sequencing, what should the conductor do next? Pure and exhaustive over leader × healthy ×
 * active, following op-conductor's `action()` (reference §4.3) row by row, so its behaviour in every
 * corner — including the "everyone looks unhealthy" stall avoidance — is the one operators know.
 */

/** Why the health monitor last said "unhealthy"; some reasons change what a leader does. */
export type HealthErrorKind =
  /** `cannot connect to sequencer rpc endpoints`: the sequencer may be down, starting it is pointless. */
  | 'connectionDown'
  /** rollup-boost reports a partially healthy builder: waiting does not help. */
  | 'rollupBoostPartial'
  /** Any other failed check (lagging head, too few peers, …). */
  | 'other';

export interface Triple {
  readonly leader: boolean;
  readonly healthy: boolean;
  readonly active: boolean;
}

export interface ControlState extends Triple {
  readonly paused: boolean;
  readonly stopped: boolean;
  /** The last state for which an action succeeded (null before the first). */
  readonly prev: Triple | null;
  readonly healthError: HealthErrorKind | null;
  /** Whether a rollup-boost health check is configured (changes the wait-for-recovery rule). */
  readonly rollupBoostEnabled: boolean;
}

export type Action =
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'start' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'transfer' }
  /** Stop (best effort: a deposed sequencer cannot publish anyway) and hand leadership on. */
  | { readonly kind: 'stopAndTransfer' }
  /** Try to start despite being unhealthy (avoids a chain-wide stall); transfer if that fails. */
  | { readonly kind: 'startOrTransfer' }
  /** Fail this round so the loop retries with back-off, giving the sequencer time to recover. */
  | { readonly kind: 'waitForRecovery'; readonly reason: string };

export function decide(state: ControlState): Action {
  if (state.stopped) return { kind: 'none', reason: 'conductor is stopped' };
  if (state.paused) return { kind: 'none', reason: 'conductor is paused' };
  const { leader, healthy, active } = state;

  if (!leader) {
    if (active) return { kind: 'stop' }; // stepped down (or never leader) while sequencing
    if (!healthy) return { kind: 'none', reason: 'server (follower) is not healthy' };
    return { kind: 'none', reason: 'follower' };
  }

  if (healthy) {
    return active ? { kind: 'none', reason: 'leader and sequencing' } : { kind: 'start' };
  }

  if (!active) {
    // Just became leader while unhealthy. If every node is unhealthy (say, the L1 is slow), refusing to
    // start everywhere would halt the chain, so the new leader tries to start first — unless the
    // sequencer is unreachable, where starting cannot work.
    const cameFromFollowerInactive = state.prev !== null && !state.prev.leader && !state.prev.active;
    if (cameFromFollowerInactive && state.healthError !== 'connectionDown')
      return { kind: 'startOrTransfer' };
    return { kind: 'transfer' };
  }

  if (shouldWaitForHealthRecovery(state)) {
    return { kind: 'waitForRecovery', reason: 'waiting for sequencing to become healthy by itself' };
  }
  return { kind: 'stopAndTransfer' };
}

/**
 * A leader that started sequencing while unhealthy gets time to recover before being deposed —
 * otherwise leadership would bounce between nodes that are all unhealthy for a shared reason.
 */
function shouldWaitForHealthRecovery(state: ControlState): boolean {
  const prev = state.prev;
  const startedWhileUnhealthy = prev !== null && prev.leader && !prev.healthy && !prev.active;
  if (!startedWhileUnhealthy) return false;
  if (state.healthError === 'connectionDown') return false;
  if (state.rollupBoostEnabled && state.healthError === 'rollupBoostPartial') return false;
  return true;
}

/**
 * Choosing who takes over when the leader hands off.
 *
 * hashicorp/raft's transfer picks the follower with the most up-to-date *log*, which says nothing
 * about whether its sequencer can build blocks — Base's 33-minute halt (Aug 2025) was a hand-off to a
 * standby that was not fully provisioned. Baton asks every voter's conductor for its status first and
 * only hands off to one that is healthy, not paused or stopped, and whose execution client can reach
 * the committed head from the payload window. Among those it prefers the most caught-up.
 */

export interface PeerView {
  readonly id: string;
  readonly address: string;
  /** Raft log match index as the leader tracks it. */
  readonly matchIndex: number;
  /** The peer's own report; null when it could not be reached. */
  readonly report: {
    readonly healthy: boolean;
    readonly paused: boolean;
    readonly stopped: boolean;
    readonly unsafeHeadNumber: number;
  } | null;
}

export type TargetChoice =
  | { readonly kind: 'peer'; readonly id: string; readonly address: string }
  | { readonly kind: 'none'; readonly reason: string };

export function selectTransferTarget(
  peers: readonly PeerView[],
  committedHeadNumber: number | null,
  catchUpWindow: number,
  roundRobinAfter: string | null = null,
): TargetChoice {
  const usable = peers.filter((peer) => {
    const report = peer.report;
    if (!report || !report.healthy || report.paused || report.stopped) return false;
    if (committedHeadNumber === null) return true;
    return committedHeadNumber - report.unsafeHeadNumber <= catchUpWindow;
  });
  if (usable.length === 0) {
    const reasons = peers.map(
      (peer) => `${peer.id}: ${describeUnusable(peer, committedHeadNumber, catchUpWindow)}`,
    );
    return {
      kind: 'none',
      reason: `no voter can take over sequencing (${reasons.join('; ') || 'no other voters'})`,
    };
  }
  if (roundRobinAfter !== null) {
    // op-conductor's round-robin: voters sorted by id, the next one after the current leader.
    const sorted = [...usable].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const next = sorted.find((peer) => peer.id > roundRobinAfter) ?? sorted[0]!;
    return { kind: 'peer', id: next.id, address: next.address };
  }
  const best = [...usable].sort(
    (a, b) =>
      b.matchIndex - a.matchIndex ||
      (b.report?.unsafeHeadNumber ?? 0) - (a.report?.unsafeHeadNumber ?? 0) ||
      (a.id < b.id ? -1 : 1),
  )[0]!;
  return { kind: 'peer', id: best.id, address: best.address };
}

function describeUnusable(peer: PeerView, committedHeadNumber: number | null, window: number): string {
  const report = peer.report;
  if (!report) return 'unreachable';
  if (report.stopped) return 'stopped';
  if (report.paused) return 'paused';
  if (!report.healthy) return 'unhealthy';
  if (committedHeadNumber !== null && committedHeadNumber - report.unsafeHeadNumber > window) {
    return `${committedHeadNumber - report.unsafeHeadNumber} blocks behind`;
  }
  return 'usable';
}

/**
 * What a leader knows about one follower (etcd `tracker.Progress`): `match` is the highest index known
 * to be replicated (durably, since followers acknowledge after fsync), `next` the next index to send.
 *
 * - probe: we do not know where the follower's log diverges; send one append at a time and wait.
 * - replicate: the follower is in sync; pipeline appends optimistically, bounded by Inflights.
 * - snapshot: the follower needs entries we compacted; wait for the snapshot to be reported.
 */
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  state: ProgressState = 'probe';
  /** In probe state: an append is outstanding, wait for its answer (or a heartbeat answer). */
  probeSent = false;
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive: boolean;
  readonly inflights: Inflights;

  constructor(
    public match: number,
    public next: number,
    maxInflight: number,
    maxInflightBytes: number,
    recentActive: boolean,
  ) {
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
    this.recentActive = recentActive;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot: resume right after it.
    const next =
      this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.reset('probe');
    this.next = next;
  }

  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.reset('snapshot');
    this.pendingSnapshot = index;
  }

  /** An acknowledgement of `index`; returns whether it moved `match` forward. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }
}

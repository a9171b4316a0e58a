/**
 * The core's view of the replicated log: a contiguous run of entries after a "base" entry whose index
 * and term are known but whose body was compacted (etcd MemoryStorage's dummy entry), the latest
 * snapshot, and the commit/apply/persist cursors.
 *
 *   base.index < firstIndex ... stableIndex ... committed ... lastIndex
 *   entries ≤ stableIndex are durable on the shell's disk; later ones are handed out in Ready.entries.
 *
 * Invariants: base.index ≤ snapshot.index ≤ applied ≤ applying ≤ committed ≤ lastIndex (snapshot
 * absent counts as 0); committed entries are never truncated.
 */
import { ConfigurationHistory, EMPTY_CONFIGURATION } from './configuration.js';
import { RaftError } from './errors.js';
import type { Entry, RestoredState, Snapshot, SnapshotMeta } from './types.js';

/** Appends larger than this are batched no further; used to size messages and inflight windows. */
export function entryBytes(e: Entry): number {
  // A fixed overhead stands in for index/term/type framing so empty entries still cost something.
  return e.data.length + 24;
}

export class RaftLog {
  private entries: Entry[] = [];
  private baseIndex = 0;
  private baseTerm = 0;
  /** The latest snapshot: either durable (taken by the shell via compact) or received and pending. */
  snapshot: SnapshotMeta | null;
  /** A snapshot received from the leader that the shell has not persisted yet. */
  pendingSnapshot: Snapshot | null = null;
  committed: number;
  /** Highest index handed out in Ready.committed. */
  applying: number;
  /** Highest index the shell confirmed applied (advance). */
  applied: number;
  stableIndex: number;
  readonly configs: ConfigurationHistory;

  constructor(restored: RestoredState) {
    const snap = restored.snapshot;
    this.snapshot = snap;
    this.baseIndex = snap?.index ?? 0;
    this.baseTerm = snap?.term ?? 0;
    this.configs = new ConfigurationHistory(
      snap
        ? { index: snap.configIndex, configuration: snap.configuration }
        : { index: 0, configuration: EMPTY_CONFIGURATION },
    );
    const ents = restored.entries;
    const first = ents[0];
    if (first) {
      for (let i = 1; i < ents.length; i++) {
        if (ents[i]?.index !== first.index + i)
          throw new RaftError('InvalidState', 'restored entries are not contiguous');
      }
      if (first.index > this.baseIndex + 1)
        throw new RaftError('InvalidState', 'restored entries leave a gap after the snapshot');
      if (first.index <= this.baseIndex) {
        // Trailing entries kept by compaction: the first one becomes the base (its body is not needed
        // to check a prevIndex/prevTerm), the rest are kept so slow followers avoid a snapshot.
        const atSnap = ents[this.baseIndex - first.index];
        if (snap && atSnap && atSnap.term !== snap.term) {
          throw new RaftError('InvalidState', 'restored entries disagree with the snapshot');
        }
        this.baseIndex = first.index;
        this.baseTerm = first.term;
        this.entries = ents.slice(1);
      } else {
        this.entries = [...ents];
      }
    }
    const snapIndex = snap?.index ?? 0;
    this.configs.appended(this.entries.filter((e) => e.index > snapIndex));
    this.committed = Math.min(Math.max(restored.hardState.commit, snapIndex), this.lastIndex());
    this.applying = snapIndex;
    this.applied = snapIndex;
    this.stableIndex = this.lastIndex();
  }

  firstIndex(): number {
    return this.baseIndex + 1;
  }

  lastIndex(): number {
    return this.baseIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** The term of entry `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.baseIndex) return this.baseTerm;
    if (index < this.baseIndex)
      return this.snapshot && index === this.snapshot.index ? this.snapshot.term : undefined;
    return this.entries[index - this.baseIndex - 1]?.term;
  }

  entry(index: number): Entry | undefined {
    return index > this.baseIndex ? this.entries[index - this.baseIndex - 1] : undefined;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi), at most maxCount and maxBytes, but always at least one if any. */
  slice(lo: number, hi: number, maxCount = Infinity, maxBytes = Infinity): Entry[] {
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = Math.max(lo, this.firstIndex()); i < Math.min(hi, this.lastIndex() + 1); i++) {
      const e = this.entry(i);
      if (!e) break;
      const b = entryBytes(e);
      if (out.length > 0 && (out.length >= maxCount || bytes + b > maxBytes)) break;
      out.push(e);
      bytes += b;
    }
    return out;
  }

  /** The leader's own append: entries follow the current last index. */
  append(entries: readonly Entry[]): void {
    this.entries.push(...entries);
    this.configs.appended(entries);
  }

  /**
   * Follower side of AppendEntries (§5.3): if our log holds (prevIndex, prevTerm), append `entries`,
   * truncating a conflicting suffix, and advance the commit index as far as the leader vouches for.
   * Returns the last index now known to match the leader, or null on a prevIndex/prevTerm mismatch.
   * A conflict at or below the commit index can only come from a broken leader: nothing is changed.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) return null;
      this.truncateAndAppend(entries.slice(conflict - prevIndex - 1));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** The first entry whose term differs from ours (or that we lack); 0 if we hold all of them. */
  private findConflict(entries: readonly Entry[]): number {
    for (const e of entries) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (!first) return;
    const keep = first.index - this.baseIndex - 1;
    if (keep < this.entries.length) {
      this.entries.length = keep;
      this.configs.truncatedFrom(first.index);
      this.stableIndex = Math.min(this.stableIndex, first.index - 1);
    }
    this.append(entries);
  }

  /**
   * The fast back-off hint for a rejected AppendEntries: too short → (lastIndex + 1, 0); otherwise the
   * first index of our term at prevIndex, so the leader can skip the whole term in one round trip.
   * Entries at or below the commit index match every leader, so the hint never goes below commit + 1.
   */
  conflictHint(prevIndex: number): { conflictIndex: number; conflictTerm: number } {
    if (prevIndex > this.lastIndex()) return { conflictIndex: this.lastIndex() + 1, conflictTerm: 0 };
    const t = this.term(prevIndex);
    if (t === undefined) return { conflictIndex: this.committed + 1, conflictTerm: 0 };
    let i = prevIndex;
    while (i - 1 > this.committed && i - 1 > this.baseIndex && this.term(i - 1) === t) i--;
    return { conflictIndex: i, conflictTerm: t };
  }

  /** The last index ≤ maxIndex whose term is `term`, if any (terms never decrease along the log). */
  lastIndexOfTerm(term: number, maxIndex: number): number | undefined {
    for (let i = Math.min(maxIndex, this.lastIndex()); i >= this.baseIndex; i--) {
      const t = this.term(i);
      if (t === undefined || t < term) return undefined;
      if (t === term) return i;
    }
    return undefined;
  }

  commitTo(index: number): void {
    if (index > this.committed) this.committed = Math.min(index, this.lastIndex());
  }

  /** Entries not yet handed to the shell to persist. */
  unstableEntries(): Entry[] {
    return this.slice(this.stableIndex + 1, this.lastIndex() + 1);
  }

  /** The shell persisted entries up to (index, term); ignored if a truncation replaced them meanwhile. */
  stableTo(index: number, term: number): void {
    if (index > this.baseIndex && this.matchTerm(index, term))
      this.stableIndex = Math.max(this.stableIndex, index);
  }

  /** The shell persisted a received snapshot. */
  snapshotStable(meta: SnapshotMeta): void {
    if (this.pendingSnapshot && this.pendingSnapshot.meta.index === meta.index) {
      this.pendingSnapshot = null;
      this.stableIndex = Math.max(this.stableIndex, meta.index);
    }
  }

  /** Committed entries not yet handed out for applying. */
  nextCommitted(): Entry[] {
    return this.slice(this.applying + 1, this.committed + 1);
  }

  /**
   * Replaces the whole log by a snapshot received from the leader (its data travels in Ready.snapshot;
   * the shell discards its stored log when persisting it).
   */
  restore(snapshot: Snapshot): void {
    const meta = snapshot.meta;
    this.entries = [];
    this.baseIndex = meta.index;
    this.baseTerm = meta.term;
    this.snapshot = meta;
    this.pendingSnapshot = snapshot;
    this.committed = meta.index;
    this.applying = meta.index;
    this.stableIndex = Math.min(this.stableIndex, meta.index);
    this.configs.reset({ index: meta.configIndex, configuration: meta.configuration });
  }

  /**
   * The shell snapshotted the state machine at `meta.index`: drop entries up to it, except the last
   * ones bounded by count AND bytes, which let a slightly lagging follower catch up without a snapshot.
   */
  compact(meta: SnapshotMeta, trailingEntries: number, trailingBytes: number): void {
    let newBase = meta.index;
    let bytes = 0;
    let kept = 0;
    while (newBase > this.baseIndex && kept < trailingEntries) {
      const e = this.entry(newBase);
      if (!e || bytes + entryBytes(e) > trailingBytes) break;
      bytes += entryBytes(e);
      kept++;
      newBase--;
    }
    // The entry at newBase becomes the base: its term stays known for prevTerm checks.
    const baseTerm = this.term(newBase);
    if (newBase > this.baseIndex && baseTerm !== undefined) {
      this.entries = this.entries.slice(newBase - this.baseIndex);
      this.baseIndex = newBase;
      this.baseTerm = baseTerm;
    }
    this.snapshot = meta;
    this.configs.compactTo(meta.index);
  }
}

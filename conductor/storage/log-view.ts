/**
 * The log as the WAL describes it: a contiguous run of entries starting at `start`, edited by the
 * operations of successive batches. Recovery replays batches into a LogView<Entry>; the running storage
 * keeps a LogView<number> (terms only) to validate new batches and answer "what term is at index i"
 * without holding payloads in memory.
 */

export class LogInconsistency extends Error {}

export class LogView<T> {
  /** Index of items[0]; null while replay has not yet seen where the log begins. */
  start: number | null;
  items: T[] = [];

  constructor(
    start: number | null,
    private readonly termOf: (item: T) => number,
  ) {
    this.start = start;
  }

  /** The index the next appended entry must have (null: unknown yet, anything goes). */
  get next(): number | null {
    return this.start === null ? null : this.start + this.items.length;
  }

  get lastIndex(): number {
    return this.start === null ? 0 : this.start + this.items.length - 1;
  }

  termAt(index: number): number | undefined {
    if (this.start === null || index < this.start) return undefined;
    const item = this.items[index - this.start];
    return item === undefined ? undefined : this.termOf(item);
  }

  append(index: number, item: T): void {
    if (this.start === null) this.start = index;
    const next = this.start + this.items.length;
    if (index !== next) throw new LogInconsistency(`entry ${index} does not follow ${next - 1}`);
    this.items.push(item);
  }

  /** Drops entries with index ≥ from (a conflicting suffix replaced by the leader). */
  truncate(from: number): void {
    if (this.start === null || from < this.start) {
      this.start = from;
      this.items = [];
      return;
    }
    const keep = from - this.start;
    if (keep > this.items.length) {
      throw new LogInconsistency(`truncation from ${from} is beyond the last entry ${this.lastIndex}`);
    }
    this.items.length = keep;
  }

  /**
   * A snapshot at (index, term) now covers the log: entries up to index go; entries after it stay only
   * if the log holds the snapshot's last entry with the same term (Raft's InstallSnapshot rule; otherwise
   * the whole log conflicts and is discarded).
   */
  applySnapshot(index: number, term: number): void {
    // A log that already begins right after the snapshot is its continuation (the prefix was compacted
    // after this very snapshot was stored): nothing conflicts, nothing to drop.
    if (this.start === index + 1) return;
    if (this.termAt(index) === term) {
      this.dropThrough(index);
    } else {
      this.start = index + 1;
      this.items = [];
    }
  }

  /** Forgets entries ≤ index (they are covered by a snapshot). */
  dropThrough(index: number): void {
    if (this.start === null || index < this.start) return;
    this.items.splice(0, Math.min(index - this.start + 1, this.items.length));
    this.start = index + 1;
  }
}

/**
 * Book-keeping for callers waiting on the log: a proposal waits until its index is applied, a
 * linearizable read waits until the applied index reaches its read index.
 *
 * A proposal is identified by (index, term). If a different term shows up at that index the entry was
 * overwritten by a new leader and the proposal failed; if leadership is lost before commit the outcome
 * is unknown (the entry may still commit under the next leader), which is why conductor commits are
 * idempotent.
 */
export class Waiters<T> {
  private readonly byIndex = new Map<
    number,
    { term: number; resolve: (value: T) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }[]
  >();

  /** Registers a waiter for the entry at `index` written in `term`; fails after `timeoutMs`. */
  wait(index: number, term: number, timeoutMs: number, timeoutMessage: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.remove(index, entry);
        reject(new Error(timeoutMessage));
      }, timeoutMs);
      const entry = { term, resolve, reject, timer };
      const list = this.byIndex.get(index);
      if (list) list.push(entry);
      else this.byIndex.set(index, [entry]);
    });
  }

  /** The entry at `index` was applied with `term`; `result` is what the state machine returned. */
  applied(index: number, term: number, result: T): void {
    const list = this.byIndex.get(index);
    if (!list) return;
    this.byIndex.delete(index);
    for (const waiter of list) {
      clearTimeout(waiter.timer);
      if (waiter.term === term) waiter.resolve(result);
      else waiter.reject(new Error('leadership lost while committing log'));
    }
  }

  /** Fails every waiter (shutdown, or leadership lost). */
  failAll(error: Error): void {
    for (const list of this.byIndex.values()) {
      for (const waiter of list) {
        clearTimeout(waiter.timer);
        waiter.reject(error);
      }
    }
    this.byIndex.clear();
  }

  get size(): number {
    return this.byIndex.size;
  }

  private remove(index: number, entry: { resolve: (value: T) => void }): void {
    const list = this.byIndex.get(index);
    if (!list) return;
    const remaining = list.filter((candidate) => candidate.resolve !== entry.resolve);
    if (remaining.length === 0) this.byIndex.delete(index);
    else this.byIndex.set(index, remaining);
  }
}

/** Reads waiting for the applied index to reach their read index. */
export class ReadWaiters {
  private pending: { index: number; resolve: () => void }[] = [];

  wait(index: number): Promise<void> {
    return new Promise((resolve) => this.pending.push({ index, resolve }));
  }

  applied(appliedIndex: number): void {
    if (this.pending.length === 0) return;
    const ready = this.pending.filter((read) => read.index <= appliedIndex);
    this.pending = this.pending.filter((read) => read.index > appliedIndex);
    for (const read of ready) read.resolve();
  }
}

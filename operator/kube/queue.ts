/**
 * The work queue between the informers and the reconcilers, with client-go's semantics:
 *
 * - keys are de-duplicated: a key waiting in the queue is not queued twice, however many events arrive;
 * - a key is processed by one worker at a time: a key added while it is being processed is marked dirty
 *   and queued again when the worker calls `done`, so no event is lost and no two reconciles of one
 *   cluster overlap;
 * - `addRateLimited` re-queues a failed key after a per-key exponential back-off (base·2^failures, capped),
 *   reset by `forget` after a success; an overall token bucket keeps a burst of failures from hammering
 *   the API server;
 * - `addAfter` re-queues after a delay (the planner's requeueAfterMs); an earlier pending re-add wins.
 *
 * Time comes from a Clock so the tests can drive it.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface QueueOptions {
  /** First retry delay (client-go: 5 ms; we talk to conductors too, so a little more). */
  readonly baseDelayMs?: number;
  /** Longest retry delay. */
  readonly maxDelayMs?: number;
  /** Overall retry rate (tokens per second) and burst. */
  readonly qps?: number;
  readonly burst?: number;
  readonly clock?: Clock;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** key → [due time, timer] of the earliest pending delayed add. */
  private readonly delayed = new Map<string, { due: number; handle: unknown }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private tokensAt: number;
  private shutDown = false;
  /** Totals for metrics. */
  adds = 0;
  retries = 0;

  constructor(options: QueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    this.clock = options.clock ?? REAL_CLOCK;
    this.tokens = this.burst;
    this.tokensAt = this.clock.now();
  }

  /** Keys waiting to be processed (not counting delayed re-adds). */
  get length(): number {
    return this.queue.length;
  }

  get isShutDown(): boolean {
    return this.shutDown;
  }

  add(key: string): void {
    if (this.shutDown) return;
    this.adds++;
    const pending = this.delayed.get(key);
    if (pending) {
      this.clock.clearTimeout(pending.handle);
      this.delayed.delete(key);
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter) {
      // Hand the key straight to an idle worker.
      this.queued.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Queue `key` after `ms`, unless an earlier re-add is already pending (or it is queued already). */
  addAfter(key: string, ms: number): void {
    if (this.shutDown) return;
    if (ms <= 0) return this.add(key);
    const due = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.due <= due) return;
    if (pending) this.clock.clearTimeout(pending.handle);
    const handle = this.clock.setTimeout(() => {
      const p = this.delayed.get(key);
      if (p?.handle !== handle) return;
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { due, handle });
  }

  /** The back-off the next addRateLimited of `key` would wait, in ms. */
  backoffMs(key: string): number {
    const n = this.failures.get(key) ?? 0;
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
  }

  /** Re-queue a failed key after its back-off (and the overall bucket's delay, whichever is longer). */
  addRateLimited(key: string): void {
    const perKey = this.backoffMs(key);
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    this.retries++;
    this.addAfter(key, Math.max(perKey, this.bucketDelayMs()));
  }

  /** Clear the failure history of a key (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to process; undefined once the queue is shut down. Call `done(key)` when finished. */
  get(): Promise<string | undefined> {
    if (this.shutDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stop handing out keys; pending timers are cancelled and idle workers get undefined. */
  shutdown(): void {
    this.shutDown = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    this.queue.length = 0;
    this.queued.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Token bucket: 0 while tokens remain, else the time until the next one. */
  private bucketDelayMs(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) / 1000) * this.qps);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}

/**
 * op-conductor health/timeboundcounter.go: a counter that resets at every multiple of
 * `resetIntervalSeconds` of wall-clock time (fixed windows `floor(now / interval)`, not a sliding
 * window). Used to tolerate a bounded number of rollup-boost "partial" results per window (#17633).
 */
export class TimeBoundedRotatingCounter {
  private window = -1;
  private count = 0;

  constructor(
    readonly resetIntervalSeconds: number,
    /** Wall clock in whole seconds; injected for tests. */
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    if (!(resetIntervalSeconds > 0)) throw new RangeError('reset interval seconds must be more than 0');
  }

  private currentWindow(): number {
    return Math.floor(this.nowSeconds() / this.resetIntervalSeconds);
  }

  /** Count one event in the current window and return the window's new count. */
  increment(): number {
    const w = this.currentWindow();
    // Only the current window is ever read, so keeping one cell is the whole of Go's lazy cache cleanup.
    if (w !== this.window) {
      this.window = w;
      this.count = 0;
    }
    return ++this.count;
  }

  currentValue(): number {
    return this.currentWindow() === this.window ? this.count : 0;
  }
}

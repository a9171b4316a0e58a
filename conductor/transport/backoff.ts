/**
 * Reconnect back-off: exponential from `initialMs`, capped at `maxMs` (~1 s so a restarted peer is
 * reached quickly), with ±20 % jitter so the members of a cluster do not reconnect in lock-step.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * The polling shell around evaluate.ts: every `intervalS` seconds (first check one interval after
 * start, as op-conductor's ticker) it fetches the inputs, decides, records
 * op_conductor_healthchecks_count, and publishes the result to every listener — on every tick, changed
 * or not, because the control loop re-queues an action on every unhealthy result (reference §4.2).
 *
 * Divergence from upstream, deliberate: inputs are fetched concurrently, not one after the other, so a
 * check costs one RPC timeout at worst instead of their sum. The decision (first failure in upstream
 * order) is unchanged; only the number of calls made while op-node is down differs.
 *
 * Time is injected (`clock`) so tests drive ticks without real timers.
 */
import type { Logger } from 'pino';

import type { HealthMetricsRecorder } from '../../metrics/metrics.js';
import type { HealthCheckConfig } from './config.js';
import {
  evaluateHealthDetailed,
  type HeadTimes,
  type HealthInputs,
  type HealthVerdict,
  type Observation,
  type RollupBoostStatus,
} from './evaluate.js';
import { TimeBoundedRotatingCounter } from './time-bound-counter.js';

/** Where the monitor gets its inputs. OpNodeClient/ExecutionClient satisfy these via `healthSources`. */
export interface HealthSources {
  syncStatus(): Promise<{
    unsafe_l2: { number: number; timestamp: number };
    safe_l2: { number: number; timestamp: number };
  }>;
  peerStats(): Promise<{ connected: number }>;
  /** Required when config.executionP2pEnabled. */
  elPeerCount?: () => Promise<number>;
  /** Why the member's Raft storage cannot write, or null (evaluate.ts, check 0). */
  storageProblem?: () => string | null;
  /** eth_blockNumber of the execution client (evaluate.ts, check 3b). */
  executionAlive?: () => Promise<number>;
  /** Set to enable the rollup-boost check (see rollup-boost.ts). */
  rollupBoostHealth?: () => Promise<RollupBoostStatus | string>;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** One published result. `error` is null when healthy. */
export interface HealthUpdate extends HealthVerdict {
  /** Unix seconds the decision was made at. */
  at: number;
}

export type HealthListener = (update: HealthUpdate) => void;

export interface SequencerHealthMonitorOptions {
  config: HealthCheckConfig;
  sources: HealthSources;
  clock?: Clock;
  metrics?: HealthMetricsRecorder;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

async function observe<T>(fetch: () => Promise<T>): Promise<Observation<T>> {
  try {
    return { ok: true, value: await fetch() };
  } catch (error) {
    return { ok: false, error };
  }
}

export class SequencerHealthMonitor {
  private readonly config: HealthCheckConfig;
  private readonly sources: HealthSources;
  private readonly clock: Clock;
  private readonly metrics: HealthMetricsRecorder | undefined;
  private readonly logger: SequencerHealthMonitorOptions['logger'];
  private readonly partialCounter: TimeBoundedRotatingCounter | undefined;
  private readonly listeners = new Set<HealthListener>();
  private timer: unknown = undefined;
  private running = false;
  private stopped = false;
  private inFlight: Promise<HealthUpdate> | undefined;
  private last: HealthUpdate | undefined;

  constructor(options: SequencerHealthMonitorOptions) {
    this.config = options.config;
    this.sources = options.sources;
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics;
    this.logger = options.logger;
    if (!(this.config.intervalS > 0)) throw new RangeError('health check interval must be > 0');
    if (this.config.executionP2pEnabled && this.sources.elPeerCount === undefined) {
      throw new Error('execution p2p health check enabled without an execution client peer count source');
    }
    const tolerance = this.config.rollupBoostPartialTolerance;
    if (tolerance !== undefined && tolerance.limit > 0) {
      this.partialCounter = new TimeBoundedRotatingCounter(tolerance.intervalS, () =>
        Math.floor(this.clock.now() / 1000),
      );
    }
  }

  /** Subscribe to every result; returns the unsubscribe function. */
  subscribe(listener: HealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The latest result, undefined before the first check (op-conductor treats that as healthy). */
  latest(): HealthUpdate | undefined {
    return this.last;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.logger?.info('starting health monitor');
    this.schedule(this.config.intervalS * 1000);
  }

  /** Stop ticking and wait for a check in progress; it is not published. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
    this.logger?.info('health monitor stopped');
  }

  /** Run one check now: fetch, decide, record and publish. Concurrent callers share one check. */
  checkNow(): Promise<HealthUpdate> {
    this.inFlight ??= this.runCheck().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private schedule(delayMs: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.running) return;
      const started = this.clock.now();
      void this.checkNow()
        .catch((err: unknown) => this.logger?.error({ err }, 'health check failed'))
        .finally(() => {
          if (!this.running) return;
          // Keep the period; a check slower than the interval is followed immediately by the next.
          this.schedule(Math.max(0, this.config.intervalS * 1000 - (this.clock.now() - started)));
        });
    }, delayMs);
  }

  private async gather(): Promise<HealthInputs> {
    const { sources } = this;
    const [sync, peers, el, alive, rb] = await Promise.all([
      observe(sources.syncStatus.bind(sources)),
      observe(sources.peerStats.bind(sources)),
      this.config.executionP2pEnabled && sources.elPeerCount ? observe(sources.elPeerCount) : undefined,
      sources.executionAlive ? observe(sources.executionAlive) : undefined,
      sources.rollupBoostHealth ? observe(sources.rollupBoostHealth) : undefined,
    ]);
    const syncStatus: Observation<HeadTimes> = sync.ok
      ? { ok: true, value: { unsafeL2: sync.value.unsafe_l2, safeL2: sync.value.safe_l2 } }
      : sync;
    const inputs: HealthInputs = { syncStatus, peerStats: peers };
    if (sources.storageProblem) inputs.storageProblem = sources.storageProblem();
    if (el !== undefined) inputs.elPeerCount = el;
    if (alive !== undefined) inputs.executionAlive = alive;
    if (rb !== undefined) inputs.rollupBoost = rb;
    if (this.partialCounter !== undefined)
      inputs.rollupBoostPartialCount = this.partialCounter.currentValue();
    return inputs;
  }

  private async runCheck(): Promise<HealthUpdate> {
    const inputs = await this.gather();
    const at = Math.floor(this.clock.now() / 1000);
    const verdict = evaluateHealthDetailed(inputs, this.config, at);
    if (verdict.toleratedPartial) {
      const count = this.partialCounter?.increment();
      this.logger?.warn({ count }, 'tolerating rollup boost partial health');
    }
    const update: HealthUpdate = { ...verdict, at };
    if (verdict.error === null) this.logger?.info('sequencer is healthy');
    else
      this.logger?.error(
        { check: verdict.failedCheck, detail: verdict.detail, err: verdict.error.message },
        'sequencer is not healthy',
      );
    this.metrics?.recordHealthCheck(verdict.error === null, verdict.error);
    // A check that finishes after stop() is dropped, so a stopped monitor stays silent.
    if (this.stopped) return update;
    this.last = update;
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (err) {
        this.logger?.error({ err }, 'health listener threw');
      }
    }
    return update;
  }
}

/**
 * How long one health call may take: half the check interval (at least 250 ms, at most op-service's 10 s).
 * With the 10 s default a hung (SIGSTOPped) op-node was reported only after 10 s, and the chain stalled
 * that long; a live op-node answers these in milliseconds, so half an interval is far from flapping.
 */
export function healthCallTimeoutMs(intervalS: number): number {
  return Math.min(10_000, Math.max(250, (intervalS * 1000) / 2));
}

/** Adapt the clients to HealthSources, every call bounded by `timeoutMs`. */
export function healthSources(
  node: {
    syncStatus(opts: { timeoutMs: number }): ReturnType<HealthSources['syncStatus']>;
    peerStats(opts: { timeoutMs: number }): ReturnType<HealthSources['peerStats']>;
  },
  timeoutMs: number,
  extra: Pick<HealthSources, 'elPeerCount' | 'executionAlive' | 'storageProblem' | 'rollupBoostHealth'> = {},
): HealthSources {
  return {
    syncStatus: () => node.syncStatus({ timeoutMs }),
    peerStats: () => node.peerStats({ timeoutMs }),
    ...extra,
  };
}

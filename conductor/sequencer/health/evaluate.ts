/**
 * The health decision of op-conductor's SequencerHealthMonitor.healthCheck as a pure function of what
 * the monitor observed (reference §5). Checks run in upstream order and the first failure wins:
 *
 *   0. (Baton) this member's Raft storage: a full disk → not healthy (it cannot make entries durable, so it
 *      must not lead; it rejoins by itself once there is room).
 *   1. op-node sync status: RPC failure → connection down; unsafe head older than unsafe-interval →
 *      not healthy; (safe-enabled) safe head older than safe-interval → not healthy.
 *   2. op-node peers: RPC failure → connection down; connected < min-peer-count → not healthy.
 *   3. (optional) execution-client peers: RPC failure → that error itself (as upstream); below the
 *      minimum → not healthy.
 *   3b. (Baton) execution client answering (eth_blockNumber): RPC failure → connection down. op-conductor
 *      notices a crashed op-geth only once the unsafe head is older than unsafe-interval (5 s by default);
 *      asking the execution client directly takes one health interval.
 *   4. (optional) rollup-boost: unreachable → connection down (rollup boost); unhealthy → not healthy
 *      (rollup boost); partial → partially healthy unless tolerated by the time-bound counter.
 *
 * Ages are `now − timestamp` clamped at 0 (calculateTimeDiff), compared with `>`, in whole seconds.
 * The block-progression check of 2024 (removed upstream in #14655) is not implemented.
 */
import type { HealthCheckConfig } from './config.js';
import {
  ErrRollupBoostConnectionDown,
  ErrRollupBoostNotHealthy,
  ErrRollupBoostPartiallyHealthy,
  ErrSequencerConnectionDown,
  ErrSequencerNotHealthy,
} from './errors.js';

/** A value the monitor fetched, or the error fetching it raised. */
export type Observation<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface HeadTimes {
  unsafeL2: { number: number; timestamp: number };
  safeL2: { number: number; timestamp: number };
}

/** rollup-boost /healthz: 200 healthy, 206 partial, 503 unhealthy (client/rollupboost.go). */
export type RollupBoostStatus = 'healthy' | 'partial' | 'unhealthy';

export interface HealthInputs {
  /** Why this member's Raft storage cannot write (a full disk), or null/absent when it can. */
  storageProblem?: string | null;
  syncStatus: Observation<HeadTimes>;
  peerStats: Observation<{ connected: number }>;
  /** Present when the execution p2p check is enabled. */
  elPeerCount?: Observation<number>;
  /** Present when the conductor knows the execution client (Baton: a crashed op-geth is seen at once). */
  executionAlive?: Observation<number>;
  /** Present when a rollup-boost health checker is configured. */
  rollupBoost?: Observation<RollupBoostStatus | string>;
  /** Partial results already tolerated in the current tolerance window (TimeBoundedRotatingCounter). */
  rollupBoostPartialCount?: number;
}

export type HealthCheckName =
  | 'storage'
  | 'sync-status'
  | 'unsafe-lag'
  | 'safe-lag'
  | 'peer-count'
  | 'el-peer-count'
  | 'execution'
  | 'rollup-boost';

export interface HealthVerdict {
  /** null when healthy. */
  error: Error | null;
  /** Which check failed, for logs. */
  failedCheck?: HealthCheckName;
  /** Human detail for logs (the error text itself is fixed). */
  detail?: string;
  /** A rollup-boost partial result was tolerated: the caller must count it. */
  toleratedPartial: boolean;
}

/** Seconds `then` lies in the past, 0 if it is in the future (calculateTimeDiff). */
export function timeDiff(now: number, then: number): number {
  return now < then ? 0 : now - then;
}

const fail = (error: Error, failedCheck: HealthCheckName, detail: string): HealthVerdict => ({
  error,
  failedCheck,
  detail,
  toleratedPartial: false,
});

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The full verdict; `now` is wall-clock Unix time in seconds. */
export function evaluateHealthDetailed(
  inputs: HealthInputs,
  config: HealthCheckConfig,
  now: number,
): HealthVerdict {
  if (inputs.storageProblem) {
    return fail(ErrSequencerNotHealthy, 'storage', `raft storage cannot write: ${inputs.storageProblem}`);
  }
  const sync = inputs.syncStatus;
  if (!sync.ok)
    return fail(
      ErrSequencerConnectionDown,
      'sync-status',
      `failed to get sync status: ${describe(sync.error)}`,
    );
  const nowS = Math.floor(now);
  const unsafeLag = timeDiff(nowS, sync.value.unsafeL2.timestamp);
  if (unsafeLag > config.unsafeIntervalS) {
    return fail(
      ErrSequencerNotHealthy,
      'unsafe-lag',
      `unsafe head is falling behind the unsafe interval: head ${sync.value.unsafeL2.number} is ${unsafeLag}s old, interval ${config.unsafeIntervalS}s`,
    );
  }
  if (config.safeEnabled) {
    const safeLag = timeDiff(nowS, sync.value.safeL2.timestamp);
    if (safeLag > config.safeIntervalS) {
      return fail(
        ErrSequencerNotHealthy,
        'safe-lag',
        `safe head is not progressing as expected: head ${sync.value.safeL2.number} is ${safeLag}s old, interval ${config.safeIntervalS}s`,
      );
    }
  }

  const peers = inputs.peerStats;
  if (!peers.ok)
    return fail(
      ErrSequencerConnectionDown,
      'peer-count',
      `failed to get peer stats: ${describe(peers.error)}`,
    );
  if (peers.value.connected < config.minPeerCount) {
    return fail(
      ErrSequencerNotHealthy,
      'peer-count',
      `peer count is below minimum: connected ${peers.value.connected}, minPeerCount ${config.minPeerCount}`,
    );
  }

  if (config.executionP2pEnabled && inputs.elPeerCount !== undefined) {
    const el = inputs.elPeerCount;
    if (!el.ok) {
      const error = el.error instanceof Error ? el.error : new Error(describe(el.error));
      return fail(error, 'el-peer-count', `failed to get el p2p peer count: ${error.message}`);
    }
    if (el.value < config.executionP2pMinPeerCount) {
      return fail(
        ErrSequencerNotHealthy,
        'el-peer-count',
        `el p2p peer count is below minimum: peerCount ${el.value}, minPeerCount ${config.executionP2pMinPeerCount}`,
      );
    }
  }

  const exec = inputs.executionAlive;
  if (exec !== undefined && !exec.ok) {
    return fail(
      ErrSequencerConnectionDown,
      'execution',
      `execution client unreachable: ${describe(exec.error)}`,
    );
  }

  const rb = inputs.rollupBoost;
  if (rb !== undefined) {
    if (!rb.ok) {
      return fail(
        ErrRollupBoostConnectionDown,
        'rollup-boost',
        `failed to get rollup-boost status: ${describe(rb.error)}`,
      );
    }
    switch (rb.value) {
      case 'healthy':
        break;
      case 'partial': {
        const limit = config.rollupBoostPartialTolerance?.limit ?? 0;
        if (limit > 0 && (inputs.rollupBoostPartialCount ?? 0) < limit) {
          return { error: null, toleratedPartial: true };
        }
        return fail(
          ErrRollupBoostPartiallyHealthy,
          'rollup-boost',
          'builder is down but fallback execution client is up',
        );
      }
      case 'unhealthy':
        return fail(
          ErrRollupBoostNotHealthy,
          'rollup-boost',
          'both builder and fallback execution client are down',
        );
      default:
        return fail(
          new Error(`unexpected rollup boost health status: ${rb.value}`),
          'rollup-boost',
          'unexpected rollup-boost status',
        );
    }
  }

  return { error: null, toleratedPartial: false };
}

/** `null` when healthy, else the error op-conductor would report. */
export function evaluateHealth(inputs: HealthInputs, config: HealthCheckConfig, now: number): Error | null {
  return evaluateHealthDetailed(inputs, config, now).error;
}

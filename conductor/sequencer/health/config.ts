/**
 * Health check settings, named like `ConductorConfig.healthcheck` (conductor/config/flags.ts) so that
 * object can be passed as-is. Units are seconds, as op-conductor's flags.
 */
export interface HealthCheckConfig {
  /** --healthcheck.interval: seconds between checks (the first runs one interval after start). */
  intervalS: number;
  /** --healthcheck.unsafe-interval: max age of the unsafe head, seconds. */
  unsafeIntervalS: number;
  /** --healthcheck.safe-enabled. */
  safeEnabled: boolean;
  /** --healthcheck.safe-interval: max age of the safe head, seconds (default 1200). */
  safeIntervalS: number;
  /** --healthcheck.min-peer-count: minimum op-node p2p peers. */
  minPeerCount: number;
  /** --healthcheck.execution-p2p-enabled. */
  executionP2pEnabled: boolean;
  /** --healthcheck.execution-p2p-min-peer-count. */
  executionP2pMinPeerCount: number;
  /**
   * rollup-boost partial-health tolerance (--healthcheck.rollup-boost-partial-healthiness-tolerance-*):
   * up to `limit` partial results are tolerated per fixed window of `intervalS` seconds. Absent or
   * limit 0: never tolerated.
   */
  rollupBoostPartialTolerance?: { limit: number; intervalS: number };
}

export const DEFAULT_SAFE_INTERVAL_S = 1200;

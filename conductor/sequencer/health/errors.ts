/**
 * The health errors of op-conductor/health/monitor.go, with their exact texts: they are the `error`
 * label of op_conductor_healthchecks_count, and the control loop branches on which one it got
 * (e.g. never start while unhealthy on `cannot connect to sequencer rpc endpoints`, reference §4.3).
 *
 * As in Go they are sentinels: compare with `===`.
 */
export type HealthErrorCode =
  | 'sequencer-not-healthy'
  | 'sequencer-connection-down'
  | 'rollup-boost-connection-down'
  | 'rollup-boost-partially-healthy'
  | 'rollup-boost-not-healthy';

export class HealthError extends Error {
  override readonly name = 'HealthError';
  constructor(
    readonly code: HealthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const ErrSequencerNotHealthy = new HealthError('sequencer-not-healthy', 'sequencer is not healthy');
export const ErrSequencerConnectionDown = new HealthError(
  'sequencer-connection-down',
  'cannot connect to sequencer rpc endpoints',
);
export const ErrRollupBoostConnectionDown = new HealthError(
  'rollup-boost-connection-down',
  'cannot connect to rollup boost rpc endpoints',
);
export const ErrRollupBoostPartiallyHealthy = new HealthError(
  'rollup-boost-partially-healthy',
  'rollup boost is partially healthy, meaning that rbuilder is not healthy but the execution client is healthy',
);
export const ErrRollupBoostNotHealthy = new HealthError(
  'rollup-boost-not-healthy',
  'rollup boost is not healthy',
);

import type { HealthCheckConfig } from './config.js';
import {
  ErrRollupBoostConnectionDown,
  ErrRollupBoostNotHealthy,
  ErrRollupBoostPartiallyHealthy,
  ErrSequencerConnectionDown,
  ErrSequencerNotHealthy,
} from './errors.js';
import { evaluateHealth, evaluateHealthDetailed, type HealthInputs } from './evaluate.js';

const NOW = 1_700_000_100;

// The op-e2e setup values: interval 1 s, min peers 2, unsafe/safe interval 30 s (reference §10).
const config: HealthCheckConfig = {
  intervalS: 1,
  unsafeIntervalS: 30,
  safeEnabled: false,
  safeIntervalS: 30,
  minPeerCount: 2,
  executionP2pEnabled: false,
  executionP2pMinPeerCount: 0,
};

const healthy: HealthInputs = {
  syncStatus: {
    ok: true,
    value: { unsafeL2: { number: 100, timestamp: NOW - 2 }, safeL2: { number: 80, timestamp: NOW - 60 } },
  },
  peerStats: { ok: true, value: { connected: 3 } },
};

const down = new Error('connect ECONNREFUSED');
const withUnsafeTs = (timestamp: number): HealthInputs => ({
  ...healthy,
  syncStatus: {
    ok: true,
    value: { unsafeL2: { number: 100, timestamp }, safeL2: { number: 80, timestamp: NOW - 60 } },
  },
});

type Row = [
  name: string,
  inputs: HealthInputs,
  cfg: Partial<HealthCheckConfig>,
  expected: Error | null | string,
];

const rows: Row[] = [
  ['all good', healthy, {}, null],
  [
    'sync status RPC down',
    { ...healthy, syncStatus: { ok: false, error: down } },
    {},
    ErrSequencerConnectionDown,
  ],
  ['unsafe head exactly unsafe-interval old (not >)', withUnsafeTs(NOW - 30), {}, null],
  ['unsafe head one second too old', withUnsafeTs(NOW - 31), {}, ErrSequencerNotHealthy],
  ['unsafe head in the future is clamped to 0 lag', withUnsafeTs(NOW + 50), {}, null],
  [
    'unsafe-interval 0 is unhealthy unless the head is this second',
    withUnsafeTs(NOW - 1),
    { unsafeIntervalS: 0 },
    ErrSequencerNotHealthy,
  ],
  ['unsafe-interval 0 with a head from now', withUnsafeTs(NOW), { unsafeIntervalS: 0 }, null],
  ['old safe head ignored while safe check disabled', healthy, { safeIntervalS: 10 }, null],
  [
    'old safe head with safe check enabled',
    healthy,
    { safeEnabled: true, safeIntervalS: 59 },
    ErrSequencerNotHealthy,
  ],
  ['safe head exactly safe-interval old', healthy, { safeEnabled: true, safeIntervalS: 60 }, null],
  [
    'peer stats RPC down',
    { ...healthy, peerStats: { ok: false, error: down } },
    {},
    ErrSequencerConnectionDown,
  ],
  [
    'peers below minimum',
    { ...healthy, peerStats: { ok: true, value: { connected: 1 } } },
    {},
    ErrSequencerNotHealthy,
  ],
  ['peers exactly at minimum', { ...healthy, peerStats: { ok: true, value: { connected: 2 } } }, {}, null],
  [
    'unsafe lag is checked before peers',
    { ...withUnsafeTs(NOW - 100), peerStats: { ok: false, error: down } },
    {},
    ErrSequencerNotHealthy,
  ],
  [
    'sync status failure wins over everything',
    { ...healthy, syncStatus: { ok: false, error: down }, peerStats: { ok: true, value: { connected: 0 } } },
    {},
    ErrSequencerConnectionDown,
  ],
  [
    'EL peers below minimum',
    { ...healthy, elPeerCount: { ok: true, value: 1 } },
    { executionP2pEnabled: true, executionP2pMinPeerCount: 2 },
    ErrSequencerNotHealthy,
  ],
  [
    'EL peers at minimum',
    { ...healthy, elPeerCount: { ok: true, value: 2 } },
    { executionP2pEnabled: true, executionP2pMinPeerCount: 2 },
    null,
  ],
  [
    'EL peer RPC error is returned as is',
    { ...healthy, elPeerCount: { ok: false, error: down } },
    { executionP2pEnabled: true, executionP2pMinPeerCount: 2 },
    'connect ECONNREFUSED',
  ],
  [
    'EL peers ignored while the check is disabled',
    { ...healthy, elPeerCount: { ok: true, value: 0 } },
    {},
    null,
  ],
  [
    'op-node peers are checked before EL peers',
    { ...healthy, peerStats: { ok: true, value: { connected: 0 } }, elPeerCount: { ok: false, error: down } },
    { executionP2pEnabled: true, executionP2pMinPeerCount: 2 },
    ErrSequencerNotHealthy,
  ],
  ['rollup-boost healthy', { ...healthy, rollupBoost: { ok: true, value: 'healthy' } }, {}, null],
  [
    'rollup-boost unreachable',
    { ...healthy, rollupBoost: { ok: false, error: down } },
    {},
    ErrRollupBoostConnectionDown,
  ],
  [
    'rollup-boost unhealthy',
    { ...healthy, rollupBoost: { ok: true, value: 'unhealthy' } },
    {},
    ErrRollupBoostNotHealthy,
  ],
  [
    'rollup-boost partial without tolerance',
    { ...healthy, rollupBoost: { ok: true, value: 'partial' } },
    {},
    ErrRollupBoostPartiallyHealthy,
  ],
  [
    'rollup-boost unknown status',
    { ...healthy, rollupBoost: { ok: true, value: 'weird' } },
    {},
    'unexpected rollup boost health status: weird',
  ],
  [
    'EL peers are checked before rollup-boost',
    { ...healthy, elPeerCount: { ok: true, value: 0 }, rollupBoost: { ok: true, value: 'unhealthy' } },
    { executionP2pEnabled: true, executionP2pMinPeerCount: 1 },
    ErrSequencerNotHealthy,
  ],
];

describe('evaluateHealth', () => {
  it.each(rows)('%s', (_name, inputs, cfg, expected) => {
    const result = evaluateHealth(inputs, { ...config, ...cfg }, NOW);
    if (typeof expected === 'string') expect(result?.message).toBe(expected);
    else expect(result).toBe(expected);
  });

  it('keeps op-conductor’s exact error texts', () => {
    expect(ErrSequencerNotHealthy.message).toBe('sequencer is not healthy');
    expect(ErrSequencerConnectionDown.message).toBe('cannot connect to sequencer rpc endpoints');
    expect(ErrRollupBoostConnectionDown.message).toBe('cannot connect to rollup boost rpc endpoints');
    expect(ErrRollupBoostPartiallyHealthy.message).toBe(
      'rollup boost is partially healthy, meaning that rbuilder is not healthy but the execution client is healthy',
    );
    expect(ErrRollupBoostNotHealthy.message).toBe('rollup boost is not healthy');
  });

  it('tolerates rollup-boost partial results while the window count is below the limit', () => {
    const cfg = { ...config, rollupBoostPartialTolerance: { limit: 2, intervalS: 60 } };
    const partial: HealthInputs = { ...healthy, rollupBoost: { ok: true, value: 'partial' } };
    expect(evaluateHealthDetailed({ ...partial, rollupBoostPartialCount: 0 }, cfg, NOW)).toEqual({
      error: null,
      toleratedPartial: true,
    });
    expect(
      evaluateHealthDetailed({ ...partial, rollupBoostPartialCount: 1 }, cfg, NOW).toleratedPartial,
    ).toBe(true);
    const over = evaluateHealthDetailed({ ...partial, rollupBoostPartialCount: 2 }, cfg, NOW);
    expect(over.error).toBe(ErrRollupBoostPartiallyHealthy);
    expect(over.toleratedPartial).toBe(false);
  });

  it('an execution client that does not answer is a connection down, at once (Baton)', () => {
    const verdict = evaluateHealthDetailed(
      { ...healthy, executionAlive: { ok: false, error: down } },
      config,
      NOW,
    );
    expect(verdict.error).toBe(ErrSequencerConnectionDown);
    expect(verdict.failedCheck).toBe('execution');
    expect(verdict.detail).toBe('execution client unreachable: connect ECONNREFUSED');
    expect(evaluateHealth({ ...healthy, executionAlive: { ok: true, value: 7 } }, config, NOW)).toBeNull();
  });

  it('names the failed check and gives a detail for logs', () => {
    const verdict = evaluateHealthDetailed(withUnsafeTs(NOW - 45), config, NOW);
    expect(verdict.failedCheck).toBe('unsafe-lag');
    expect(verdict.detail).toContain('45s old');
  });
});

import fc from 'fast-check';
import { decide, type ControlState, type HealthErrorKind, type Triple } from './decide.js';

const base: ControlState = {
  leader: false,
  healthy: true,
  active: false,
  paused: false,
  stopped: false,
  prev: null,
  healthError: null,
  rollupBoostEnabled: false,
};

function state(triple: Triple, extra: Partial<ControlState> = {}): ControlState {
  return { ...base, ...triple, ...extra };
}

describe('decide: the leader × healthy × active table (op-conductor §4.3)', () => {
  // Rows where prev/health error do not matter.
  it.each([
    [{ leader: false, healthy: false, active: false }, 'none'],
    [{ leader: false, healthy: false, active: true }, 'stop'],
    [{ leader: false, healthy: true, active: false }, 'none'],
    [{ leader: false, healthy: true, active: true }, 'stop'],
    [{ leader: true, healthy: true, active: false }, 'start'],
    [{ leader: true, healthy: true, active: true }, 'none'],
  ] as const)('%j → %s', (triple, kind) => {
    expect(decide(state(triple)).kind).toBe(kind);
  });

  it('an unhealthy follower logs the op-conductor message', () => {
    expect(decide(state({ leader: false, healthy: false, active: false }))).toEqual({
      kind: 'none',
      reason: 'server (follower) is not healthy',
    });
  });

  describe('leader, unhealthy, inactive', () => {
    const triple = { leader: true, healthy: false, active: false };
    it('tries to start when it just came from (follower, inactive), to avoid a network-wide stall', () => {
      const prev = { leader: false, healthy: false, active: false };
      expect(decide(state(triple, { prev, healthError: 'other' })).kind).toBe('startOrTransfer');
    });
    it('transfers when the sequencer is unreachable', () => {
      const prev = { leader: false, healthy: true, active: false };
      expect(decide(state(triple, { prev, healthError: 'connectionDown' })).kind).toBe('transfer');
    });
    it('transfers when it was not a fresh follower', () => {
      expect(decide(state(triple, { prev: null, healthError: 'other' })).kind).toBe('transfer');
      const prev = { leader: true, healthy: true, active: true };
      expect(decide(state(triple, { prev, healthError: 'other' })).kind).toBe('transfer');
    });
  });

  describe('leader, unhealthy, active', () => {
    const triple = { leader: true, healthy: false, active: true };
    const startedUnhealthy = { leader: true, healthy: false, active: false };
    it('waits for recovery after starting while unhealthy', () => {
      expect(decide(state(triple, { prev: startedUnhealthy, healthError: 'other' }))).toEqual({
        kind: 'waitForRecovery',
        reason: 'waiting for sequencing to become healthy by itself',
      });
    });
    it('does not wait when the sequencer is unreachable', () => {
      expect(decide(state(triple, { prev: startedUnhealthy, healthError: 'connectionDown' })).kind).toBe(
        'stopAndTransfer',
      );
    });
    it('does not wait on a partially healthy rollup-boost when rollup-boost checks are on', () => {
      const s = state(triple, {
        prev: startedUnhealthy,
        healthError: 'rollupBoostPartial',
        rollupBoostEnabled: true,
      });
      expect(decide(s).kind).toBe('stopAndTransfer');
      expect(decide({ ...s, rollupBoostEnabled: false }).kind).toBe('waitForRecovery');
    });
    it('stops and transfers a leader that became unhealthy while sequencing', () => {
      const prev = { leader: true, healthy: true, active: true };
      expect(decide(state(triple, { prev, healthError: 'other' })).kind).toBe('stopAndTransfer');
    });
  });

  it('does nothing while paused or stopped, whatever else holds', () => {
    const triples = fc.record({ leader: fc.boolean(), healthy: fc.boolean(), active: fc.boolean() });
    fc.assert(
      fc.property(triples, fc.boolean(), (triple, pausedNotStopped) => {
        const s = state(triple, pausedNotStopped ? { paused: true } : { stopped: true });
        expect(decide(s).kind).toBe('none');
      }),
    );
  });

  it('never starts a follower and never leaves a follower sequencing (property)', () => {
    const kinds: HealthErrorKind[] = ['connectionDown', 'rollupBoostPartial', 'other'];
    const arbitraryState = fc.record({
      leader: fc.boolean(),
      healthy: fc.boolean(),
      active: fc.boolean(),
      paused: fc.constant(false),
      stopped: fc.constant(false),
      prev: fc.option(fc.record({ leader: fc.boolean(), healthy: fc.boolean(), active: fc.boolean() })),
      healthError: fc.option(fc.constantFrom(...kinds)),
      rollupBoostEnabled: fc.boolean(),
    });
    fc.assert(
      fc.property(arbitraryState, (s) => {
        const action = decide(s);
        if (!s.leader) {
          expect(['start', 'startOrTransfer', 'transfer', 'stopAndTransfer']).not.toContain(action.kind);
          if (s.active) expect(action.kind).toBe('stop');
        }
        if (s.leader && s.healthy && !s.active) expect(action.kind).toBe('start');
      }),
    );
  });
});

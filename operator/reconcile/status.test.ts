/**
 * The status round trip: what the controller writes through the status subresource must carry the
 * planner's in-flight operation whole, so a restarted (or newly elected) operator resumes the same
 * clocks and pod identity instead of re-sending actions or mistaking a stale pod for a replacement.
 */
import { computeStatus, memoryFromStatus, plan } from '../plan/index.js';
import { NOW, fresh } from '../plan/testing/fixtures.js';
import { planStatusFromApi, toApiStatus } from './status.js';

describe('status round trip through the API shape', () => {
  it('keeps the rollout in flight (phase, pod, target, startedAt, attemptedAt, podUid) and the phase', () => {
    const observed = fresh(3);
    const computed = computeStatus(observed, plan(observed), null);
    const rollout = {
      phase: 'RestartingMember' as const,
      pod: 'seq-2',
      target: null,
      podUid: 'uid-2-1',
      startedAt: new Date(NOW - 30_000).toISOString(),
      attemptedAt: new Date(NOW - 20_000).toISOString(),
    };
    const status = { ...computed, phase: 'Upgrading' as const, rollout };
    const back = planStatusFromApi(JSON.parse(JSON.stringify(toApiStatus(status, observed))));
    expect(back?.phase).toBe('Upgrading');
    expect(back?.rollout).toEqual(rollout);
    expect(memoryFromStatus(back).rollout).toEqual({
      phase: 'RestartingMember',
      pod: 'seq-2',
      target: null,
      podUid: 'uid-2-1',
      startedAt: NOW - 30_000,
      attemptedAt: NOW - 20_000,
    });
  });

  it('a stalled cluster is reported as phase Stalled, which the CRD accepts', () => {
    const observed = {
      ...fresh(3),
      memory: { raft: { formed: true, bootstrapMember: null }, rollout: null },
    };
    const step = plan(observed);
    expect(step.kind).toBe('stalled');
    const api = toApiStatus(computeStatus(observed, step, null), observed);
    expect(api.phase).toBe('Stalled');
  });
});

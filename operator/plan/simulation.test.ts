/**
 * Model-based runs: the planner drives a fake cluster (model.ts) through formation, scaling and rolling
 * upgrades, with and without faults, and must converge within a bounded number of reconciles while the
 * ground truth never loses quorum, never loses its leader to a restart, never hands off to a member that
 * cannot sequence.
 */
import fc from 'fast-check';
import { podName } from './identity.js';
import { ClusterModel } from './testing/model.js';
import { kinds, run } from './testing/driver.js';

const pod = (i: number) => podName('sim', i);

describe('simulation: happy paths converge safely', () => {
  it('forms a 3-member cluster from nothing', () => {
    const model = new ClusterModel(3, 'r1');
    const result = run(model, { maxSteps: 200 });
    expect(result.violations).toEqual([]);
    expect(result.converged).toBe(true);
    const changes = kinds(result.steps).filter((k) => k !== 'setRoleLabels');
    // pod-0 was already running when it was named, so it is restarted to read the name.
    expect(changes.slice(0, 4)).toEqual([
      'createStatefulSet',
      'setBootstrapMember',
      'deletePod:sim-0',
      'clearBootstrapMember',
    ]);
    expect(changes.slice(4)).toEqual(['addNonvoter', 'promoteVoter', 'addNonvoter', 'promoteVoter', 'none']);
    expect(result.status?.raft).toMatchObject({ formed: true, bootstrapMember: null });
    expect(result.status?.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(result.status?.phase).toBe('Running');
  });

  it('scales 3 → 5 (StatefulSet first, then join, catch up, promote, one at a time)', () => {
    const model = ClusterModel.formed(3, 'r1');
    model.replicas = 5;
    const result = run(model, { maxSteps: 200 });
    expect(result.violations).toEqual([]);
    expect(result.converged).toBe(true);
    const changes = kinds(result.steps).filter((k) => k !== 'setRoleLabels');
    expect(changes).toEqual([
      'scaleStatefulSet',
      'addNonvoter',
      'promoteVoter',
      'addNonvoter',
      'promoteVoter',
      'none',
    ]);
  });

  it('scales 5 → 3 (Raft first, highest ordinal first, then the StatefulSet)', () => {
    const model = ClusterModel.formed(5, 'r1');
    model.replicas = 3;
    const result = run(model, { maxSteps: 200 });
    expect(result.violations).toEqual([]);
    expect(result.converged).toBe(true);
    const removes = result.steps.flatMap((s) => (s.kind === 'removeMember' ? [s.id] : []));
    expect(removes).toEqual([pod(4), pod(3)]);
    expect(kinds(result.steps).filter((k) => k !== 'setRoleLabels' && k !== 'none')).toEqual([
      'removeMember',
      'removeMember',
      'scaleStatefulSet',
    ]);
  });

  it('scales 5 → 3 when the leader is one of the removed members', () => {
    const model = ClusterModel.formed(5, 'r1');
    model.leader = pod(4);
    for (const p of model.pods.values()) p.role = p.name === pod(4) ? 'active' : 'standby';
    model.replicas = 3;
    const result = run(model, { maxSteps: 200 });
    expect(result.violations).toEqual([]);
    expect(result.converged).toBe(true);
    expect(kinds(result.steps)[0]).toBe('transferLeadership');
  });

  it.each([3, 5])(
    'rolls an upgrade of %i members: followers high→low, then transfer, then the old leader',
    (n) => {
      const model = ClusterModel.formed(n, 'r1');
      model.updateRevision = 'r2';
      const result = run(model, { maxSteps: 400 });
      expect(result.violations).toEqual([]);
      expect(result.converged).toBe(true);
      const order = kinds(result.steps).filter(
        (k) => k.startsWith('deletePod') || k === 'transferLeadership',
      );
      const followers = Array.from({ length: n - 1 }, (_, i) => `deletePod:${pod(n - 1 - i)}`);
      expect(order).toEqual([...followers, 'transferLeadership', `deletePod:${pod(0)}`]);
      expect(result.status).toMatchObject({ updatedReplicas: n, currentRevision: 'r2', rollout: null });
    },
  );

  it('Supervised: stalls before the leader until approved, then finishes', () => {
    const model = ClusterModel.formed(3, 'r1');
    model.strategy = { ...model.strategy, leaderUpdate: 'Supervised' };
    model.updateRevision = 'r2';
    const before = run(model, { maxSteps: 100, stopWhenConverged: false });
    expect(before.violations).toEqual([]);
    expect(before.converged).toBe(false);
    expect(before.steps.at(-1)).toMatchObject({ kind: 'stalled', code: 'AwaitingLeaderUpdateApproval' });
    expect(before.status?.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True' });
    model.approval = 'r2';
    const after = run(model, { maxSteps: 100 });
    expect(after.violations).toEqual([]);
    expect(after.converged).toBe(true);
  });

  it('moves leadership off a pod that Kubernetes is draining', () => {
    const model = ClusterModel.formed(3, 'r1');
    const result = run(model, {
      maxSteps: 60,
      stopWhenConverged: false,
      before: (m, i) => {
        if (i === 1) m.evict(pod(0));
      },
    });
    expect(result.violations).toEqual([]);
    expect(result.steps.find((s) => s.kind === 'transferLeadership')).toMatchObject({
      rule: 'drain',
      from: pod(0),
    });
    expect(result.converged).toBe(true);
  });

  it('a transfer that never happens stalls after leaderTransferTimeout and the leader is never restarted', () => {
    const model = ClusterModel.formed(3, 'r1');
    model.updateRevision = 'r2';
    model.faults.failTransfers = true;
    const result = run(model, { maxSteps: 300, stopWhenConverged: false });
    expect(result.violations).toEqual([]);
    expect(result.steps.at(-1)).toMatchObject({ kind: 'stalled', code: 'LeaderTransferTimeout' });
    expect(model.pods.get(pod(0))?.revision).toBe('r1');
  });
});

describe('simulation: faults never break safety', () => {
  it('5 → 3 with two remaining members unhealthy: no removal until they recover', () => {
    const model = ClusterModel.formed(5, 'r1');
    model.replicas = 3;
    const result = run(model, {
      maxSteps: 200,
      before: (m, i) => {
        m.faults.unhealthy.clear();
        if (i < 20) ['sim-1', 'sim-2'].forEach((p) => m.faults.unhealthy.add(p));
      },
    });
    expect(result.violations).toEqual([]);
    expect(result.steps.slice(0, 20).some((s) => s.kind === 'removeMember')).toBe(false);
    expect(result.converged).toBe(true);
  });

  it('rolling upgrade with a follower turning unhealthy mid-rollout: waits, then finishes', () => {
    const model = ClusterModel.formed(3, 'r1');
    model.updateRevision = 'r2';
    const result = run(model, {
      maxSteps: 300,
      before: (m, i) => {
        m.faults.unhealthy.clear();
        if (i >= 8 && i < 40) m.faults.unhealthy.add('sim-1');
      },
    });
    expect(result.violations).toEqual([]);
    expect(result.steps.slice(8, 40).some((s) => s.kind === 'deletePod' && s.pod !== 'sim-1')).toBe(false);
    expect(result.converged).toBe(true);
  });

  type Fault = { at: number; member: number; kind: 'unhealthy' | 'unreachable'; duration: number };
  const faultArb = (n: number) =>
    fc.record({
      // Biased towards the first reconciles, where scale steps happen, so faults overlap decisions.
      at: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 2 },
        { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 1 },
      ),
      member: fc.integer({ min: 0, max: n - 1 }),
      kind: fc.constantFrom<'unhealthy' | 'unreachable'>('unhealthy', 'unhealthy', 'unreachable'),
      duration: fc.integer({ min: 1, max: 40 }),
    });

  function inject(faults: readonly Fault[]) {
    return (m: ClusterModel, i: number) => {
      m.faults.unhealthy.clear();
      m.faults.unreachable.clear();
      for (const f of faults) {
        if (i >= f.at && i < f.at + f.duration) m.faults[f.kind].add(pod(f.member));
      }
    };
  }

  it.each([
    ['rolling upgrade of 3', 3, 3, true],
    ['rolling upgrade of 5', 5, 5, true],
    ['scale 3 → 5', 3, 5, false],
    ['scale 5 → 3', 5, 3, false],
  ] as const)('%s with members failing mid-way', (_, n, replicas, upgrade) => {
    fc.assert(
      fc.property(fc.array(faultArb(Math.max(n, replicas)), { minLength: 1, maxLength: 6 }), (faults) => {
        const model = ClusterModel.formed(n, 'r1');
        model.replicas = replicas;
        if (upgrade) model.updateRevision = 'r2';
        // Faults stop after step 100; the run must still converge within the bound.
        const result = run(model, { maxSteps: 600, before: inject(faults) });
        expect(result.violations).toEqual([]);
        expect(result.converged).toBe(true);
      }),
      { numRuns: 40, seed: 20260822 },
    );
  });
});

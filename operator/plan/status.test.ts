import { plan } from './plan.js';
import { computeStatus, memoryFromStatus, type SequencerClusterStatus } from './status.js';
import {
  cluster,
  editConductor,
  fresh,
  membership,
  NEW,
  nonvoter,
  NOW,
  OLD,
  pod,
  voter,
} from './testing/fixtures.js';

const cond = (s: SequencerClusterStatus, type: string) => s.conditions.find((c) => c.type === type)!;
const iso = (ms: number) => new Date(ms).toISOString();

describe('computeStatus', () => {
  const healthy = cluster({ n: 3 });

  it('a healthy cluster: Running, Ready, counts, leader, head, members', () => {
    const first = computeStatus(healthy, plan(healthy), null);
    const s = computeStatus(healthy, plan(healthy), first);
    expect(s).toMatchObject({
      observedGeneration: 7,
      phase: 'Running',
      ready: '3/3',
      replicas: 3,
      readyReplicas: 3,
      updatedReplicas: 3,
      currentRevision: NEW,
      updateRevision: NEW,
      leader: { pod: pod(0), id: pod(0), since: iso(NOW) },
      head: 1000,
      rollout: null,
      raft: { formed: true, bootstrapMember: null, configVersion: 10 },
    });
    expect(s.members).toHaveLength(3);
    expect(s.members[0]).toMatchObject({
      pod: pod(0),
      suffrage: 'Voter',
      leader: true,
      healthy: true,
      unsafeHead: 1000,
    });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True', reason: 'ClusterReady', observedGeneration: 7 });
    expect(cond(s, 'Degraded').status).toBe('False');
    expect(cond(s, 'Stalled').status).toBe('False');
    expect(cond(s, 'Progressing').status).toBe('False');
  });

  it('READY counts healthy voters: a healthy member still joining as a non-voter does not count', () => {
    const joining = membership([voter(0), voter(1), nonvoter(2)]);
    let o = healthy;
    for (let i = 0; i < 3; i++) o = editConductor(o, i, { membership: joining });
    const s = computeStatus(o, plan(o), null);
    expect(s.members[2]).toMatchObject({ suffrage: 'Nonvoter', healthy: true });
    expect(s.ready).toBe('2/3');
    expect(s.readyReplicas).toBe(2);
    expect(cond(s, 'Ready').status).toBe('False');
  });

  it('lastTransitionTime moves only when a condition flips; leader.since survives', () => {
    const s1 = computeStatus(healthy, plan(healthy), null);
    const later = { ...healthy, now: NOW + 60_000 };
    const s2 = computeStatus(later, plan(later), s1);
    expect(cond(s2, 'Ready').lastTransitionTime).toBe(iso(NOW));
    expect(s2.leader?.since).toBe(iso(NOW));
    const sick = editConductor(later, 2, { sequencerHealthy: false });
    const s3 = computeStatus(sick, plan(sick), s2);
    expect(cond(s3, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'MembersNotReady',
      lastTransitionTime: iso(NOW + 60_000),
    });
    expect(cond(s3, 'Degraded')).toMatchObject({ status: 'True', reason: 'MembersUnhealthy' });
    expect(s3.phase).toBe('Degraded');
    expect(s3.ready).toBe('2/3');
  });

  it('the operation in flight is remembered across reconciles and round-trips through memoryFromStatus', () => {
    const o = cluster({ n: 3, revision: OLD });
    const step = plan(o);
    expect(step.kind).toBe('deletePod');
    const s1 = computeStatus(o, step, null);
    expect(s1.rollout).toMatchObject({
      phase: 'RestartingMember',
      pod: pod(2),
      podUid: 'uid-2-1',
      startedAt: iso(NOW),
    });
    expect(s1.phase).toBe('Upgrading');
    expect(cond(s1, 'Progressing')).toMatchObject({ status: 'True', reason: 'UpgradingMember' });
    expect(s1.currentRevision).toBe(OLD);

    const next = { ...o, now: NOW + 2000, memory: memoryFromStatus(s1) };
    expect(next.memory.rollout).toEqual({
      phase: 'RestartingMember',
      pod: pod(2),
      target: null,
      podUid: 'uid-2-1',
      startedAt: NOW,
      attemptedAt: NOW,
    });
    const wait = plan(next);
    expect(wait).toMatchObject({ kind: 'wait', code: 'WaitingForRestartedMember' });
    const s2 = computeStatus(next, wait, s1);
    expect(s2.rollout).toEqual(s1.rollout);
  });

  it('stalled steps set Stalled=True and Progressing=False with the step code', () => {
    const o = cluster({ n: 1, revision: OLD });
    const s = computeStatus(o, plan(o), null);
    expect(s.phase).toBe('Stalled');
    expect(cond(s, 'Stalled')).toMatchObject({ status: 'True', reason: 'SingleMemberUpgrade' });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'SingleMemberUpgrade' });
  });

  it('forming: bootstrap member recorded, phase Forming until every member is a healthy voter', () => {
    const o = fresh(3);
    const s = computeStatus(o, plan(o), null);
    expect(s).toMatchObject({
      phase: 'Forming',
      raft: { formed: false, bootstrapMember: pod(0), configVersion: null },
    });
    expect(cond(s, 'Ready').reason).toBe('NoLeader');
  });

  it('paused shows as Paused', () => {
    const o = { ...healthy, desired: { ...healthy.desired, paused: true } };
    expect(computeStatus(o, plan(o), null).phase).toBe('Paused');
  });

  it('memoryFromStatus(null) is the empty memory', () => {
    expect(memoryFromStatus(null)).toEqual({ raft: { formed: false, bootstrapMember: null }, rollout: null });
  });
});

/**
 * One test group per row of the rule table in plan.ts, in table order, plus the cases that must fall
 * through a row to the next one.
 */
import { plan, RULES } from './plan.js';
import type { Observed } from './observed.js';
import type { Step } from './step.js';
import {
  addJoiner,
  addr,
  cluster,
  editConductor,
  editPod,
  everyoneSees,
  fresh,
  HEAD,
  membership,
  NEW,
  nonvoter,
  NOW,
  OLD,
  pod,
  removePod,
  unreachable,
  voter,
  withRollout,
} from './testing/fixtures.js';

type Expect = Partial<Record<string, unknown>> & { kind: Step['kind'] };

function expectStep(o: Observed, expected: Expect): Step {
  const step = plan(o);
  expect(step).toMatchObject(expected);
  return step;
}

const healthy3 = cluster({ n: 3 });
const v = (...ids: number[]) => ids.map(voter);

describe('the table', () => {
  it('has the documented order', () => {
    expect(RULES.map((r) => r.id)).toEqual([
      'paused',
      'consistency',
      'statefulSet',
      'drain',
      'roleLabels',
      'forming',
      'quorum',
      'pendingChange',
      'scale',
      'membership',
      'scale',
      'upgrade',
      'steady',
    ]);
  });
});

describe('1 paused', () => {
  it('takes no action, whatever else is wrong', () => {
    let o = cluster({ n: 3, revision: OLD });
    o = editPod(o, 0, { role: 'standby', terminating: true });
    o = { ...o, desired: { ...o.desired, paused: true } };
    expectStep(o, { kind: 'none', rule: 'paused', code: 'Paused' });
  });
});

describe('2 consistency', () => {
  it('leader override → stalled', () => {
    const o = editConductor(healthy3, 1, { leaderWithId: { id: 'N/A (Leader overridden)', addr: 'N/A' } });
    expectStep(o, { kind: 'stalled', code: 'LeaderOverridden' });
  });

  it('two configurations at the same version with different servers → stalled', () => {
    const o = editConductor(healthy3, 2, { membership: membership(v(0, 1, 3), 10) });
    expectStep(o, { kind: 'stalled', code: 'SplitBrainSuspected' });
  });

  it('a member that bootstrapped on its own (disjoint voters) → stalled', () => {
    const o = addJoiner(cluster({ n: 3, replicas: 4 }), 3, {
      leader: true,
      membership: membership([voter(3)], 1),
    });
    expectStep(o, { kind: 'stalled', code: 'SplitBrainSuspected' });
  });

  it('two leaders with different configurations → stalled', () => {
    const o = editConductor(healthy3, 2, { leader: true, membership: membership(v(0, 1, 2), 9) });
    expectStep(o, { kind: 'stalled', code: 'SplitBrainSuspected' });
  });

  it('a follower with a newer, different configuration than the leader → stalled', () => {
    const o = editConductor(healthy3, 1, { membership: membership(v(0, 1), 12) });
    expectStep(o, { kind: 'stalled', code: 'SplitBrainSuspected' });
  });

  it('two leaders in the same configuration (stale leader) → wait', () => {
    const o = editConductor(healthy3, 1, { leader: true });
    expectStep(o, { kind: 'wait', code: 'LeaderAmbiguous' });
  });

  it('a follower with an older configuration is normal (lagging or removed) → falls through', () => {
    const o = editConductor(healthy3, 2, { membership: membership(v(0, 1, 2, 3), 8) });
    expectStep(o, { kind: 'none', code: 'UpToDate' });
  });
});

describe('3 statefulSet', () => {
  it('missing → createStatefulSet with spec.replicas', () => {
    expectStep({ ...fresh(3), statefulSet: null }, { kind: 'createStatefulSet', replicas: 3 });
  });

  it('missing while a configuration lists higher ordinals → keeps them', () => {
    const o = everyoneSees({ ...cluster({ n: 3 }), statefulSet: null }, membership(v(0, 1, 2, 3, 4)));
    expectStep(o, { kind: 'createStatefulSet', replicas: 5 });
  });
});

describe('4 drain', () => {
  const draining = editPod(healthy3, 0, { terminating: true });

  it("the leader's pod is terminating → transfer to the best healthy voter", () => {
    expectStep(draining, {
      kind: 'transferLeadership',
      rule: 'drain',
      from: pod(0),
      to: pod(1),
      toAddress: addr(1),
      operation: { phase: 'TransferringLeadership', pod: pod(0), target: pod(1) },
    });
  });

  it('skips an unhealthy, paused or lagging voter', () => {
    let o = editConductor(draining, 1, { sequencerHealthy: false });
    expectStep(o, { kind: 'transferLeadership', to: pod(2) });
    o = editConductor(draining, 1, { paused: true, active: false });
    expectStep(o, { kind: 'transferLeadership', to: pod(2) });
    o = editConductor(draining, 1, { unsafeHead: { number: HEAD - 10, hash: '0x' } });
    expectStep(o, { kind: 'transferLeadership', to: pod(2) });
  });

  it("the leader's node is cordoned (kubectl drain's first step) → transfer, never onto another cordoned node", () => {
    const cordoned = editPod(healthy3, 0, { nodeCordoned: true });
    const step = expectStep(cordoned, {
      kind: 'transferLeadership',
      rule: 'drain',
      from: pod(0),
      to: pod(1),
    });
    expect(step.reason).toContain('is on a cordoned node');
    expectStep(editPod(cordoned, 1, { nodeCordoned: true }), { kind: 'transferLeadership', to: pod(2) });
    const allCordoned = editPod(editPod(cordoned, 1, { nodeCordoned: true }), 2, { nodeCordoned: true });
    const stalled = expectStep(allCordoned, { kind: 'stalled', code: 'NoTransferTarget' });
    expect(stalled.reason).toContain('its node is cordoned');
    // A follower on a cordoned node is no reason to move leadership.
    expect(plan(editPod(healthy3, 1, { nodeCordoned: true })).rule).not.toBe('drain');
  });

  it('no usable voter → stalled NoTransferTarget (never hands off to a member that cannot sequence)', () => {
    let o = editConductor(draining, 1, { stopped: true });
    o = unreachable(o, 2);
    expectStep(o, { kind: 'stalled', code: 'NoTransferTarget' });
  });

  it('a transfer sent a moment ago → wait; after the timeout → stalled', () => {
    const op = { phase: 'TransferringLeadership' as const, pod: pod(0), target: pod(1), podUid: null };
    expectStep(withRollout(draining, { ...op, startedAt: NOW - 1000, attemptedAt: NOW - 1000 }), {
      kind: 'wait',
      code: 'WaitingForLeaderTransfer',
    });
    expectStep(withRollout(draining, { ...op, startedAt: NOW - 10_000, attemptedAt: NOW - 6000 }), {
      kind: 'transferLeadership',
    });
    expectStep(withRollout(draining, { ...op, startedAt: NOW - 61_000, attemptedAt: NOW - 6000 }), {
      kind: 'stalled',
      code: 'LeaderTransferTimeout',
    });
  });
});

describe('5 roleLabels', () => {
  it('a wrong active label → setRoleLabels(leader)', () => {
    let o = editPod(healthy3, 1, { role: 'active' });
    expectStep(o, { kind: 'setRoleLabels', active: pod(0) });
    o = editPod(healthy3, 0, { role: null });
    expectStep(o, { kind: 'setRoleLabels', active: pod(0) });
  });

  it('the leader is not sequencing → no pod is active', () => {
    const o = editConductor(healthy3, 0, { sequencerActive: false });
    expectStep(o, { kind: 'setRoleLabels', active: null });
  });

  it('no leader → no pod is active', () => {
    let o = healthy3;
    for (const i of [0, 1, 2]) o = editConductor(o, i, { leader: false, sequencerActive: false });
    expectStep(o, { kind: 'setRoleLabels', active: null });
  });

  it('sequencerActive unknown → falls back to conductor active ∧ sequencer healthy', () => {
    const o = editConductor(healthy3, 0, { sequencerActive: null });
    expectStep(o, { kind: 'none' });
    expectStep(editConductor(o, 0, { sequencerHealthy: false }), { kind: 'setRoleLabels', active: null });
  });
});

describe('6 forming', () => {
  it('nothing anywhere → setBootstrapMember(pod-0)', () => {
    expectStep(fresh(3), {
      kind: 'setBootstrapMember',
      pod: pod(0),
      operation: { phase: 'Bootstrapping', pod: pod(0) },
    });
  });

  it('pod-0 missing → wait', () => {
    expectStep(removePod(fresh(3), 0), { kind: 'wait', code: 'WaitingForPods' });
  });

  it('a conductor that does not answer could hold state → wait', () => {
    expectStep(unreachable(fresh(3), 2), { kind: 'wait', code: 'WaitingForConductors' });
  });

  it('bootstrap member named → wait; past memberRestartTimeout → stalled', () => {
    const named = {
      ...fresh(3),
      memory: { raft: { formed: false, bootstrapMember: pod(0) }, rollout: null },
    };
    const op = {
      phase: 'Bootstrapping' as const,
      pod: pod(0),
      target: null,
      podUid: null,
      attemptedAt: NOW - 5000,
    };
    // pod-0's conductor started (an hour ago, in the fixture) before it was named: restart it so it
    // reads the bootstrap ConfigMap, which a container does only at start.
    expectStep(withRollout(named, { ...op, startedAt: NOW - 5000 }), {
      kind: 'deletePod',
      code: 'RestartForBootstrap',
    });
    const restarted = editPod(named, 0, { conductorStartedAt: NOW - 1000 });
    expectStep(withRollout(restarted, { ...op, startedAt: NOW - 5000 }), {
      kind: 'wait',
      code: 'Bootstrapping',
    });
    expectStep(withRollout(restarted, { ...op, startedAt: NOW - 700_000 }), {
      kind: 'stalled',
      code: 'BootstrapTimeout',
    });
  });

  it('never bootstraps when any conductor reports a configuration', () => {
    const o = editConductor(fresh(3), 2, { membership: membership(v(0, 1, 2), 4) });
    expect(plan(o).kind).not.toBe('setBootstrapMember');
  });

  it('formed before but every configuration empty → stalled RaftStateLost, never re-bootstrap', () => {
    const o = { ...fresh(3), memory: { raft: { formed: true, bootstrapMember: null }, rollout: null } };
    expectStep(o, { kind: 'stalled', code: 'RaftStateLost' });
    expectStep(unreachable(o, 1), { kind: 'wait', code: 'NoConfigurationReported' });
  });

  it('pod-0 bootstrapped → clearBootstrapMember, then join pod-1 as non-voter on version 1', () => {
    let o = fresh(3);
    o = editConductor(o, 0, {
      leader: true,
      leaderWithId: { id: pod(0), addr: addr(0) },
      sequencerActive: true,
      membership: membership([voter(0)], 1),
      unsafeHead: { number: 5, hash: '0x5' },
    });
    o = editPod(o, 0, { role: 'active' });
    const named = { ...o, memory: { raft: { formed: false, bootstrapMember: pod(0) }, rollout: null } };
    expectStep(named, { kind: 'clearBootstrapMember', operation: null });
    expectStep(o, { kind: 'addNonvoter', pod: pod(1), id: pod(1), address: addr(1), version: 1 });
  });
});

describe('7 quorum', () => {
  const leaderless = (o: Observed) => {
    let r = o;
    for (const i of [0, 1, 2])
      r = editConductor(r, i, { leader: false, sequencerActive: false, leaderWithId: { id: '', addr: '' } });
    return editPod(r, 0, { role: 'standby' });
  };

  it('no leader with a healthy majority → wait for the election', () => {
    expectStep(unreachable(leaderless(healthy3), 0), { kind: 'wait', code: 'NoLeader' });
  });

  it('no leader without a healthy majority → stalled QuorumLost', () => {
    const o = unreachable(unreachable(leaderless(healthy3), 0), 1);
    expectStep(o, { kind: 'stalled', code: 'QuorumLost' });
  });
});

describe('8 pendingChange', () => {
  it("the leader's newest configuration is not on a majority → wait", () => {
    const o = editConductor(healthy3, 0, { membership: membership(v(0, 1, 2), 11) });
    expectStep(o, { kind: 'wait', code: 'MembershipChangePending' });
  });

  it('held by a majority → proceeds', () => {
    let o = editConductor(healthy3, 0, { membership: membership(v(0, 1, 2), 11) });
    o = editConductor(o, 1, { membership: membership(v(0, 1, 2), 11) });
    expectStep(o, { kind: 'none' });
  });
});

describe('9-11 scaling', () => {
  const up = cluster({ n: 3, replicas: 5 });

  it('3→5: StatefulSet first', () => {
    expectStep(up, { kind: 'scaleStatefulSet', replicas: 5, code: 'ScalingUp' });
  });

  const scaled = { ...up, statefulSet: { replicas: 5, readyReplicas: 3, observedCurrent: true } };

  it('new pod not there yet → wait; then addNonvoter on the leader version, lowest ordinal first', () => {
    expectStep(scaled, {
      kind: 'wait',
      code: 'WaitingForPod',
      operation: { phase: 'AddingMember', pod: pod(3) },
    });
    const o = addJoiner(addJoiner(scaled, 3), 4);
    expectStep(o, { kind: 'addNonvoter', pod: pod(3), address: addr(3), version: 10 });
  });

  const joined = () => {
    const m = membership([...v(0, 1, 2), nonvoter(3)], 11);
    return everyoneSees(addJoiner(addJoiner(scaled, 3), 4), m);
  };

  it('caught-up, settled non-voter → promoteVoter (pod-4 waits its turn)', () => {
    expectStep(joined(), { kind: 'promoteVoter', pod: pod(3), address: addr(3), version: 11 });
  });

  it('a non-voter that cannot lead is not promoted: lagging, paused, unhealthy, not settled', () => {
    const cases: Observed[] = [
      editConductor(joined(), 3, { unsafeHead: { number: HEAD - 50, hash: '0x' } }),
      editConductor(joined(), 3, { raftLag: 10_000 }),
      editConductor(joined(), 3, { paused: true, active: false }),
      editConductor(joined(), 3, { sequencerHealthy: false }),
      editPod(joined(), 3, { readySince: NOW - 1000 }),
    ];
    cases.forEach((o, i) => expect([i, plan(o).code]).toEqual([i, 'CatchingUp']));
  });

  it('a non-voter that never catches up → stalled after memberRestartTimeout', () => {
    const o = withRollout(editConductor(joined(), 3, { sequencerHealthy: false }), {
      phase: 'AddingMember',
      pod: pod(3),
      target: null,
      podUid: null,
      startedAt: NOW - 700_000,
      attemptedAt: NOW - 700_000,
    });
    expectStep(o, { kind: 'stalled', code: 'MemberJoinTimeout' });
  });

  const down = cluster({ n: 5, replicas: 3 });

  it('5→3: remove the highest ordinal from Raft first', () => {
    expectStep(down, { kind: 'removeMember', pod: pod(4), id: pod(4), version: 10 });
  });

  it('the leader is being removed → transfer to a member that stays', () => {
    let o = cluster({ n: 5, replicas: 3, leader: 4 });
    o = editConductor(o, 3, { sequencerHealthy: false });
    expectStep(o, { kind: 'transferLeadership', from: pod(4), to: pod(0) });
  });

  it('never removes when the remaining voters would lack a healthy majority', () => {
    let o = editConductor(down, 1, { sequencerHealthy: false });
    o = editConductor(o, 2, { sequencerHealthy: false });
    // remaining {0,1,2,3}: healthy {0,3} = 2 < 3
    expectStep(o, { kind: 'wait', code: 'WaitingForQuorum' });
  });

  it('removes an unhealthy extra member when the rest hold a majority', () => {
    const o = editConductor(down, 4, { sequencerHealthy: false });
    expectStep(o, { kind: 'removeMember', pod: pod(4) });
  });

  it('a stray non-voter above spec → removeMember', () => {
    const o = everyoneSees(addJoiner(healthy3, 3), membership([...v(0, 1, 2), nonvoter(3)], 11));
    expectStep(o, { kind: 'removeMember', pod: pod(3), version: 11 });
  });

  it('no removed ordinal left in Raft → StatefulSet down', () => {
    const o = everyoneSees(down, membership(v(0, 1, 2), 12));
    expectStep(o, { kind: 'scaleStatefulSet', replicas: 3, code: 'ScalingDown' });
  });
});

describe('12 upgrade', () => {
  const outdated = cluster({ n: 3, revision: OLD });
  const restarting = (uid: string, startedAt = NOW - 30_000) =>
    withRollout(outdated, {
      phase: 'RestartingMember',
      pod: pod(2),
      target: null,
      podUid: uid,
      startedAt,
      attemptedAt: startedAt,
    });

  it('followers first, highest ordinal first, recording the pod uid', () => {
    expectStep(outdated, {
      kind: 'deletePod',
      pod: pod(2),
      operation: { phase: 'RestartingMember', pod: pod(2), podUid: 'uid-2-1' },
    });
    expectStep(cluster({ n: 3, revision: OLD, leader: 2 }), { kind: 'deletePod', pod: pod(1) });
  });

  it('never takes down a member while the leader cannot hear from another, however caught up its op-node looks', () => {
    // pod-1's op-node is at the head (gossip), but the leader has had no Raft message from it for 24 s
    // (e.g. its pod was recreated and the leader still dials its old IP). pod-2 going down would leave
    // the leader without a quorum and the chain halted.
    const silentUpdated = editConductor(editPod(outdated, 1, { revision: NEW }), 1, {
      leaderSilenceMs: 24_000,
    });
    const step = plan(silentUpdated);
    expect(step).toMatchObject({ kind: 'wait', code: 'WaitingForHealthyMembers' });
    // Still outdated itself: restarting the silent member is what may heal it, and costs no healthy voter.
    const silentOutdated = editConductor(outdated, 1, { leaderSilenceMs: 24_000 });
    expectStep(silentOutdated, { kind: 'deletePod', pod: pod(1) });
    expect(plan(silentOutdated).reason).toContain('the Raft leader has not heard from it for 24.0s');
    // Heard from again: the usual order.
    expectStep(editConductor(outdated, 1, { leaderSilenceMs: 150 }), { kind: 'deletePod', pod: pod(2) });
  });

  it('the deleted pod still in the cache (same uid) → wait, never the next one', () => {
    expectStep(restarting('uid-2-1'), { kind: 'wait', code: 'WaitingForRestartedMember' });
  });

  it('recreated but not back yet → wait; past memberRestartTimeout → stalled', () => {
    const o = editPod(restarting('uid-2-1'), 2, {
      uid: 'uid-2-2',
      revision: NEW,
      ready: false,
      readySince: null,
    });
    expectStep(o, { kind: 'wait', code: 'WaitingForRestartedMember' });
    const late = editPod(restarting('uid-2-1', NOW - 700_000), 2, {
      uid: 'uid-2-2',
      revision: NEW,
      ready: false,
    });
    expectStep(late, { kind: 'stalled', code: 'MemberRestartTimeout' });
  });

  it('back but not Ready for minReadySeconds → wait until exactly then', () => {
    const o = editPod(restarting('uid-2-1'), 2, { uid: 'uid-2-2', revision: NEW, readySince: NOW - 9_500 });
    expectStep(o, { kind: 'wait', code: 'WaitingForRestartedMember', requeueAfterMs: 500 });
  });

  it('back, healthy and settled → the next follower', () => {
    const o = editPod(restarting('uid-2-1'), 2, { uid: 'uid-2-2', revision: NEW, readySince: NOW - 20_000 });
    expectStep(o, { kind: 'deletePod', pod: pod(1) });
  });

  it('recreated at a revision that is no longer the update revision → superseded, rolled again', () => {
    const o = editPod(restarting('uid-2-1'), 2, {
      uid: 'uid-2-2',
      revision: 'rev-bad',
      ready: false,
      readySince: null,
    });
    expectStep(o, { kind: 'deletePod', pod: pod(2), operation: { podUid: 'uid-2-2' } });
  });

  it('never restarts a healthy member while another is unhealthy', () => {
    let o = editPod(outdated, 1, { revision: NEW });
    o = editConductor(o, 1, { sequencerHealthy: false });
    expectStep(o, { kind: 'wait', code: 'WaitingForHealthyMembers' });
  });

  it('a stuck member still on the old revision is rolled first', () => {
    const o = editPod(outdated, 1, { phase: 'Running', ready: false, readySince: null, restartCount: 12 });
    expectStep(o, { kind: 'deletePod', pod: pod(1) });
  });

  it('two unhealthy voters → wait', () => {
    let o = editConductor(outdated, 1, { sequencerHealthy: false });
    o = editConductor(o, 2, { sequencerHealthy: false });
    // quorum gate also holds: 1 of 3 healthy
    expect(['wait', 'stalled']).toContain(plan(o).kind);
    expect(plan(o).kind).not.toBe('deletePod');
  });

  const leaderLast = editPod(cluster({ n: 3, revision: NEW }), 0, { revision: OLD });

  it('only the leader left → transfer to an updated, healthy voter first', () => {
    expectStep(leaderLast, {
      kind: 'transferLeadership',
      rule: 'upgrade',
      from: pod(0),
      to: pod(1),
      toAddress: addr(1),
    });
  });

  it('prefers the most caught-up target', () => {
    const o = editConductor(leaderLast, 1, { unsafeHead: { number: HEAD - 1, hash: '0x' } });
    expectStep(o, { kind: 'transferLeadership', to: pod(2) });
  });

  it('no usable target → stalled, the leader is never restarted', () => {
    let o = editConductor(leaderLast, 1, { paused: true, active: false });
    o = editPod(o, 2, { revision: OLD });
    expectStep(o, { kind: 'deletePod', pod: pod(2) });
    o = editPod(o, 2, { revision: NEW });
    o = editConductor(o, 2, { paused: true, active: false });
    expectStep(o, { kind: 'stalled', code: 'NoTransferTarget' });
  });

  it('Supervised → stalled with instructions until the revision is approved', () => {
    const supervised = {
      ...leaderLast,
      desired: {
        ...leaderLast.desired,
        updateStrategy: { ...leaderLast.desired.updateStrategy, leaderUpdate: 'Supervised' as const },
      },
    };
    const step = expectStep(supervised, { kind: 'stalled', code: 'AwaitingLeaderUpdateApproval' });
    expect(step.reason).toContain(`baton.dev/approve-leader-update=${NEW}`);
    expectStep({ ...supervised, approvals: { leaderUpdate: OLD } }, { kind: 'stalled' });
    expectStep(
      { ...supervised, approvals: { leaderUpdate: NEW } },
      { kind: 'transferLeadership', to: pod(1) },
    );
  });

  it('transfer in flight → wait; re-sent after transferRetryMs; stalled after leaderTransferTimeout', () => {
    const op = { phase: 'TransferringLeadership' as const, pod: pod(0), target: pod(1), podUid: null };
    expectStep(withRollout(leaderLast, { ...op, startedAt: NOW - 2000, attemptedAt: NOW - 2000 }), {
      kind: 'wait',
    });
    expectStep(withRollout(leaderLast, { ...op, startedAt: NOW - 8000, attemptedAt: NOW - 8000 }), {
      kind: 'transferLeadership',
    });
    expectStep(withRollout(leaderLast, { ...op, startedAt: NOW - 70_000, attemptedAt: NOW - 8000 }), {
      kind: 'stalled',
      code: 'LeaderTransferTimeout',
    });
  });

  it('leadership verified moved → the old leader is deleted as an ordinary follower', () => {
    let o = cluster({ n: 3, revision: NEW, leader: 1 });
    o = editPod(o, 0, { revision: OLD });
    expectStep(o, { kind: 'deletePod', pod: pod(0) });
  });

  it('a single member is never restarted by the operator', () => {
    expectStep(cluster({ n: 1, revision: OLD }), { kind: 'stalled', code: 'SingleMemberUpgrade' });
  });

  it('StatefulSet controller behind → wait', () => {
    const o = { ...outdated, statefulSet: { replicas: 3, readyReplicas: 3, observedCurrent: false } };
    expectStep(o, { kind: 'wait', code: 'WaitingForStatefulSet' });
  });

  it('quorum gate: a 3-member cluster with one member down never restarts another', () => {
    const o = removePod(unreachable(outdated, 1), 1);
    expect(plan(o).kind).not.toBe('deletePod');
  });
});

describe('13 steady', () => {
  it('all healthy and up to date → none, operation cleared', () => {
    expectStep(healthy3, { kind: 'none', code: 'UpToDate', operation: null });
  });

  it('a sick member with nothing to do → wait (reported, not acted on)', () => {
    expectStep(editConductor(healthy3, 2, { sequencerHealthy: false }), {
      kind: 'wait',
      code: 'MembersUnhealthy',
    });
  });
});

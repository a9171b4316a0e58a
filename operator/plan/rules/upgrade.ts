/**
 * Rolling upgrade: members whose pod revision differs from the update revision are restarted one at a
 * time by deleting their pod (the StatefulSet is OnDelete and recreates it from the new template).
 *
 * Order (CNPG, TiDB, Strimzi, Zalando agree): followers first, highest ordinal first; the leader last,
 * after leadership has moved to an updated, healthy, caught-up voter and the conductors confirm it.
 *
 * Gates, each re-derived from observations every reconcile:
 * - membership matches spec (scaling beats upgrading) and a leader exists;
 * - the last restarted member is back: a new pod (new uid), healthy, a voter, Ready for minReadySeconds
 *   (stalled after memberRestartTimeout);
 * - every voter is healthy and settled — except that a voter which is itself unhealthy and still on the
 *   old revision may be the one restarted (Strimzi's lesson: a stuck pod on the old revision is fixed by
 *   rolling it, and rolling a healthy one next to it would spend quorum);
 * - the healthy voters without the victim still form a majority (invariant 4).
 */
import { elapsed, seconds } from '../memory.js';
import type { MemberFacts } from '../health.js';
import { canTakeDown } from '../quorum.js';
import type { Step } from '../step.js';
import type { ClusterView } from '../view.js';
import { list, stalledStep, waitStep, type Rule } from './build.js';
import { transferAway } from './transfer.js';

export const APPROVE_LEADER_UPDATE_ANNOTATION = 'baton.dev/approve-leader-update';

/** A restart this planner started and that has not finished, as a wait/stall step (null when done or none). */
function restartInFlight(view: ClusterView): Step | null {
  const { observed } = view;
  const op = observed.memory.rollout;
  if (!op || op.phase !== 'RestartingMember') return null;
  const member = view.member(op.pod);
  if (!member?.desired) return null;
  const recreated = member.podObs !== null && member.podObs.uid !== op.podUid;
  // Recreated at a revision that is no longer the update revision: the spec moved on (e.g. a bad image
  // was fixed); this restart is superseded and the member is rolled again like any stuck one.
  if (recreated && !member.upToDate) return null;
  const why = !recreated
    ? member.podObs
      ? 'old pod still present'
      : 'pod does not exist yet'
    : (member.unhealthyBecause ??
      (!member.voter ? 'not a voter' : !member.settled ? 'not Ready for minReadySeconds yet' : null));
  if (why === null) return null;
  const operation = { phase: 'RestartingMember' as const, pod: op.pod, target: null, podUid: op.podUid };
  const spent = elapsed(observed, 'RestartingMember', op.pod);
  const timeout = observed.desired.updateStrategy.memberRestartTimeoutMs;
  if (spent > timeout) {
    return stalledStep(
      view,
      'upgrade',
      'MemberRestartTimeout',
      `${op.pod} has not come back as a healthy voter ${seconds(spent)} after its restart: ${why}`,
      operation,
    );
  }
  return waitStep(
    view,
    'upgrade',
    'WaitingForRestartedMember',
    `waiting for restarted ${op.pod}: ${why}`,
    operation,
    settleDelay(view, member),
  );
}

/** Requeue exactly when minReadySeconds will have passed, when that is what we are waiting for. */
function settleDelay(view: ClusterView, member: MemberFacts): number {
  const since = member.podObs?.readySince;
  if (!member.healthy || member.settled || since === null || since === undefined) return view.tuning.pollMs;
  const left = since + view.observed.desired.updateStrategy.minReadySeconds * 1000 - view.observed.now;
  return Math.max(1, Math.min(view.tuning.pollMs, left));
}

function deletePod(view: ClusterView, victim: MemberFacts, because: string): Step {
  const q = canTakeDown(view.voters, victim.pod);
  if (!q.ok)
    return waitStep(view, 'upgrade', 'WaitingForQuorum', `not restarting ${victim.pod}: ${q.detail}`);
  return {
    kind: 'deletePod',
    rule: 'upgrade',
    code: 'UpgradingMember',
    reason: `restarting ${victim.pod} to upgrade it from ${victim.podObs!.revision ?? 'unknown'} to ${view.observed.desired.updateRevision} (${because}; ${q.detail})`,
    pod: victim.pod,
    operation: { phase: 'RestartingMember', pod: victim.pod, target: null, podUid: victim.podObs!.uid },
  };
}

function leaderStep(view: ClusterView, leader: MemberFacts): Step {
  const { observed } = view;
  const revision = observed.desired.updateRevision;
  if (view.voters.length <= 1) {
    return stalledStep(
      view,
      'upgrade',
      'SingleMemberUpgrade',
      `${leader.pod} is the only voter: restarting it stops the chain and the operator will not do that; delete the pod yourself when downtime is acceptable, or scale to 3 first`,
    );
  }
  if (
    observed.desired.updateStrategy.leaderUpdate === 'Supervised' &&
    observed.approvals.leaderUpdate !== revision
  ) {
    return stalledStep(
      view,
      'upgrade',
      'AwaitingLeaderUpdateApproval',
      `every follower runs ${revision}; the leader ${leader.pod} is next (Supervised): approve with ` +
        `kubectl annotate sequencercluster ${observed.cluster.name} -n ${observed.cluster.namespace} ${APPROVE_LEADER_UPDATE_ANNOTATION}=${revision} --overwrite`,
      { phase: 'AwaitingApproval', pod: leader.pod, target: null },
    );
  }
  return transferAway(
    view,
    'upgrade',
    leader.pod,
    { upToDate: true },
    `${leader.pod} is the last member on an old revision`,
  );
}

export const upgradeRule: Rule = {
  id: 'upgrade',
  summary:
    'pods on an old revision → wait for the last restart; gate on every voter healthy + settled (a stuck outdated one may go first) and quorum without the victim; deletePod followers highest ordinal first; leader last: Supervised approval, transferLeadership to an updated canLead voter, verified before its pod is deleted (timeouts → stalled)',
  decide(view) {
    const leader = view.leader;
    if (!leader) return null;
    const inFlight = restartInFlight(view);
    if (inFlight) return inFlight;

    const outdated = view.voters.filter((v) => v.desired && v.podObs && !v.upToDate);
    if (outdated.length === 0) return null;
    if (view.observed.statefulSet && !view.observed.statefulSet.observedCurrent) {
      return waitStep(
        view,
        'upgrade',
        'WaitingForStatefulSet',
        'the StatefulSet controller has not observed the latest template yet',
      );
    }

    const notReady = view.voters.filter((v) => !v.healthy || !v.settled);
    const unhealthy = view.voters.filter((v) => !v.healthy);
    if (unhealthy.length === 1) {
      // Roll a stuck member on the old revision first; never restart a healthy one beside a sick one.
      const stuck = unhealthy[0]!;
      if (!stuck.upToDate && !stuck.isLeader && stuck.podObs && !stuck.podObs.terminating) {
        return deletePod(
          view,
          stuck,
          `it is unhealthy (${stuck.unhealthyBecause}) and still on the old revision`,
        );
      }
    }
    if (notReady.length > 0) {
      const detail = list(
        notReady.map((v) => ({ pod: v.pod, why: v.unhealthyBecause ?? 'not Ready for minReadySeconds yet' })),
      );
      const only = notReady.length === 1 && unhealthy.length === 0 ? notReady[0]! : null;
      return waitStep(
        view,
        'upgrade',
        'WaitingForHealthyMembers',
        `rolling upgrade waits for every voter to be healthy and settled (${detail})`,
        // Nothing is being attempted while we wait: a pending transfer's clock must not run on.
        null,
        only ? settleDelay(view, only) : view.tuning.pollMs,
      );
    }

    const follower = outdated
      .filter((v) => !v.isLeader)
      .sort((a, b) => (b.ordinal ?? 0) - (a.ordinal ?? 0))[0];
    if (follower) return deletePod(view, follower, 'followers first, highest ordinal first');
    return leaderStep(view, leader);
  },
};

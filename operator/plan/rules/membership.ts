/**
 * Raft membership follows spec.replicas, one change at a time, each checked against the leader's
 * configuration version (optimistic concurrency) and against quorum.
 *
 * Scale up (and the second half of forming): StatefulSet replicas first, so the pods exist; then each
 * missing member joins as a non-voter (it cannot be elected and does not count for quorum while it catches
 * up), and is promoted only once it could take over leadership — healthy, caught up, conductor active,
 * Ready for minReadySeconds. Base's outage was a hand-off to a member that could not sequence; a member
 * that cannot lead never gets a vote.
 *
 * Scale down: members leave Raft first, highest ordinal first, leadership moved away beforehand; only when
 * no removed ordinal is left in the configuration does the StatefulSet shrink (etcd-operator order).
 */
import { raftAddress } from '../identity.js';
import { elapsed, seconds } from '../memory.js';
import type { MemberFacts } from '../health.js';
import { canPromote, canRemove, hasHealthyMajority, majority } from '../quorum.js';
import type { Step } from '../step.js';
import type { ClusterView } from '../view.js';
import { list, stalledStep, waitStep, type Rule } from './build.js';
import { transferAway } from './transfer.js';

export const quorumRule: Rule = {
  id: 'quorum',
  summary:
    'a configuration exists but no leader → wait for the election (stalled QuorumLost without a healthy majority)',
  decide(view) {
    if (view.leader || !view.anyConfiguration) return null;
    const q = hasHealthyMajority(view.voters);
    const sick = view.voters.filter((v) => !v.healthy).map((v) => ({ pod: v.pod, why: v.unhealthyBecause }));
    if (q.ok) {
      return waitStep(
        view,
        'quorum',
        'NoLeader',
        `no conductor reports being leader; waiting for an election (${q.detail})`,
      );
    }
    return stalledStep(
      view,
      'quorum',
      'QuorumLost',
      `no leader and no healthy majority (${q.detail}; ${list(sick)})`,
    );
  },
};

export const pendingChangeRule: Rule = {
  id: 'pendingChange',
  summary:
    "the leader's newest configuration is not yet held by a majority of its voters → wait (nothing proceeds while a membership change is pending)",
  decide(view) {
    const leader = view.leader;
    const membership = view.membership;
    if (!leader || !membership) return null;
    const holding = view.voters.filter(
      (v) => (v.conductor?.membership.version ?? -1) >= membership.version,
    ).length;
    const needed = majority(view.voters.length);
    if (holding >= needed) return null;
    return waitStep(
      view,
      'pendingChange',
      'MembershipChangePending',
      `configuration v${membership.version} is held by ${holding} of ${view.voters.length} voters (${needed} needed to commit); waiting before the next change`,
    );
  },
};

export const scaleUpRule: Rule = {
  id: 'scale',
  summary:
    'StatefulSet replicas < spec.replicas → scaleStatefulSet up first (pods must exist before they join)',
  decide(view) {
    const sts = view.observed.statefulSet;
    const wanted = view.observed.desired.replicas;
    if (!view.leader || !sts || sts.replicas >= wanted) return null;
    return {
      kind: 'scaleStatefulSet',
      rule: 'scale',
      code: 'ScalingUp',
      reason: `scaling the StatefulSet from ${sts.replicas} to ${wanted} replicas; new pods join Raft one at a time`,
      replicas: wanted,
    };
  },
};

function byOrdinalDescending(a: MemberFacts, b: MemberFacts): number {
  return (b.ordinal ?? Number.MAX_SAFE_INTEGER) - (a.ordinal ?? Number.MAX_SAFE_INTEGER);
}

/** A desired non-voter: promote it once it could lead, else wait for it (stalled after memberRestartTimeout). */
function promote(view: ClusterView, member: MemberFacts, version: number): Step {
  const { observed } = view;
  const operation = { phase: 'AddingMember' as const, pod: member.pod, target: null };
  // Everything canLead requires except being a voter already.
  const blocker = member.cannotLeadBecause === 'not a voter' ? null : member.cannotLeadBecause;
  if (blocker !== null) {
    const spent = elapsed(observed, 'AddingMember', member.pod);
    const timeout = observed.desired.updateStrategy.memberRestartTimeoutMs;
    if (spent > timeout) {
      return stalledStep(
        view,
        'membership',
        'MemberJoinTimeout',
        `non-voter ${member.pod} has not become promotable in ${seconds(spent)}: ${blocker}`,
        operation,
      );
    }
    return waitStep(
      view,
      'membership',
      'CatchingUp',
      `non-voter ${member.pod} is not promotable yet: ${blocker}`,
      operation,
    );
  }
  const q = canPromote(view.voters, member);
  if (!q.ok)
    return waitStep(
      view,
      'membership',
      'WaitingForQuorum',
      `not promoting ${member.pod}: ${q.detail}`,
      operation,
    );
  return {
    kind: 'promoteVoter',
    rule: 'membership',
    code: 'PromotingMember',
    reason: `${member.pod} is healthy and caught up: promoting it to voter`,
    pod: member.pod,
    id: member.pod,
    address: member.server!.addr,
    version,
    operation,
  };
}

function removeExtra(view: ClusterView, member: MemberFacts, version: number): Step {
  const operation = { phase: 'RemovingMember' as const, pod: member.pod, target: null };
  if (member.isLeader) {
    return transferAway(
      view,
      'membership',
      member.pod,
      { upToDate: false },
      `${member.pod} leads but is being removed`,
    );
  }
  if (member.voter) {
    const q = canRemove(view.voters, member.pod);
    if (!q.ok) {
      return waitStep(
        view,
        'membership',
        'WaitingForQuorum',
        `not removing ${member.pod} yet: ${q.detail}`,
        operation,
      );
    }
  }
  return {
    kind: 'removeMember',
    rule: 'membership',
    code: 'RemovingMember',
    reason: `${member.pod} is not in spec (replicas ${view.observed.desired.replicas}): removing it from Raft before its pod goes`,
    pod: member.pod,
    id: member.pod,
    version,
    operation,
  };
}

/** A desired pod missing from the configuration: add it as a non-voter once its conductor answers. */
function join(view: ClusterView, member: MemberFacts, version: number): Step {
  const { observed } = view;
  const operation = { phase: 'AddingMember' as const, pod: member.pod, target: null };
  const pod = member.podObs;
  const blocker = !pod
    ? 'pod does not exist'
    : pod.terminating
      ? 'pod is terminating'
      : pod.phase !== 'Running'
        ? `pod is ${pod.phase}`
        : !member.conductor
          ? 'conductor unreachable'
          : member.conductor.stopped
            ? 'conductor is stopped'
            : null;
  if (blocker !== null) {
    const spent = elapsed(observed, 'AddingMember', member.pod);
    const timeout = observed.desired.updateStrategy.memberRestartTimeoutMs;
    if (spent > timeout) {
      return stalledStep(
        view,
        'membership',
        'MemberJoinTimeout',
        `${member.pod} cannot join after ${seconds(spent)}: ${blocker}`,
        operation,
      );
    }
    return waitStep(
      view,
      'membership',
      'WaitingForPod',
      `${member.pod} cannot join yet: ${blocker}`,
      operation,
    );
  }
  return {
    kind: 'addNonvoter',
    rule: 'membership',
    code: 'AddingMember',
    reason: `adding ${member.pod} to Raft as a non-voter; it is promoted once caught up`,
    pod: member.pod,
    id: member.pod,
    address: raftAddress(observed.cluster.name, observed.cluster.namespace, member.pod),
    version,
    operation,
  };
}

export const membershipRule: Rule = {
  id: 'membership',
  summary:
    "one change, on the leader's version, with a healthy majority: promote the desired non-voter once it can lead; remove a non-desired non-voter; remove the highest non-desired voter (transfer away first if it leads; quorum-gated); add the lowest missing desired pod as non-voter",
  decide(view) {
    const leader = view.leader;
    const membership = view.membership;
    if (!leader || !membership) return null;
    const inConfig = view.members.filter((m) => m.server !== null);
    const missing = view.members.filter((m) => m.desired && m.server === null);
    if (inConfig.every((m) => m.desired && m.voter) && missing.length === 0) return null;

    const q = hasHealthyMajority(view.voters);
    if (!q.ok) {
      return waitStep(
        view,
        'membership',
        'WaitingForQuorum',
        `membership changes need a healthy majority (${q.detail})`,
      );
    }
    const version = membership.version;
    const nonvoters = inConfig.filter((m) => m.nonvoter);
    const desiredNonvoter = nonvoters.find((m) => m.desired);
    if (desiredNonvoter) return promote(view, desiredNonvoter, version);
    const strayNonvoter = nonvoters.find((m) => !m.desired);
    if (strayNonvoter) return removeExtra(view, strayNonvoter, version);
    const extraVoter = inConfig.filter((m) => m.voter && !m.desired).sort(byOrdinalDescending)[0];
    if (extraVoter) return removeExtra(view, extraVoter, version);
    return join(view, missing[0]!, version);
  },
};

export const scaleDownRule: Rule = {
  id: 'scale',
  summary: 'StatefulSet replicas > spec.replicas and no removed ordinal left in Raft → scaleStatefulSet down',
  decide(view) {
    const sts = view.observed.statefulSet;
    const wanted = view.observed.desired.replicas;
    if (!view.leader || !sts || sts.replicas <= wanted) return null;
    const stillMembers = view.members.filter((m) => m.server !== null && !m.desired);
    if (stillMembers.length > 0) return null; // membership.ts removes them first
    return {
      kind: 'scaleStatefulSet',
      rule: 'scale',
      code: 'ScalingDown',
      reason: `every member above ordinal ${wanted - 1} has left Raft: scaling the StatefulSet from ${sts.replicas} to ${wanted}`,
      replicas: wanted,
      operation: null,
    };
  },
};

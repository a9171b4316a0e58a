/**
 * Forming a Raft cluster from nothing, and never again.
 *
 * Exactly one pod — `<cluster>-0` — is allowed to bootstrap a one-voter configuration, by naming it in
 * the bootstrap ConfigMap; its conductor does so only if its own data is empty. Everything after that
 * (joining the others as non-voters, promoting them) is the ordinary scale-up path in membership.ts.
 *
 * A second bootstrap while any member holds Raft state would create a second cluster — two leaders, a
 * forked chain. So the bootstrap member is named only when (a) the operator has never seen a cluster
 * (status.raft.formed is false), (b) no reachable conductor reports a configuration, and (c) every
 * existing pod's conductor answered (a silent one may hold old state, e.g. PVCs kept from an earlier
 * incarnation of this cluster). It is cleared as soon as a configuration exists: earlier than "when all
 * members are voters", which closes the window in which a pod-0 that lost its disk could bootstrap again.
 */
import { podName } from '../identity.js';
import { current, elapsed, seconds } from '../memory.js';
import type { ClusterView } from '../view.js';
import { stalledStep, waitStep, type Rule } from './build.js';

function notYetFormed(view: ClusterView) {
  const { observed } = view;
  const first = podName(observed.cluster.name, 0);
  const operation = { phase: 'Bootstrapping' as const, pod: first, target: null };
  const bootstrapMember = observed.memory.raft.bootstrapMember;

  if (bootstrapMember !== null) {
    const restart = restartToReadBootstrapMember(view, bootstrapMember);
    if (restart) return restart;
    const spent = elapsed(observed, 'Bootstrapping', bootstrapMember);
    const timeout = observed.desired.updateStrategy.memberRestartTimeoutMs;
    if (spent > timeout) {
      return stalledStep(
        view,
        'forming',
        'BootstrapTimeout',
        `${bootstrapMember} was named bootstrap member ${seconds(spent)} ago and has not formed a cluster; check its conductor (is its data directory empty, does it read the bootstrap ConfigMap?)`,
        { ...operation, pod: bootstrapMember },
      );
    }
    return waitStep(
      view,
      'forming',
      'Bootstrapping',
      `waiting for ${bootstrapMember} to bootstrap a one-voter Raft cluster`,
      { ...operation, pod: bootstrapMember },
    );
  }

  const pod0 = view.member(first);
  if (!pod0?.podObs || pod0.podObs.terminating) {
    return waitStep(
      view,
      'forming',
      'WaitingForPods',
      `waiting for ${first} to exist before bootstrapping`,
      operation,
    );
  }
  const silent = view.observed.pods.filter((p) => !view.member(p.name)?.conductor).map((p) => p.name);
  if (silent.length > 0) {
    return waitStep(
      view,
      'forming',
      'WaitingForConductors',
      `waiting for every conductor to answer before bootstrapping (one with old Raft state would fork the chain): ${silent.join(', ')}`,
      operation,
    );
  }
  return {
    kind: 'setBootstrapMember' as const,
    rule: 'forming' as const,
    code: 'Bootstrapping',
    reason: `no conductor has Raft state: ${first} may bootstrap a one-voter cluster`,
    pod: first,
    operation,
  };
}

/**
 * The bootstrap member's conductor reads the ConfigMap only when its container starts. If it was
 * already running when the member was named (the operator names it only after every conductor
 * answered, so usually it was), restart the pod so it starts again with the name. Safe: that pod has
 * no Raft state (no configuration anywhere) and nothing depends on it yet.
 */
function restartToReadBootstrapMember(view: ClusterView, bootstrapMember: string) {
  const named = current(view.observed, 'Bootstrapping', bootstrapMember);
  const member = view.member(bootstrapMember);
  const pod = member?.podObs;
  // attemptedAt is when the last action of this operation was sent: naming the member, or an earlier
  // restart — a conductor started after it has read the name.
  if (!named || named.attemptedAt === null || !pod || pod.terminating || pod.conductorStartedAt === null)
    return null;
  if (pod.conductorStartedAt >= named.attemptedAt) return null;
  if (!member.conductor || member.conductor.membership.servers.length > 0) return null;
  return {
    kind: 'deletePod' as const,
    rule: 'forming' as const,
    code: 'RestartForBootstrap',
    reason: `restarting ${bootstrapMember}: its conductor started before it was named bootstrap member and reads the name only at start`,
    pod: bootstrapMember,
    operation: { phase: 'Bootstrapping' as const, pod: bootstrapMember, target: null },
  };
}

function formedButEmpty(view: ClusterView) {
  const silent = view.members.filter((m) => m.podObs && !m.conductor).map((m) => m.pod);
  if (silent.length > 0 || view.observed.pods.length === 0) {
    return waitStep(
      view,
      'forming',
      'NoConfigurationReported',
      `the cluster was formed but no reachable conductor reports a Raft configuration; waiting for ${silent.join(', ') || 'pods'}`,
    );
  }
  return stalledStep(
    view,
    'forming',
    'RaftStateLost',
    'the cluster was formed but every conductor reports an empty Raft configuration; refusing to bootstrap again (that would fork the chain) — restore Raft state or follow the disaster-recovery runbook',
  );
}

export const formingRule: Rule = {
  id: 'forming',
  summary:
    'no configuration anywhere: never formed → setBootstrapMember(pod-0) once every pod answers, then wait (stalled after memberRestartTimeout); formed before → stalled (never re-bootstrap); a configuration exists and the bootstrap member is still set → clearBootstrapMember',
  decide(view) {
    const { memory } = view.observed;
    if (view.anyConfiguration) {
      if (memory.raft.bootstrapMember === null) return null;
      return {
        kind: 'clearBootstrapMember',
        rule: 'forming',
        code: 'Bootstrapped',
        reason: `a Raft configuration exists: no pod may bootstrap any more (was ${memory.raft.bootstrapMember})`,
        operation: null,
      };
    }
    return memory.raft.formed ? formedButEmpty(view) : notYetFormed(view);
  },
};

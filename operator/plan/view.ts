/**
 * One consistent picture of the cluster, joined on pod name = Raft server id: for every pod that is
 * desired, exists, or appears in the configuration, what Kubernetes and the conductors say about it.
 *
 * The authoritative configuration is the leader's (it is the newest one and the one membership RPCs are
 * checked against). Without a leader, the newest configuration any conductor reports stands in, for
 * status and quorum arithmetic only — no membership change can be made without a leader anyway.
 */
import { checkConsistency, reachableConductors, type Consistency, type Reachable } from './consistency.js';
import { memberFacts, type MemberFacts } from './health.js';
import { desiredPods, ordinalOf } from './identity.js';
import type { Membership, Observed } from './observed.js';
import type { PlanTuning } from './tuning.js';

export interface ClusterView {
  readonly observed: Observed;
  readonly tuning: PlanTuning;
  readonly consistency: Consistency;
  readonly desiredPods: readonly string[];
  /** The unique leader every conductor agrees with (null: none, or not trustworthy). */
  readonly leader: MemberFacts | null;
  /** The leader's configuration; without a leader the newest reported one; null when none is reported. */
  readonly membership: Membership | null;
  /** Some reachable conductor reports a non-empty configuration: a cluster exists. */
  readonly anyConfiguration: boolean;
  /** Every known member, by ordinal (names that are not `<cluster>-<n>` last). */
  readonly members: readonly MemberFacts[];
  /** Voters of `membership`. */
  readonly voters: readonly MemberFacts[];
  readonly referenceHead: number | null;
  member(pod: string): MemberFacts | undefined;
}

function newestMembership(reachable: readonly Reachable[]): Membership | null {
  let best: Membership | null = null;
  for (const c of reachable) {
    if (c.membership.servers.length === 0) continue;
    if (!best || c.membership.version > best.version) best = c.membership;
  }
  return best;
}

export function buildView(observed: Observed, tuning: PlanTuning): ClusterView {
  const { cluster, desired } = observed;
  const consistency = checkConsistency(observed.conductors);
  const reachable = reachableConductors(observed.conductors);
  const leaderConductor = consistency.ok ? consistency.leader : null;
  const membership = leaderConductor ? leaderConductor.membership : newestMembership(reachable);

  // "Caught up" means close to the *leader's* head. If the leader's op-node did not answer, the best head
  // among followers is no substitute (they may all be behind): lag is then unknown, Raft lag decides.
  const referenceHead = leaderConductor
    ? (leaderConductor.unsafeHead?.number ?? null)
    : reachable.reduce<number | null>(
        (max, c) => (c.unsafeHead && (max === null || c.unsafeHead.number > max) ? c.unsafeHead.number : max),
        null,
      );

  const wanted = desiredPods(cluster.name, desired.replicas);
  const names = new Set<string>(wanted);
  for (const p of observed.pods) names.add(p.name);
  for (const s of membership?.servers ?? []) names.add(s.id);
  for (const c of observed.conductors) names.add(c.pod);

  const members = [...names]
    .map((pod) => {
      const ordinal = ordinalOf(cluster.name, pod);
      return memberFacts({
        pod,
        ordinal,
        desired: ordinal !== null && ordinal < desired.replicas,
        podObs: observed.pods.find((p) => p.name === pod) ?? null,
        conductor: reachable.find((c) => c.pod === pod) ?? null,
        server: membership?.servers.find((s) => s.id === pod) ?? null,
        isLeader: leaderConductor?.pod === pod,
        updateRevision: desired.updateRevision,
        referenceHead,
        minReadyMs: desired.updateStrategy.minReadySeconds * 1000,
        now: observed.now,
        tuning,
      });
    })
    .sort(
      (a, b) =>
        (a.ordinal ?? Number.MAX_SAFE_INTEGER) - (b.ordinal ?? Number.MAX_SAFE_INTEGER) ||
        (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0),
    );

  const byPod = new Map(members.map((m) => [m.pod, m]));
  return {
    observed,
    tuning,
    consistency,
    desiredPods: wanted,
    leader: leaderConductor ? (byPod.get(leaderConductor.pod) ?? null) : null,
    membership,
    anyConfiguration: reachable.some((c) => c.membership.servers.length > 0),
    members,
    voters: members.filter((m) => m.voter),
    referenceHead,
    member: (pod) => byPod.get(pod),
  };
}

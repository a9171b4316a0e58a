/**
 * Can we trust what the conductors say? Raft guarantees at most one leader per term and a single history
 * of configurations; some combinations of answers can only come from two clusters that should be one (a
 * member that bootstrapped on its own — a fork) or from a human doing disaster recovery. In either case
 * the operator must stand back: every action it could take (a transfer, a membership change, a restart)
 * is chosen against one cluster's view and could make the other one worse.
 *
 * This file finds those cases and the one leader everybody can agree on. It flags only combinations Raft
 * cannot produce in a healthy run, or can produce only for a moment (the plan is recomputed every
 * reconcile, so a transient suspicion costs one requeue, not a stuck cluster).
 */
import type { ConductorObservation, ConductorView, Membership } from './observed.js';

/** conductor_leaderWithID's id while conductor_overrideLeader(true) is in effect (op-conductor service.go). */
export const OVERRIDDEN_LEADER_ID = 'N/A (Leader overridden)';

export type Reachable = { readonly pod: string; readonly reachable: true } & ConductorView;

export type Consistency =
  | { readonly ok: true; readonly leader: Reachable | null; readonly waitReason: string | null }
  | { readonly ok: false; readonly code: string; readonly reason: string };

export function reachableConductors(conductors: readonly ConductorObservation[]): Reachable[] {
  return conductors.filter((c): c is Reachable => c.reachable);
}

function sameMembership(a: Membership, b: Membership): boolean {
  if (a.version !== b.version || a.servers.length !== b.servers.length) return false;
  const key = (m: Membership) =>
    m.servers
      .map((s) => `${s.id}|${s.addr}|${s.suffrage}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

function voterIds(m: Membership): Set<string> {
  return new Set(m.servers.filter((s) => s.suffrage === 0).map((s) => s.id));
}

function describe(c: Reachable): string {
  return `${c.pod} (v${c.membership.version}: ${c.membership.servers.map((s) => s.id).join(',') || 'empty'})`;
}

export function checkConsistency(conductors: readonly ConductorObservation[]): Consistency {
  const reachable = reachableConductors(conductors);

  // A human has overridden leadership for disaster recovery (op-conductor RUNBOOK): Raft no longer decides
  // who sequences, so nothing the operator derives from Raft is meaningful until the override is lifted.
  const overridden = reachable.filter((c) => c.leaderWithId.id === OVERRIDDEN_LEADER_ID);
  if (overridden.length > 0) {
    return {
      ok: false,
      code: 'LeaderOverridden',
      reason: `leader override is set on ${overridden.map((c) => c.pod).join(', ')} (disaster recovery in progress); the operator takes no action until it is cleared`,
    };
  }

  const withConfig = reachable.filter((c) => c.membership.servers.length > 0);

  // Two configurations at the same index with different servers: one index, two histories.
  for (let i = 0; i < withConfig.length; i++) {
    for (let j = i + 1; j < withConfig.length; j++) {
      const a = withConfig[i]!;
      const b = withConfig[j]!;
      if (a.membership.version === b.membership.version && !sameMembership(a.membership, b.membership)) {
        return {
          ok: false,
          code: 'SplitBrainSuspected',
          reason: `conflicting Raft configurations at the same version: ${describe(a)} vs ${describe(b)}`,
        };
      }
      // Configurations that share no voter cannot descend from one another through single-server
      // changes by an operator that keeps ordinals stable: two clusters exist.
      const av = voterIds(a.membership);
      const bv = voterIds(b.membership);
      if (av.size > 0 && bv.size > 0 && ![...av].some((id) => bv.has(id))) {
        return {
          ok: false,
          code: 'SplitBrainSuspected',
          reason: `disjoint Raft configurations (two clusters): ${describe(a)} vs ${describe(b)}`,
        };
      }
    }
  }

  const claims = withConfig.filter((c) => c.leader);
  if (claims.length > 1) {
    const first = claims[0]!;
    if (claims.some((c) => !sameMembership(c.membership, first.membership))) {
      return {
        ok: false,
        code: 'SplitBrainSuspected',
        reason: `several conductors claim leadership with different configurations: ${claims.map(describe).join(' vs ')}`,
      };
    }
    // Same configuration: a deposed leader that has not noticed yet (it steps down within a lease timeout).
    return {
      ok: true,
      leader: null,
      waitReason: `${claims.map((c) => c.pod).join(' and ')} both claim leadership; waiting for the stale one to step down`,
    };
  }

  const leader = claims[0] ?? null;
  if (leader) {
    // A follower cannot hold a configuration newer than the leader's except for a moment (an entry from
    // an old term that the new leader will overwrite). Anything else is a second history.
    const ahead = withConfig.find(
      (c) =>
        c.membership.version > leader.membership.version && !sameMembership(c.membership, leader.membership),
    );
    if (ahead) {
      return {
        ok: false,
        code: 'SplitBrainSuspected',
        reason: `${describe(ahead)} reports a newer configuration than the leader ${describe(leader)}`,
      };
    }
  }
  return { ok: true, leader, waitReason: null };
}

/**
 * Role labels route the `active` Service: exactly the pod whose conductor leads *and* whose sequencer is
 * producing blocks is `active`, every other pod is `standby`. With no such pod, none is active — the
 * Service then has no endpoints, which fails fast, instead of pointing clients at a follower.
 */
import type { ClusterView } from '../view.js';
import type { Rule } from './build.js';

/** The pod that should carry `baton.dev/role=active`, or null. */
export function activePod(view: ClusterView): string | null {
  const leader = view.leader;
  const c = leader?.conductor;
  if (!leader || !c || !leader.podObs) return null;
  const sequencing = c.sequencerActive ?? (c.active && c.sequencerHealthy);
  return sequencing ? leader.pod : null;
}

export const roleLabelsRule: Rule = {
  id: 'roleLabels',
  summary: 'a pod whose role label differs from (leader ∧ sequencing ? active : standby) → setRoleLabels',
  decide(view) {
    const active = activePod(view);
    const wrong = view.observed.pods.filter((p) => p.role !== (p.name === active ? 'active' : 'standby'));
    if (wrong.length === 0) return null;
    return {
      kind: 'setRoleLabels',
      rule: 'roleLabels',
      code: 'RoleLabels',
      reason: active
        ? `${active} leads and sequences: labelling it active, every other pod standby`
        : 'no pod both leads and sequences: labelling every pod standby',
      active,
    };
  },
};

/**
 * Disruption safety: the leader's pod is being deleted by someone else (kubectl drain, eviction, a node
 * going away). The PDB on the `active` role should prevent voluntary evictions, but a direct delete or a
 * preemption goes through; moving leadership now costs one block slot, losing the leader costs an
 * election timeout plus catch-up. Non-disruptive, so no quorum gate — only a usable target.
 */
import type { Rule } from './build.js';
import { transferAway } from './transfer.js';

export const drainRule: Rule = {
  id: 'drain',
  summary: "leader's pod terminating → transferLeadership to a healthy caught-up voter now (stalled if none)",
  decide(view) {
    const leader = view.leader;
    if (!leader?.podObs?.terminating) return null;
    return transferAway(
      view,
      'drain',
      leader.pod,
      { upToDate: false },
      `the leader's pod ${leader.pod} is being deleted`,
    );
  },
};

/**
 * Disruption safety: the leader's pod is being deleted by someone else (a direct delete, a preemption, a
 * node going away), or its node is cordoned — `kubectl drain` cordons first, and the PDB on the `active`
 * role (render/pdb.ts) refuses to evict the leader, so the drain waits until leadership has moved. Moving
 * it now costs at most one block slot; losing the leader costs an election timeout plus catch-up.
 * Non-disruptive, so no quorum gate — only a usable target, never one on a cordoned node (health.ts).
 */
import type { Rule } from './build.js';
import { transferAway } from './transfer.js';

export const drainRule: Rule = {
  id: 'drain',
  summary:
    "leader's pod terminating or on a cordoned node → transferLeadership to a healthy caught-up voter now (stalled if none)",
  decide(view) {
    const leader = view.leader;
    const pod = leader?.podObs;
    if (!leader || !pod || (!pod.terminating && !pod.nodeCordoned)) return null;
    return transferAway(
      view,
      'drain',
      leader.pod,
      { upToDate: false },
      pod.terminating
        ? `the leader's pod ${leader.pod} is being deleted`
        : `the leader's pod ${leader.pod} is on a cordoned node (being drained)`,
    );
  },
};

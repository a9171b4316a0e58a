/**
 * Who takes over leadership when the operator moves it (before restarting the leader, before removing it
 * on scale down, when its pod is being drained). Only a voter that can lead right now qualifies: healthy,
 * caught up, conductor active and unpaused, pod Ready for minReadySeconds (health.ts `canLead`). Handing
 * off to anything less is how Base halted for 33 minutes (op-conductor reference §9). Among the qualified,
 * prefer one already on the update revision (so it is not restarted next and leadership moves only once),
 * then the most caught-up, then the lowest ordinal so the choice is deterministic.
 */
import type { MemberFacts } from './health.js';

export type TargetChoice =
  { readonly ok: true; readonly member: MemberFacts } | { readonly ok: false; readonly reason: string };

export interface TargetRequirements {
  /** Only members already on the update revision (the leader step of a rolling upgrade). */
  readonly upToDate: boolean;
}

export function selectTransferTarget(
  voters: readonly MemberFacts[],
  from: string,
  requirements: TargetRequirements,
): TargetChoice {
  const others = voters.filter((v) => v.pod !== from);
  const why = (v: MemberFacts): string | null =>
    !v.desired
      ? 'being removed'
      : v.cannotLeadBecause !== null
        ? v.cannotLeadBecause
        : requirements.upToDate && !v.upToDate
          ? 'not on the update revision'
          : null;
  const usable = others.filter((v) => why(v) === null);
  if (usable.length === 0) {
    const detail = others.map((v) => `${v.pod}: ${why(v) ?? 'usable'}`).join('; ');
    return { ok: false, reason: `no voter can take over leadership (${detail || 'no other voters'})` };
  }
  const best = [...usable].sort(
    (a, b) =>
      Number(b.upToDate) - Number(a.upToDate) ||
      (a.headLag ?? Number.MAX_SAFE_INTEGER) - (b.headLag ?? Number.MAX_SAFE_INTEGER) ||
      (a.conductor?.raftLag ?? Number.MAX_SAFE_INTEGER) - (b.conductor?.raftLag ?? Number.MAX_SAFE_INTEGER) ||
      (a.ordinal ?? Number.MAX_SAFE_INTEGER) - (b.ordinal ?? Number.MAX_SAFE_INTEGER),
  )[0]!;
  return { ok: true, member: best };
}

/**
 * The reconcile loop in miniature: observe the model, plan, check the step against the model's ground
 * truth, write status (the planner's memory), execute, let time pass. Steps the model rejects (a stale
 * configuration version, a transfer from a node that is no longer leader) are ignored, as the controller
 * would just plan again.
 */
import { plan } from '../plan.js';
import { majority } from '../quorum.js';
import { computeStatus, memoryFromStatus, type SequencerClusterStatus } from '../status.js';
import type { Step } from '../step.js';
import type { ClusterModel } from './model.js';

export interface RunResult {
  converged: boolean;
  steps: Step[];
  violations: string[];
  status: SequencerClusterStatus | null;
}

/** Invariant 4 and the transfer rule, judged on the model's ground truth. */
export function safetyViolations(model: ClusterModel, step: Step): string[] {
  const out: string[] = [];
  const voters = model.voters();
  if (step.kind === 'deletePod') {
    if (step.pod === model.leader) out.push(`deletePod on the leader ${step.pod}`);
    if (voters.includes(step.pod)) {
      const left = voters.filter((v) => v !== step.pod && model.healthy(v)).length;
      if (left < majority(voters.length))
        out.push(`deletePod ${step.pod} leaves ${left}/${voters.length} healthy`);
    }
  }
  if (step.kind === 'removeMember' && voters.includes(step.id)) {
    const rest = voters.filter((v) => v !== step.id);
    const left = rest.filter((v) => model.healthy(v)).length;
    if (left < majority(rest.length))
      out.push(`removeMember ${step.id} leaves ${left}/${rest.length} healthy`);
  }
  if (step.kind === 'transferLeadership' && (!model.healthy(step.to) || !voters.includes(step.to))) {
    out.push(`transfer to ${step.to}, which is not a healthy voter`);
  }
  if (
    step.kind === 'setBootstrapMember' &&
    [...model.members.values()].some((m) => m.config.servers.length > 0)
  ) {
    out.push('bootstrap while Raft state exists');
  }
  return out;
}

export interface RunOptions {
  maxSteps: number;
  /** Called before each observation (fault injection, spec edits). */
  before?: (model: ClusterModel, i: number) => void;
  /** Stop as soon as the model converged and the planner is idle (default true). */
  stopWhenConverged?: boolean;
}

export function run(model: ClusterModel, options: RunOptions): RunResult {
  let status: SequencerClusterStatus | null = null;
  const steps: Step[] = [];
  const violations: string[] = [];
  for (let i = 0; i < options.maxSteps; i++) {
    options.before?.(model, i);
    // Quorum as Raft sees it: live voters must stay a majority unless faults alone broke it.
    const voters = model.voters();
    const alive = voters.filter((v) => model.raftAlive(v)).length;
    if (voters.length > 0 && alive < majority(voters.length)) {
      violations.push(`step ${i}: only ${alive}/${voters.length} voters alive`);
    }
    const observed = model.observe(memoryFromStatus(status));
    const step = plan(observed);
    steps.push(step);
    violations.push(...safetyViolations(model, step).map((v) => `step ${i}: ${v}`));
    status = computeStatus(observed, step, status);
    try {
      model.apply(step);
    } catch {
      // rejected by "Raft": plan again next round
    }
    if ((options.stopWhenConverged ?? true) && step.kind === 'none' && model.converged()) {
      return { converged: true, steps, violations, status };
    }
    const idle = step.kind === 'wait' || step.kind === 'stalled' || step.kind === 'none';
    model.advance(idle ? Math.min(step.requeueAfterMs, 2_000) : 200);
  }
  return { converged: model.converged(), steps, violations, status };
}

export function kinds(steps: readonly Step[]): string[] {
  return steps
    .filter((s) => s.kind !== 'wait')
    .map((s) => (s.kind === 'deletePod' ? `deletePod:${s.pod}` : s.kind));
}

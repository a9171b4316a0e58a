/**
 * The PodDisruptionBudget: at most one member voluntarily disrupted (drained, evicted) at a time.
 *
 * Why maxUnavailable 1 rather than minAvailable = majority: for 3 members they are the same, for 5
 * and 7 the majority budget would allow two or three evictions at once, each taking a voter and the
 * fault tolerance with it, and it would have to be re-rendered on every scale. maxUnavailable counts
 * unready members as unavailable, so while one member is down or catching up no other can be evicted
 * — the "never disrupt a healthy member while another is unhealthy" rule. IfHealthyBudget (not
 * AlwaysAllow) keeps an unready-but-voting member from being evicted while the budget is spent.
 * The operator additionally moves leadership before restarting the leader; this budget is the net
 * under disruptions the operator did not start.
 */
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import {
  activePodDisruptionBudgetName,
  activeSelectorLabels,
  podDisruptionBudgetName,
  selectorLabels,
} from '../api/names.js';
import type { RenderContext } from './context.js';
import { objectMeta } from './metadata.js';

export function renderPodDisruptionBudget(ctx: RenderContext): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMeta(ctx.cluster, podDisruptionBudgetName(ctx.name)),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(ctx.name) },
      unhealthyPodEvictionPolicy: 'IfHealthyBudget',
    },
  };
}

/**
 * The active sequencer is never evicted: `kubectl drain` and other eviction callers retry until the pod is
 * no longer labelled active, which happens once the operator has moved leadership off it (it does as soon
 * as the node is cordoned, plan/rules/drain.ts). Evicting the leader instead would cost an election
 * timeout plus a catch-up; moving leadership first costs at most one block slot. A direct delete is not
 * an eviction and is not held up (the drain rule moves leadership while the pod terminates). With
 * AlwaysAllow an active pod that is not Ready (the chain is down anyway) can still be evicted.
 */
export function renderActivePodDisruptionBudget(ctx: RenderContext): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMeta(ctx.cluster, activePodDisruptionBudgetName(ctx.name)),
    spec: {
      maxUnavailable: 0,
      selector: { matchLabels: activeSelectorLabels(ctx.name) },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}

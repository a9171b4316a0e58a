/**
 * Carries out the one step the planner chose. Every action is idempotent or guarded, because the planner
 * may choose it again from a cache that has not seen its effect yet:
 *
 * - StatefulSet create/scale and the bootstrap ConfigMap go through server-side apply of the object the
 *   controller rendered this reconcile, with the step's replicas / bootstrap member set on it;
 * - membership changes go to the Raft leader's conductor with the configuration version the decision was
 *   made on, so a stale decision fails (`configuration changed since`) instead of applying twice;
 * - a pod is deleted with a uid precondition, so a pod the StatefulSet already recreated is never
 *   deleted by a decision about its predecessor;
 * - role labels are merge-patched only on pods whose label differs.
 */
import { ROLE_LABEL } from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import { ConductorClient } from '../../conductor/rpc/client.js';
import type { Observed, Step } from '../plan/index.js';
import {
  bootstrapConfigMapNaming,
  statefulSetWithReplicas,
  type RenderedCluster,
} from '../render/cluster.js';
import { MERGE_PATCH, serverSideApply } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { isNotFound, KubeApiError } from '../kube/client.js';
import type { ConductorResolver, PodObject } from './observe.js';
import { pathOf, PODS } from '../kube/resources.js';

export interface ExecuteContext {
  readonly client: KubeClient;
  readonly cluster: SequencerCluster;
  readonly observed: Observed;
  readonly pods: readonly PodObject[];
  /** The cluster as rendered this reconcile; a step sets its own replicas or bootstrap member on it. */
  readonly rendered: RenderedCluster;
  readonly resolver: ConductorResolver;
  readonly rpcTimeoutMs: number;
}

/** A step that could not be carried out for a reason the planner will see next time (not a bug). */
export class StepFailedError extends Error {
  override readonly name = 'StepFailedError';
}

function conductorOf(ctx: ExecuteContext, pod: string): ConductorClient {
  const object = ctx.pods.find((p) => p.metadata?.name === pod);
  if (!object) throw new StepFailedError(`pod ${pod} does not exist`);
  const endpoints = ctx.resolver.resolve(ctx.cluster, object);
  if ('unreachable' in endpoints) throw new StepFailedError(`cannot reach ${pod}: ${endpoints.unreachable}`);
  // Membership changes wait for a Raft commit; give them longer than the status reads.
  return new ConductorClient(endpoints.conductorUrl, { timeoutMs: Math.max(ctx.rpcTimeoutMs, 5_000) });
}

/** The conductor that says it is Raft leader (membership changes only work there). */
function leaderConductor(ctx: ExecuteContext): ConductorClient {
  const leader = ctx.observed.conductors.find((c) => c.reachable && c.leader);
  if (!leader) throw new StepFailedError('no reachable conductor is Raft leader');
  return conductorOf(ctx, leader.pod);
}

export async function executeStep(ctx: ExecuteContext, step: Step): Promise<void> {
  const { client } = ctx;
  switch (step.kind) {
    case 'createStatefulSet':
    case 'scaleStatefulSet': {
      await serverSideApply(client, statefulSetWithReplicas(ctx.rendered, step.replicas));
      return;
    }
    case 'setBootstrapMember':
    case 'clearBootstrapMember': {
      const member = step.kind === 'setBootstrapMember' ? step.pod : null;
      await serverSideApply(client, bootstrapConfigMapNaming(ctx.rendered, member));
      return;
    }
    case 'addNonvoter':
      return leaderConductor(ctx).addServerAsNonvoter(step.id, step.address, step.version);
    case 'promoteVoter':
      return leaderConductor(ctx).addServerAsVoter(step.id, step.address, step.version);
    case 'removeMember':
      return leaderConductor(ctx).removeServer(step.id, step.version);
    case 'demoteVoter':
      return leaderConductor(ctx).demoteVoter(step.id, step.version);
    case 'transferLeadership':
      return conductorOf(ctx, step.from).transferLeaderToServer(step.to, step.toAddress);
    case 'deletePod': {
      const pod = ctx.observed.pods.find((p) => p.name === step.pod);
      if (!pod) return; // already gone
      try {
        await client.request('DELETE', pathOf(PODS, ctx.observed.cluster.namespace, step.pod), {
          write: true,
          body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: pod.uid } },
        });
      } catch (e) {
        if (isNotFound(e)) return;
        if (e instanceof KubeApiError && e.code === 409)
          throw new StepFailedError(`pod ${step.pod} was already replaced (uid changed); planning again`);
        throw e;
      }
      return;
    }
    case 'setRoleLabels': {
      for (const pod of ctx.observed.pods) {
        const want = pod.name === step.active ? 'active' : 'standby';
        if (pod.role === want || pod.terminating) continue;
        await client.request('PATCH', pathOf(PODS, ctx.observed.cluster.namespace, pod.name), {
          write: true,
          contentType: MERGE_PATCH,
          query: { fieldManager: 'baton-operator' },
          body: { metadata: { labels: { [ROLE_LABEL]: want } } },
        });
      }
      return;
    }
    case 'wait':
    case 'stalled':
    case 'none':
      return;
  }
}

/**
 * renderCluster: the desired Kubernetes objects of one SequencerCluster, as plain object literals
 * (typed with @kubernetes/client-node models, apiVersion/kind set, owned by the cluster). Pure: the
 * same input always yields the same objects, and nothing here reads the cluster's status.
 */
import type {
  V1ConfigMap,
  V1PodDisruptionBudget,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import { bootstrapData, renderBootstrapConfigMap } from './bootstrap.js';
import type { RenderContext } from './context.js';
import { effectiveJwtSecret } from './jwt-secret.js';
import { identity, RenderError } from './metadata.js';
import { renderP2pConfigMap, type MemberP2pIds } from './p2p.js';
import { renderActivePodDisruptionBudget, renderPodDisruptionBudget } from './pdb.js';
import { renderServiceAccount } from './service-account.js';
import { renderServices } from './services.js';
import { renderStatefulSet } from './statefulset.js';

export interface RenderInput {
  /** The cluster as read from the API server (defaults applied, uid set). */
  readonly cluster: SequencerCluster;
  /** The operator's version; the default conductor image is `baton:<operatorVersion>`. */
  readonly operatorVersion: string;
  /** Name of the generated JWT Secret, used only when spec.jwtSecret is absent (default `<c>-jwt`). */
  readonly jwtSecretName?: string;
  /** The pod allowed to bootstrap Raft while forming a new cluster; null once formed. */
  readonly bootstrapMember: string | null;
  /**
   * StatefulSet replicas, when the controller is stepping membership (scale-in removes the Raft member
   * before shrinking the StatefulSet). Default spec.replicas.
   */
  readonly statefulSetReplicas?: number;
  /**
   * Digest of the user's ConfigMap/Secret values the members read at start (reconcile/validate.ts). It goes
   * into the pod template, so a change rolls the members. Absent: no annotation (offline rendering).
   */
  readonly configDigest?: string;
  /** Pod name → op-node peer id and op-geth node id, from `<c>-p2p-keys` (render/p2p.ts). Absent: members not listed. */
  readonly memberP2pIds?: Readonly<Record<string, MemberP2pIds>>;
}

export interface RenderedCluster {
  /** The pod template revision (also its `baton.dev/revision` annotation). */
  readonly revision: string;
  readonly statefulSet: V1StatefulSet;
  /** `<c>-peers`, `<c>-sequencer`, `<c>-rpc`. */
  readonly services: V1Service[];
  readonly podDisruptionBudget: V1PodDisruptionBudget;
  /** `<c>-active`: the leader's pod is not evicted before leadership moved off it. */
  readonly activePodDisruptionBudget: V1PodDisruptionBudget;
  readonly serviceAccount: V1ServiceAccount;
  /** `<c>-bootstrap`, `<c>-p2p`. */
  readonly configMaps: V1ConfigMap[];
  /** `<c>-bootstrap` (also in configMaps). */
  readonly bootstrapConfigMap: V1ConfigMap;
}

export function renderCluster(input: RenderInput): RenderedCluster {
  const { cluster } = input;
  const { name, namespace } = identity(cluster);
  const replicas = input.statefulSetReplicas ?? cluster.spec.replicas;
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new RenderError(`invalid StatefulSet replicas ${replicas}`);
  const ctx: RenderContext = {
    cluster,
    name,
    namespace,
    spec: cluster.spec,
    operatorVersion: input.operatorVersion,
    jwt: effectiveJwtSecret(cluster, input.jwtSecretName),
    configDigest: input.configDigest ?? null,
  };
  const { statefulSet, revision } = renderStatefulSet(ctx, replicas);
  const bootstrapConfigMap = renderBootstrapConfigMap(ctx, input.bootstrapMember);
  return {
    revision,
    statefulSet,
    services: renderServices(ctx),
    podDisruptionBudget: renderPodDisruptionBudget(ctx),
    activePodDisruptionBudget: renderActivePodDisruptionBudget(ctx),
    serviceAccount: renderServiceAccount(ctx),
    configMaps: [
      bootstrapConfigMap,
      renderP2pConfigMap(ctx, Math.max(replicas, cluster.spec.replicas), input.memberP2pIds),
    ],
    bootstrapConfigMap,
  };
}

/**
 * The rendered StatefulSet with the replicas a planner step chose (createStatefulSet, scaleStatefulSet):
 * replicas change only through planner steps, so the controller renders once with the current count and
 * the step takes its own from here, rather than rendering the whole cluster again.
 */
export function statefulSetWithReplicas(rendered: RenderedCluster, replicas: number): V1StatefulSet {
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new RenderError(`invalid StatefulSet replicas ${replicas}`);
  const { statefulSet } = rendered;
  return { ...statefulSet, spec: { ...statefulSet.spec!, replicas } };
}

/** The rendered `<c>-bootstrap` naming the member a planner step chose (setBootstrapMember), or nobody. */
export function bootstrapConfigMapNaming(rendered: RenderedCluster, member: string | null): V1ConfigMap {
  return { ...rendered.bootstrapConfigMap, data: bootstrapData(member) };
}

/** Every rendered object, in a safe apply order (identities and config before the pods that use them). */
export function renderedObjects(
  rendered: RenderedCluster,
): (V1ServiceAccount | V1ConfigMap | V1Service | V1PodDisruptionBudget | V1StatefulSet)[] {
  return [
    rendered.serviceAccount,
    ...rendered.configMaps,
    ...rendered.services,
    rendered.podDisruptionBudget,
    rendered.activePodDisruptionBudget,
    rendered.statefulSet,
  ];
}

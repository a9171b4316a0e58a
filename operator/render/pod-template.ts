/**
 * The member pod template: three containers (op-geth, op-node, conductor) plus the genesis init step,
 * the restricted security context, scheduling from spec.podTemplate, the digest of the user's config
 * values, and the revision annotation computed over everything else in the template.
 */
import type { V1Affinity, V1Container, V1PodTemplateSpec } from '@kubernetes/client-node';
import {
  clusterLabels,
  CONFIG_DIGEST_ANNOTATION,
  REVISION_ANNOTATION,
  selectorLabels,
  serviceAccountName,
} from '../api/names.js';
import { conductorContainer } from './conductor.js';
import type { RenderContext } from './context.js';
import { opGethContainer, gethInitContainer } from './op-geth.js';
import { opNodeContainer } from './op-node.js';
import { templateRevision } from './revision.js';
import { podSecurityContext } from './security.js';
import { podVolumes } from './volumes.js';

export function podTemplate(ctx: RenderContext): { template: V1PodTemplateSpec; revision: string } {
  const { podTemplate: pod, imagePullSecrets } = ctx.spec;
  const init = gethInitContainer(ctx);
  const initContainers: V1Container[] = init ? [init] : [];
  const template: V1PodTemplateSpec = {
    metadata: {
      // Ours last: a user label cannot replace the selector labels (CEL also rejects the prefixes).
      labels: { ...(pod.labels ?? {}), ...clusterLabels(ctx.name) },
      annotations: {
        ...(pod.annotations ?? {}),
        ...(ctx.configDigest !== null ? { [CONFIG_DIGEST_ANNOTATION]: ctx.configDigest } : {}),
      },
    },
    spec: {
      serviceAccountName: serviceAccountName(ctx.name),
      // Members never call the Kubernetes API.
      automountServiceAccountToken: false,
      // Service links would inject <SERVICE>_PORT-style variables into every container; a Service named
      // e.g. "op-node-rpc" would set OP_NODE_RPC_PORT, which op-node reads as its --rpc.port.
      enableServiceLinks: false,
      terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
      securityContext: podSecurityContext(),
      initContainers: initContainers.length > 0 ? initContainers : undefined,
      containers: [opGethContainer(ctx), opNodeContainer(ctx), conductorContainer(ctx)],
      volumes: podVolumes(ctx),
      imagePullSecrets,
      nodeSelector: pod.nodeSelector,
      tolerations: pod.tolerations,
      affinity: pod.affinity ?? defaultAffinity(ctx.name),
      topologySpreadConstraints: pod.topologySpreadConstraints,
      priorityClassName: pod.priorityClassName,
    },
  };
  const revision = templateRevision(template);
  template.metadata = {
    ...template.metadata,
    annotations: { ...(template.metadata?.annotations ?? {}), [REVISION_ANNOTATION]: revision },
  };
  return { template: dropUndefined(template), revision };
}

/**
 * One member per node where the cluster has nodes for it: two members on one node are lost together
 * with it, and three of three take the chain down. Preferred, not required, so a small cluster (or the
 * one-node lab) still schedules every member; spec.podTemplate.affinity replaces it.
 */
export function defaultAffinity(cluster: string): V1Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: selectorLabels(cluster) },
          },
        },
      ],
    },
  };
}

/** Removes undefined members so the object prints and compares cleanly. */
export function dropUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

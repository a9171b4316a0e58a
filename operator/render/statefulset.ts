/**
 * The StatefulSet of a cluster. It gives members stable names, DNS and volumes, and recreates a
 * deleted pod even while the operator is down — but it never restarts one on its own:
 *
 * - `updateStrategy: OnDelete`: a template change only takes effect when the operator deletes a pod,
 *   one member at a time, followers first, the leader after leadership has moved.
 * - `podManagementPolicy: Parallel`: a member that is not Ready (e.g. still syncing) must not block
 *   the creation of the others, which Raft needs to form a quorum.
 * - PVCs are retained on scale-in and deletion: chain data is expensive to rebuild.
 */
import type { V1PersistentVolumeClaim, V1StatefulSet } from '@kubernetes/client-node';
import {
  clusterLabels,
  GETH_DATA_VOLUME,
  peersServiceName,
  RAFT_DATA_VOLUME,
  selectorLabels,
  statefulSetName,
} from '../api/names.js';
import type { RenderContext } from './context.js';
import { objectMeta } from './metadata.js';
import { podTemplate } from './pod-template.js';

function claim(
  ctx: RenderContext,
  name: string,
  storage: { size: string; storageClassName?: string },
): V1PersistentVolumeClaim {
  return {
    metadata: { name, labels: clusterLabels(ctx.name) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: storage.size } },
      ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
    },
  };
}

export function renderStatefulSet(
  ctx: RenderContext,
  replicas: number,
): { statefulSet: V1StatefulSet; revision: string } {
  const { template, revision } = podTemplate(ctx);
  const statefulSet: V1StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: objectMeta(ctx.cluster, statefulSetName(ctx.name)),
    spec: {
      replicas,
      serviceName: peersServiceName(ctx.name),
      selector: { matchLabels: selectorLabels(ctx.name) },
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      minReadySeconds: ctx.spec.updateStrategy.minReadySeconds,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template,
      volumeClaimTemplates: [
        claim(ctx, GETH_DATA_VOLUME, ctx.spec.opGeth.storage),
        claim(ctx, RAFT_DATA_VOLUME, ctx.spec.conductor.storage),
      ],
    },
  };
  return { statefulSet, revision };
}

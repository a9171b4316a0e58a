/**
 * Metadata every rendered object carries: name and namespace, the cluster's labels, and an owner
 * reference to the SequencerCluster so that deleting the cluster garbage-collects its objects (PVCs
 * are not owned: the StatefulSet's retention policy keeps the chain data).
 */
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_GROUP_VERSION, clusterLabels, KIND } from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';

export class RenderError extends Error {}

/** The name, namespace and uid a renderer needs; a cluster read from the API server has all three. */
export function identity(cluster: SequencerCluster): { name: string; namespace: string; uid: string } {
  const { name, namespace, uid } = cluster.metadata;
  if (!name) throw new RenderError('SequencerCluster has no metadata.name');
  if (!namespace) throw new RenderError(`SequencerCluster ${name} has no metadata.namespace`);
  if (!uid)
    throw new RenderError(
      `SequencerCluster ${namespace}/${name} has no metadata.uid (read it from the API server)`,
    );
  return { name, namespace, uid };
}

export function ownerReference(cluster: SequencerCluster): V1OwnerReference {
  const { name, uid } = identity(cluster);
  return { apiVersion: API_GROUP_VERSION, kind: KIND, name, uid, controller: true, blockOwnerDeletion: true };
}

export function objectMeta(cluster: SequencerCluster, name: string): V1ObjectMeta {
  const id = identity(cluster);
  return {
    name,
    namespace: id.namespace,
    labels: clusterLabels(id.name),
    ownerReferences: [ownerReference(cluster)],
  };
}

/**
 * ConfigMap `<c>-bootstrap`: names the one pod allowed to bootstrap a new Raft cluster. The controller
 * sets it to the first pod while forming a cluster and renders it with `null` once the cluster has
 * formed, which removes the key (server-side apply drops fields the manager no longer sends), so a
 * member that later loses its Raft directory rejoins instead of bootstrapping a second cluster.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import { BOOTSTRAP_MEMBER_KEY, bootstrapConfigMapName } from '../api/names.js';
import type { RenderContext } from './context.js';
import { objectMeta } from './metadata.js';

export function renderBootstrapConfigMap(ctx: RenderContext, bootstrapMember: string | null): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(ctx.cluster, bootstrapConfigMapName(ctx.name)),
    data: bootstrapData(bootstrapMember),
  };
}

/** The ConfigMap's data: the member's name, or nothing (server-side apply then removes the key). */
export function bootstrapData(bootstrapMember: string | null): Record<string, string> {
  return bootstrapMember === null ? {} : { [BOOTSTRAP_MEMBER_KEY]: bootstrapMember };
}

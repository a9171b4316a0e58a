/**
 * Who is who: the naming conventions shared with the renderers (operator/render) and the conductors.
 * Pods are `<cluster>-<ordinal>` (StatefulSet), a member's Raft server id is its pod name, and its Raft
 * address is the pod's stable DNS name under the headless `<cluster>-peers` Service. Keeping the id equal
 * to the pod name is what lets the planner join Raft state to Kubernetes state without a lookup table.
 */

export const RAFT_PORT = 50050;

export function podName(cluster: string, ordinal: number): string {
  return `${cluster}-${ordinal}`;
}

/** The ordinal of one of this cluster's pods, or null for a name that is not `<cluster>-<n>`. */
export function ordinalOf(cluster: string, pod: string): number | null {
  const prefix = `${cluster}-`;
  if (!pod.startsWith(prefix)) return null;
  const rest = pod.slice(prefix.length);
  if (!/^(0|[1-9][0-9]*)$/.test(rest)) return null;
  return Number(rest);
}

export function raftAddress(cluster: string, namespace: string, pod: string): string {
  return `${pod}.${cluster}-peers.${namespace}.svc.cluster.local:${RAFT_PORT}`;
}

/** The pods a spec of `replicas` asks for, ordinal order. */
export function desiredPods(cluster: string, replicas: number): string[] {
  return Array.from({ length: Math.max(0, replicas) }, (_, i) => podName(cluster, i));
}

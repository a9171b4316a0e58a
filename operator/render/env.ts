/**
 * What the containers share: the pod's own name and IP through the downward API, and the preStop hook that
 * keeps op-node and op-geth up while a stopping leader hands off.
 */
import type { V1EnvVar, V1Lifecycle } from '@kubernetes/client-node';
import { CONDUCTOR_RPC_PORT, PATHS } from '../api/names.js';
import type { KeyRef } from '../api/values.js';

export const POD_NAME_ENV = 'POD_NAME';
export const POD_IP_ENV = 'POD_IP';

export const podNameEnv: V1EnvVar = {
  name: POD_NAME_ENV,
  valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
};
export const podIpEnv: V1EnvVar = {
  name: POD_IP_ENV,
  valueFrom: { fieldRef: { fieldPath: 'status.podIP' } },
};
/** Tools that write to $HOME (caches, history) must find it writable with a read-only root filesystem. */
export const homeEnv: V1EnvVar = { name: 'HOME', value: PATHS.tmp };

export function secretEnv(name: string, ref: KeyRef): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

/** `$(VAR)` expands in command and args from the container's env (Kubernetes, not a shell). */
export const ref = (env: string): string => `$(${env})`;

/**
 * The preStop hook of op-node and op-geth: Kubernetes signals every container of a deleted pod at once, and
 * a leader's conductor needs its op-node (and the op-geth beneath it) for the seconds it takes to stop the
 * sequencer cleanly and hand leadership off (Conductor.closeGracefully). The conductor's `GET /hand-off`
 * answers at once on a follower and when the hand-off is done on a leader, at most 10 s later.
 */
export const waitForHandOff: V1Lifecycle = {
  preStop: { httpGet: { path: '/hand-off?timeout=10', port: CONDUCTOR_RPC_PORT } },
};

/** Environment variables the containers share: the pod's own name and IP through the downward API. */
import type { V1EnvVar } from '@kubernetes/client-node';
import { PATHS } from '../api/names.js';
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

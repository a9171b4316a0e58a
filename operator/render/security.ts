/**
 * Security contexts that meet the "restricted" Pod Security Standard, so a namespace labelled
 * `pod-security.kubernetes.io/enforce: restricted` admits the members: non-root with a fixed UID (the
 * upstream op-geth/op-node images default to root, and runAsNonRoot alone would refuse to start
 * them), no privilege escalation, no capabilities, RuntimeDefault seccomp. The root filesystem is
 * read-only; every container gets a writable emptyDir at /tmp and writes state only to its volumes.
 */
import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

/** UID/GID the members run as; fsGroup makes the PVCs and the JWT Secret readable to it. */
export const MEMBER_UID = 10001;

export function podSecurityContext(): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: MEMBER_UID,
    runAsGroup: MEMBER_UID,
    fsGroup: MEMBER_UID,
    // Re-chowning a large chain database on every start would delay restarts by minutes.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(): V1SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * The conductor container: op-conductor's flags (conductor/config/flags.ts) wired to the op-node and
 * op-geth in the same pod, and to its peers through stable per-pod DNS names:
 *
 * - Raft server id = pod name (`$(POD_NAME)`), advertised as `<pod>.<c>-peers.<ns>.svc.<domain>:50050`.
 * - Never `--raft.bootstrap`: a new cluster is bootstrapped once, by the member whose name the
 *   operator puts in ConfigMap `<c>-bootstrap` (Baton's `--raft.bootstrap-member`, which bootstraps
 *   only when it equals the server id and the Raft directory is empty). While the key is absent the
 *   variable is unset and Kubernetes leaves the literal `$(BATON_BOOTSTRAP_MEMBER)` in the argument,
 *   which can never equal a pod name: no member bootstraps.
 */
import type { V1Container } from '@kubernetes/client-node';
import {
  BOOTSTRAP_MEMBER_ENV,
  BOOTSTRAP_MEMBER_KEY,
  bootstrapConfigMapName,
  CONDUCTOR_METRICS_PORT,
  CONDUCTOR_RPC_PORT,
  CONTAINER_NAMES,
  OP_GETH_HTTP_PORT,
  OP_NODE_RPC_PORT,
  PATHS,
  peersServiceName,
  PORT_NAMES,
  RAFT_PORT,
} from '../api/names.js';
import type { RenderContext } from './context.js';
import { homeEnv, podNameEnv, POD_NAME_ENV, ref } from './env.js';
import { containerSecurityContext } from './security.js';
import { chainMount, raftDataMount, tmpMount } from './volumes.js';

export const CONDUCTOR_DEFAULT_COMMAND = ['baton', 'conductor'];

export const conductorImage = (ctx: RenderContext): string =>
  ctx.spec.conductor.image ?? `baton:${ctx.operatorVersion}`;

export function conductorArgs(ctx: RenderContext): string[] {
  const { conductor, clusterDomain } = ctx.spec;
  const { raft, healthCheck } = conductor;
  const advertised = `${ref(POD_NAME_ENV)}.${peersServiceName(ctx.name)}.${ctx.namespace}.svc.${clusterDomain}:${RAFT_PORT}`;
  return [
    '--consensus.addr=0.0.0.0',
    `--consensus.port=${RAFT_PORT}`,
    `--consensus.advertised=${advertised}`,
    `--raft.server.id=${ref(POD_NAME_ENV)}`,
    `--raft.storage.dir=${PATHS.raft}`,
    `--raft.bootstrap-member=${ref(BOOTSTRAP_MEMBER_ENV)}`,
    `--raft.heartbeat-timeout=${raft.heartbeatTimeout}`,
    `--raft.lease-timeout=${raft.leaseTimeout}`,
    `--raft.snapshot-interval=${raft.snapshotInterval}`,
    `--raft.snapshot-threshold=${raft.snapshotThreshold}`,
    `--raft.trailing-logs=${raft.trailingLogs}`,
    `--node.rpc=http://127.0.0.1:${OP_NODE_RPC_PORT}`,
    `--execution.rpc=http://127.0.0.1:${OP_GETH_HTTP_PORT}`,
    '--rpc.addr=0.0.0.0',
    `--rpc.port=${CONDUCTOR_RPC_PORT}`,
    '--rpc.enable-proxy=true',
    // op-node commits over loopback (--conductor.rpc=http://127.0.0.1:…); nobody else in the cluster may.
    '--rpc.commit-loopback-only',
    `--healthcheck.interval=${healthCheck.interval}`,
    `--healthcheck.unsafe-interval=${healthCheck.unsafeInterval}`,
    `--healthcheck.min-peer-count=${healthCheck.minPeerCount}`,
    `--healthcheck.safe-enabled=${healthCheck.safeEnabled}`,
    `--healthcheck.safe-interval=${healthCheck.safeInterval}`,
    '--metrics.enabled=true',
    '--metrics.addr=0.0.0.0',
    `--metrics.port=${CONDUCTOR_METRICS_PORT}`,
    `--rollup.config=${PATHS.rollupConfig}`,
    ...(conductor.args ?? []),
  ];
}

export function conductorContainer(ctx: RenderContext): V1Container {
  const { conductor } = ctx.spec;
  const healthz = { httpGet: { path: '/healthz', port: PORT_NAMES.conductor } };
  return {
    name: CONTAINER_NAMES.conductor,
    image: conductorImage(ctx),
    imagePullPolicy: conductor.imagePullPolicy,
    command: conductor.command ?? CONDUCTOR_DEFAULT_COMMAND,
    args: conductorArgs(ctx),
    env: [
      homeEnv,
      podNameEnv,
      {
        name: BOOTSTRAP_MEMBER_ENV,
        valueFrom: {
          configMapKeyRef: {
            name: bootstrapConfigMapName(ctx.name),
            key: BOOTSTRAP_MEMBER_KEY,
            optional: true,
          },
        },
      },
      ...(conductor.env ?? []),
    ],
    ports: [
      { name: PORT_NAMES.raft, containerPort: RAFT_PORT, protocol: 'TCP' },
      { name: PORT_NAMES.conductor, containerPort: CONDUCTOR_RPC_PORT, protocol: 'TCP' },
      { name: PORT_NAMES.conductorMetrics, containerPort: CONDUCTOR_METRICS_PORT, protocol: 'TCP' },
    ],
    // /healthz answers while the process serves RPC; sequencer health is Raft's business, not the
    // kubelet's: restarting a conductor because its op-node is unhealthy would only cost a voter.
    readinessProbe: { ...healthz, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...healthz, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    resources: conductor.resources,
    securityContext: containerSecurityContext(),
    volumeMounts: [
      raftDataMount,
      chainMount,
      tmpMount(CONTAINER_NAMES.conductor),
      ...(conductor.volumeMounts ?? []),
    ],
  };
}

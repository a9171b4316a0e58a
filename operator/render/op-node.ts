/**
 * The op-node container (rollup node and sequencer). Wired for op-conductor (op-node/flags/flags.go):
 * `--conductor.enabled` with the conductor in the same pod, `--rpc.enable-admin` because the conductor
 * drives admin_startSequencer/stopSequencer, the sequencer enabled but started stopped (only the
 * conductor starts it), the engine API and JWT of the op-geth beside it. Secrets (L1 URLs, the
 * sequencer key) come in through op-node's own OP_NODE_* variables, so they never appear in the
 * process arguments. The p2p identity is the member's key from `<c>-p2p-keys` (a stable peer id the
 * other members can list as a static peer), the static peers come from the `<c>-p2p` ConfigMap (see
 * render/p2p.ts); the peerstore and discovery databases live on the chain-data volume.
 */
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import {
  CONDUCTOR_RPC_PORT,
  CONTAINER_NAMES,
  OP_GETH_AUTHRPC_PORT,
  P2P_STATIC_PEERS_KEY,
  p2pConfigMapName,
  OP_NODE_METRICS_PORT,
  OP_NODE_P2P_PORT,
  OP_NODE_RPC_PORT,
  PATHS,
  PORT_NAMES,
} from '../api/names.js';
import type { RenderContext } from './context.js';
import {
  homeEnv,
  podIpEnv,
  POD_IP_ENV,
  podNameEnv,
  POD_NAME_ENV,
  ref,
  secretEnv,
  waitForHandOff,
} from './env.js';
import { containerSecurityContext } from './security.js';
import { chainMount, gethDataMount, jwtMount, p2pKeysMount, tmpMount } from './volumes.js';

export const OP_NODE_DEFAULT_COMMAND = ['op-node'];

export function opNodeArgs(ctx: RenderContext): string[] {
  const { opNode, p2p, chain } = ctx.spec;
  // --p2p.static is not an argument: it comes from the <c>-p2p ConfigMap (OP_NODE_P2P_STATIC), which
  // changes with scaling without changing the pod template.
  const args = [
    `--l2=http://127.0.0.1:${OP_GETH_AUTHRPC_PORT}`,
    `--l2.jwt-secret=${PATHS.jwt}`,
    `--l2.enginekind=${opNode.engineKind}`,
    `--rollup.config=${PATHS.rollupConfig}`,
    '--rpc.addr=0.0.0.0',
    `--rpc.port=${OP_NODE_RPC_PORT}`,
    '--rpc.enable-admin',
    '--sequencer.enabled',
    '--sequencer.stopped',
    '--conductor.enabled',
    `--conductor.rpc=http://127.0.0.1:${CONDUCTOR_RPC_PORT}`,
    `--conductor.rpc-timeout=${opNode.conductorRpcTimeout}`,
    '--p2p.listen.ip=0.0.0.0',
    `--p2p.listen.tcp=${OP_NODE_P2P_PORT}`,
    `--p2p.listen.udp=${OP_NODE_P2P_PORT}`,
    `--p2p.advertise.ip=${ref(POD_IP_ENV)}`,
    `--p2p.priv.path=${PATHS.opNodeP2pKeysDir}/${ref(POD_NAME_ENV)}`,
    `--p2p.peerstore.path=${PATHS.opNodePeerstore}`,
    `--p2p.discovery.path=${PATHS.opNodeDiscovery}`,
  ];
  if (chain.l1.chainConfig) args.push(`--rollup.l1-chain-config=${PATHS.l1ChainConfig}`);
  if (chain.l1.beaconIgnore) args.push('--l1.beacon.ignore');
  if (p2p?.bootnodes?.length) {
    args.push(`--p2p.bootnodes=${p2p.bootnodes.join(',')}`);
  } else {
    // Without bootnodes op-node falls back to its public defaults (p2p/config.go DefaultBootnodes) and
    // resolves them by DNS at start, even with --p2p.no-discovery: a private cluster or one without
    // egress DNS fails to start ("looking up IP for hostname bootnode.conduit.xyz"). An empty list
    // ("," is two blank records, which op-node skips) stops the fallback; the members find each other
    // through --p2p.static, so discovery has nothing to do.
    args.push('--p2p.no-discovery', '--p2p.bootnodes=,');
  }
  args.push(
    `--safedb.path=${PATHS.opNodeSafeDb}`,
    '--metrics.enabled',
    '--metrics.addr=0.0.0.0',
    `--metrics.port=${OP_NODE_METRICS_PORT}`,
    ...(opNode.args ?? []),
  );
  return args;
}

function opNodeEnv(ctx: RenderContext): V1EnvVar[] {
  const { chain, sequencerKey, opNode } = ctx.spec;
  const env: V1EnvVar[] = [
    homeEnv,
    podNameEnv,
    podIpEnv,
    {
      name: 'OP_NODE_P2P_STATIC',
      valueFrom: { configMapKeyRef: { name: p2pConfigMapName(ctx.name), key: P2P_STATIC_PEERS_KEY } },
    },
    secretEnv('OP_NODE_L1_ETH_RPC', chain.l1.rpcUrl),
  ];
  if (chain.l1.beaconUrl) env.push(secretEnv('OP_NODE_L1_BEACON', chain.l1.beaconUrl));
  env.push(secretEnv('OP_NODE_P2P_SEQUENCER_KEY', sequencerKey));
  return [...env, ...(opNode.env ?? [])];
}

export function opNodeContainer(ctx: RenderContext): V1Container {
  const { opNode } = ctx.spec;
  const rpcTcp = { tcpSocket: { port: PORT_NAMES.opNode } };
  return {
    name: CONTAINER_NAMES.opNode,
    image: opNode.image,
    imagePullPolicy: opNode.imagePullPolicy,
    command: opNode.command ?? OP_NODE_DEFAULT_COMMAND,
    args: opNodeArgs(ctx),
    env: opNodeEnv(ctx),
    ports: [
      { name: PORT_NAMES.opNode, containerPort: OP_NODE_RPC_PORT, protocol: 'TCP' },
      { name: PORT_NAMES.opNodeP2p, containerPort: OP_NODE_P2P_PORT, protocol: 'TCP' },
      { name: PORT_NAMES.opNodeDiscovery, containerPort: OP_NODE_P2P_PORT, protocol: 'UDP' },
      { name: PORT_NAMES.opNodeMetrics, containerPort: OP_NODE_METRICS_PORT, protocol: 'TCP' },
    ],
    // op-node opens its RPC only after reaching L1 and the engine; give that up to 10 minutes.
    startupProbe: { ...rpcTcp, periodSeconds: 10, failureThreshold: 60 },
    readinessProbe: {
      httpGet: { path: '/healthz', port: PORT_NAMES.opNode },
      periodSeconds: 5,
      failureThreshold: 3,
    },
    livenessProbe: { ...rpcTcp, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    lifecycle: waitForHandOff,
    resources: opNode.resources,
    securityContext: containerSecurityContext(),
    volumeMounts: [
      gethDataMount,
      chainMount,
      jwtMount,
      p2pKeysMount,
      tmpMount(CONTAINER_NAMES.opNode),
      ...(opNode.volumeMounts ?? []),
    ],
  };
}

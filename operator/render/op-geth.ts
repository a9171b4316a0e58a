/**
 * The op-geth container (execution engine) and the init container that writes the chain's genesis
 * into a fresh datadir. Flags are op-geth's own (cmd/utils/flags.go): HTTP JSON-RPC for the conductor
 * and the batcher; the engine API bound to loopback with the JWT shared with op-node; no devp2p
 * discovery (a sequencer's blocks reach the network through op-node gossip).
 */
import type { V1Container } from '@kubernetes/client-node';
import {
  CONTAINER_NAMES,
  OP_GETH_AUTHRPC_PORT,
  OP_GETH_HTTP_PORT,
  OP_GETH_METRICS_PORT,
  PATHS,
  PORT_NAMES,
} from '../api/names.js';
import type { RenderContext } from './context.js';
import { homeEnv } from './env.js';
import { containerSecurityContext } from './security.js';
import { chainMount, gethDataMount, jwtMount, tmpMount } from './volumes.js';

export const OP_GETH_DEFAULT_COMMAND = ['geth'];

export function opGethArgs(ctx: RenderContext): string[] {
  const { opGeth } = ctx.spec;
  return [
    `--datadir=${PATHS.gethDataDir}`,
    `--state.scheme=${opGeth.stateScheme}`,
    '--syncmode=full',
    '--http',
    '--http.addr=0.0.0.0',
    `--http.port=${OP_GETH_HTTP_PORT}`,
    '--http.vhosts=*',
    '--http.api=web3,eth,net,txpool,debug,miner',
    '--authrpc.addr=127.0.0.1',
    `--authrpc.port=${OP_GETH_AUTHRPC_PORT}`,
    `--authrpc.jwtsecret=${PATHS.jwt}`,
    '--nodiscover',
    '--maxpeers=0',
    '--rollup.disabletxpoolgossip=true',
    '--metrics',
    '--metrics.addr=0.0.0.0',
    `--metrics.port=${OP_GETH_METRICS_PORT}`,
    ...(opGeth.args ?? []),
  ];
}

export function opGethContainer(ctx: RenderContext): V1Container {
  const { opGeth } = ctx.spec;
  const tcp = { tcpSocket: { port: PORT_NAMES.gethHttp } };
  return {
    name: CONTAINER_NAMES.opGeth,
    image: opGeth.image,
    imagePullPolicy: opGeth.imagePullPolicy,
    command: opGeth.command ?? OP_GETH_DEFAULT_COMMAND,
    args: opGethArgs(ctx),
    env: [homeEnv, ...(opGeth.env ?? [])],
    ports: [
      { name: PORT_NAMES.gethHttp, containerPort: OP_GETH_HTTP_PORT, protocol: 'TCP' },
      { name: PORT_NAMES.gethMetrics, containerPort: OP_GETH_METRICS_PORT, protocol: 'TCP' },
    ],
    // Opening a large database after an unclean stop can take many minutes: the startup probe holds
    // liveness off for up to an hour instead of killing geth mid-recovery.
    startupProbe: { ...tcp, periodSeconds: 10, failureThreshold: 360 },
    readinessProbe: { ...tcp, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...tcp, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    resources: opGeth.resources,
    securityContext: containerSecurityContext(),
    volumeMounts: [gethDataMount, jwtMount, tmpMount(CONTAINER_NAMES.opGeth)],
  };
}

/**
 * `geth init` with the chain's genesis. geth accepts re-running it on a datadir initialised with the
 * same genesis, so it runs on every start; a different genesis fails loudly instead of starting a
 * different chain.
 */
export function gethInitContainer(ctx: RenderContext): V1Container | undefined {
  const { opGeth } = ctx.spec;
  if (!opGeth.initGenesis) return undefined;
  return {
    name: CONTAINER_NAMES.gethInit,
    image: opGeth.image,
    imagePullPolicy: opGeth.imagePullPolicy,
    command: opGeth.command ?? OP_GETH_DEFAULT_COMMAND,
    args: ['init', `--datadir=${PATHS.gethDataDir}`, `--state.scheme=${opGeth.stateScheme}`, PATHS.genesis],
    env: [homeEnv],
    resources: opGeth.resources,
    securityContext: containerSecurityContext(),
    volumeMounts: [gethDataMount, chainMount, tmpMount(CONTAINER_NAMES.gethInit)],
  };
}

/**
 * The op-geth container (execution engine) and the init container that writes the chain's genesis
 * into a fresh datadir. Flags are op-geth's own (cmd/utils/flags.go): HTTP JSON-RPC for the conductor
 * and the batcher; the engine API bound to loopback with the JWT shared with op-node; devp2p between
 * the members only.
 *
 * Why the members' op-geths peer with each other: since v1.19 op-node has no req-resp sync, so an
 * op-node that restarts behind the chain fills the gap only through execution-layer sync — its op-geth
 * fetching the missing blocks from devp2p peers. With no peers a restarted member stays behind for good
 * and never becomes a hand-off target again. Each op-geth dials the others as static (and trusted)
 * peers from `geth.toml` in the `<c>-p2p` ConfigMap (render/p2p.ts), by their stable DNS names, which
 * geth resolves when it dials; its node key is the member's key in `<c>-p2p-keys`, so the enode ids in
 * that list are known before the pods start. Discovery stays off: a sequencer's blocks reach the
 * network through op-node gossip, and nothing else should dial in.
 */
import type { V1Container } from '@kubernetes/client-node';
import {
  CONTAINER_NAMES,
  OP_GETH_AUTHRPC_PORT,
  OP_GETH_HTTP_PORT,
  OP_GETH_METRICS_PORT,
  OP_GETH_P2P_PORT,
  PATHS,
  PORT_NAMES,
} from '../api/names.js';
import type { RenderContext } from './context.js';
import { homeEnv, podIpEnv, POD_IP_ENV, podNameEnv, POD_NAME_ENV, ref, waitForHandOff } from './env.js';
import { containerSecurityContext } from './security.js';
import { chainMount, gethConfigMount, gethDataMount, jwtMount, p2pKeysMount, tmpMount } from './volumes.js';

export const OP_GETH_DEFAULT_COMMAND = ['geth'];

export function opGethArgs(ctx: RenderContext): string[] {
  const { opGeth } = ctx.spec;
  return [
    `--datadir=${PATHS.gethDataDir}`,
    `--config=${PATHS.gethConfig}`,
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
    `--port=${OP_GETH_P2P_PORT}`,
    `--nodekey=${PATHS.opNodeP2pKeysDir}/${ref(POD_NAME_ENV)}`,
    `--nat=extip:${ref(POD_IP_ENV)}`,
    '--nodiscover',
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
    env: [homeEnv, podNameEnv, podIpEnv, ...(opGeth.env ?? [])],
    ports: [
      { name: PORT_NAMES.gethHttp, containerPort: OP_GETH_HTTP_PORT, protocol: 'TCP' },
      { name: PORT_NAMES.gethP2p, containerPort: OP_GETH_P2P_PORT, protocol: 'TCP' },
      { name: PORT_NAMES.gethMetrics, containerPort: OP_GETH_METRICS_PORT, protocol: 'TCP' },
    ],
    // Opening a large database after an unclean stop can take many minutes: the startup probe holds
    // liveness off for up to an hour instead of killing geth mid-recovery.
    startupProbe: { ...tcp, periodSeconds: 10, failureThreshold: 360 },
    readinessProbe: { ...tcp, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...tcp, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    lifecycle: waitForHandOff,
    resources: opGeth.resources,
    securityContext: containerSecurityContext(),
    volumeMounts: [
      gethDataMount,
      jwtMount,
      p2pKeysMount,
      gethConfigMount,
      tmpMount(CONTAINER_NAMES.opGeth),
      ...(opGeth.volumeMounts ?? []),
    ],
  };
}

/**
 * The init step, a POSIX shell script (the upstream op-geth image is Alpine; the lab's has BusyBox):
 * on a datadir without the marker it gets the genesis (the ConfigMap file, or a download checked
 * against its SHA-256), decompresses it if it is gzip, runs `geth init` and then writes the marker —
 * so a crash before the marker only repeats an init geth accepts on the same genesis. With the marker
 * it does nothing: re-reading a 9 MB+ genesis on every restart costs time and memory, and an edited
 * genesis ConfigMap (even reformatted) must not stop a member that already has the chain. The op-geth
 * command comes in as "$@".
 */
export const GETH_INIT_SCRIPT = `set -eu
marker=${PATHS.gethInitMarker}
if [ -s "$marker" ]; then
  echo "op-geth-init: ${PATHS.gethDataDir} was initialised with genesis sha256 $(cat "$marker"); nothing to do"
  exit 0
fi
if [ -n "\${GENESIS_URL:-}" ]; then
  command -v wget >/dev/null || { echo "op-geth-init: error: the op-geth image has no wget to download spec.chain.genesisUrl; use an image with wget or give the genesis as a ConfigMap (spec.chain.genesis)" >&2; exit 1; }
  echo "op-geth-init: downloading $GENESIS_URL"
  wget -q -O /tmp/genesis.download "$GENESIS_URL" || { echo "op-geth-init: error: downloading $GENESIS_URL failed; check spec.chain.genesisUrl.url and that the pod can reach it" >&2; exit 1; }
  src=/tmp/genesis.download
  sum=$(sha256sum "$src" | cut -d' ' -f1)
  if [ "$sum" != "$GENESIS_SHA256" ]; then
    echo "op-geth-init: error: $GENESIS_URL has sha256 $sum but spec.chain.genesisUrl.sha256 is $GENESIS_SHA256; refusing it (fix the URL or the checksum)" >&2
    exit 1
  fi
else
  src=${PATHS.genesis}
  sum=$(sha256sum "$src" | cut -d' ' -f1)
fi
genesis=$src
if [ "$(head -c 2 "$src" | od -An -tx1 | tr -d ' \\n')" = 1f8b ]; then
  gunzip -c "$src" >/tmp/genesis.json
  genesis=/tmp/genesis.json
fi
echo "op-geth-init: initialising ${PATHS.gethDataDir} with genesis sha256 $sum"
"$@" init --datadir=${PATHS.gethDataDir} --state.scheme="$STATE_SCHEME" "$genesis"
rm -f /tmp/genesis.json /tmp/genesis.download
echo "$sum" >"$marker.tmp"
mv "$marker.tmp" "$marker"
`;

export function gethInitContainer(ctx: RenderContext): V1Container | undefined {
  const { opGeth, chain } = ctx.spec;
  if (!opGeth.initGenesis) return undefined;
  const download = chain.genesisUrl
    ? [
        { name: 'GENESIS_URL', value: chain.genesisUrl.url },
        { name: 'GENESIS_SHA256', value: chain.genesisUrl.sha256 },
      ]
    : [];
  return {
    name: CONTAINER_NAMES.gethInit,
    image: opGeth.image,
    imagePullPolicy: opGeth.imagePullPolicy,
    command: ['sh', '-c', GETH_INIT_SCRIPT, CONTAINER_NAMES.gethInit],
    args: opGeth.command ?? OP_GETH_DEFAULT_COMMAND,
    env: [homeEnv, { name: 'STATE_SCHEME', value: opGeth.stateScheme }, ...download],
    resources: opGeth.resources,
    securityContext: containerSecurityContext(),
    volumeMounts: [gethDataMount, chainMount, tmpMount(CONTAINER_NAMES.gethInit)],
  };
}

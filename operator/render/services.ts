/**
 * The three Services of a cluster:
 *
 * - `<c>-peers` (headless): per-pod DNS for Raft and op-node p2p. publishNotReadyAddresses, because
 *   members must resolve each other before they are Ready — a cluster that waits for readiness to
 *   form a quorum never becomes ready.
 * - `<c>-sequencer`: the active sequencer only (role label maintained by the operator), for
 *   op-batcher and op-proposer that must talk to the node that is sequencing.
 * - `<c>-rpc`: every member. Safe for the batcher/proposer too: the conductors' leader-gated proxies
 *   answer only on the leader.
 */
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import {
  activeSelectorLabels,
  CONDUCTOR_RPC_PORT,
  OP_GETH_HTTP_PORT,
  OP_GETH_P2P_PORT,
  OP_NODE_P2P_PORT,
  OP_NODE_RPC_PORT,
  peersServiceName,
  PORT_NAMES,
  RAFT_PORT,
  rpcServiceName,
  selectorLabels,
  sequencerServiceName,
} from '../api/names.js';
import type { RenderContext } from './context.js';
import { objectMeta } from './metadata.js';

const port = (name: string, number: number, protocol: 'TCP' | 'UDP' = 'TCP'): V1ServicePort => ({
  name,
  port: number,
  targetPort: name,
  protocol,
});

const rpcPorts = (): V1ServicePort[] => [
  port(PORT_NAMES.gethHttp, OP_GETH_HTTP_PORT),
  port(PORT_NAMES.opNode, OP_NODE_RPC_PORT),
  port(PORT_NAMES.conductor, CONDUCTOR_RPC_PORT),
];

export function renderServices(ctx: RenderContext): V1Service[] {
  const peers: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(ctx.cluster, peersServiceName(ctx.name)),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(ctx.name),
      ports: [
        port(PORT_NAMES.raft, RAFT_PORT),
        port(PORT_NAMES.conductor, CONDUCTOR_RPC_PORT),
        port(PORT_NAMES.opNode, OP_NODE_RPC_PORT),
        port(PORT_NAMES.opNodeP2p, OP_NODE_P2P_PORT),
        port(PORT_NAMES.opNodeDiscovery, OP_NODE_P2P_PORT, 'UDP'),
        port(PORT_NAMES.gethP2p, OP_GETH_P2P_PORT),
      ],
    },
  };
  const sequencer: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(ctx.cluster, sequencerServiceName(ctx.name)),
    spec: { type: 'ClusterIP', selector: activeSelectorLabels(ctx.name), ports: rpcPorts() },
  };
  const rpc: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(ctx.cluster, rpcServiceName(ctx.name)),
    spec: { type: 'ClusterIP', selector: selectorLabels(ctx.name), ports: rpcPorts() },
  };
  return [peers, sequencer, rpc];
}

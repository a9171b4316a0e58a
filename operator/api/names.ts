/**
 * Naming conventions shared by the renderer, the planner and the controller. Everything that one part
 * creates and another part finds again by name, label, port or annotation is defined here, once, so
 * the three cannot drift apart.
 *
 * Objects of a SequencerCluster `<c>` in namespace `<ns>`:
 *
 * | object                     | name                   | notes                                               |
 * | -------------------------- | ---------------------- | --------------------------------------------------- |
 * | StatefulSet                | `<c>`                  | OnDelete, Parallel; pods `<c>-0` … `<c>-(n-1)`        |
 * | headless Service           | `<c>-peers`            | governs the StatefulSet; publishNotReadyAddresses    |
 * | Service (active sequencer) | `<c>-sequencer`        | selects `baton.dev/role=active`                      |
 * | Service (all members)      | `<c>-rpc`              | every member; conductor proxies are leader-gated    |
 * | PodDisruptionBudget        | `<c>`                  | maxUnavailable 1 over all members                    |
 * | PodDisruptionBudget        | `<c>-active`           | maxUnavailable 0 over `baton.dev/role=active`        |
 * | ServiceAccount             | `<c>`                  | no API token mounted                                |
 * | ConfigMap                  | `<c>-bootstrap`        | key `member`: the pod allowed to bootstrap Raft      |
 * | Secret (generated JWT)     | `<c>-jwt`              | key `jwt.hex`; only when spec.jwtSecret is absent    |
 * | PVCs                       | `geth-data-<c>-<i>`, `raft-data-<c>-<i>` (StatefulSet claim templates)        |
 *
 * Per-pod DNS: `<c>-<i>.<c>-peers.<ns>.svc.<clusterDomain>`. The Raft server id of a member is its pod
 * name, and it advertises `<pod dns>:50050` to its peers.
 */

export const API_GROUP = 'baton.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
export const KIND = 'SequencerCluster';
export const LIST_KIND = 'SequencerClusterList';
export const PLURAL = 'sequencerclusters';
export const SINGULAR = 'sequencercluster';
export const SHORT_NAMES = ['seqc'] as const;
export const CRD_NAME = `${PLURAL}.${API_GROUP}`;

/** Kubernetes' default; a spec field overrides it for clusters with a custom DNS domain. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

// ---- ports ------------------------------------------------------------------------------------------
// Fixed, not configurable: the peers of a member find each other through these numbers, and a member
// with a different port than its peers would be unreachable after a restart.

/** Conductor Raft transport (gRPC). op-conductor's documented port. */
export const RAFT_PORT = 50050;
/** Conductor JSON-RPC (conductor_*, and the leader-gated eth/optimism proxies); op-node's default `--conductor.rpc`. */
export const CONDUCTOR_RPC_PORT = 8547;
/** Conductor Prometheus metrics. */
export const CONDUCTOR_METRICS_PORT = 7300;
/** op-node JSON-RPC (admin_*, optimism_*, opp2p_*). */
export const OP_NODE_RPC_PORT = 9545;
/** op-node libp2p (TCP) and discv5 (UDP). */
export const OP_NODE_P2P_PORT = 9222;
/** op-node metrics: its default 7300 is taken by the conductor in the same pod. */
export const OP_NODE_METRICS_PORT = 7301;
/** op-geth HTTP JSON-RPC. */
export const OP_GETH_HTTP_PORT = 8545;
/** op-geth engine API (JWT). Bound to loopback: only the op-node in the same pod may drive the engine. */
export const OP_GETH_AUTHRPC_PORT = 8551;
/** op-geth metrics. */
export const OP_GETH_METRICS_PORT = 6060;
/** op-geth devp2p (TCP; discovery stays off): the members sync blocks from each other's op-geth. */
export const OP_GETH_P2P_PORT = 30303;

/** Port names (IANA service names, at most 15 characters) used on containers and Services. */
export const PORT_NAMES = {
  raft: 'raft',
  conductor: 'conductor',
  conductorMetrics: 'metrics',
  opNode: 'op-node',
  opNodeP2p: 'op-node-p2p',
  opNodeDiscovery: 'op-node-disc',
  opNodeMetrics: 'op-node-metrics',
  gethHttp: 'geth-http',
  gethMetrics: 'geth-metrics',
  gethP2p: 'geth-p2p',
} as const;

// ---- container and volume names -------------------------------------------------------------------

export const CONTAINER_NAMES = {
  opNode: 'op-node',
  opGeth: 'op-geth',
  conductor: 'conductor',
  gethInit: 'op-geth-init',
} as const;

/** volumeClaimTemplates of the StatefulSet: PVCs are `<template>-<pod>`. */
export const GETH_DATA_VOLUME = 'geth-data';
export const RAFT_DATA_VOLUME = 'raft-data';

// ---- labels and annotations -----------------------------------------------------------------------

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_CLUSTER = 'baton.dev/cluster';

export const APP_NAME = 'baton-sequencer';
export const COMPONENT = 'sequencer';
export const MANAGED_BY = 'baton-operator';
export const PART_OF = 'baton';

/**
 * Maintained by the operator on member pods, never in the pod template: the renderer leaves it out, so
 * changing roles never changes the template revision and never restarts anything. `<c>-sequencer`
 * selects `active`.
 */
export const ROLE_LABEL = 'baton.dev/role';
export const ROLE_ACTIVE = 'active';
export const ROLE_STANDBY = 'standby';
export type Role = typeof ROLE_ACTIVE | typeof ROLE_STANDBY;

/**
 * Pod template annotation: a hash of the pod template (see render/revision.ts). A pod whose annotation
 * differs from the StatefulSet template's is outdated and the operator restarts it (updateStrategy
 * OnDelete). Also the value of status.currentRevision/updateRevision and members[].revision.
 */
export const REVISION_ANNOTATION = 'baton.dev/revision';

/**
 * Pod template annotation: a digest of the user's ConfigMap and Secret values the members read only at
 * start (rollup config, L1 endpoints, sequencer key, JWT secret; see reconcile/validate.ts). It is part of
 * the template, so editing one of them changes the revision and rolls the members like an upgrade:
 * one at a time, leadership moved off a pod before it restarts. Without it, a rollup config edit (a
 * scheduled hard fork) would reach each op-node only whenever its pod happened to restart.
 */
export const CONFIG_DIGEST_ANNOTATION = 'baton.dev/config-digest';

/** The labels on every object of a cluster (pods included; the role label is added by the operator). */
export function clusterLabels(cluster: string): Record<string, string> {
  return {
    [LABEL_NAME]: APP_NAME,
    [LABEL_INSTANCE]: cluster,
    [LABEL_COMPONENT]: COMPONENT,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_PART_OF]: PART_OF,
    [LABEL_CLUSTER]: cluster,
  };
}

/**
 * The StatefulSet selector (immutable once created, so it must never grow) and the selector of the
 * `<c>-rpc` Service and the PDB: all members of one cluster.
 */
export function selectorLabels(cluster: string): Record<string, string> {
  return { [LABEL_NAME]: APP_NAME, [LABEL_CLUSTER]: cluster };
}

/** The same selector as a string: status.selector for the scale subresource, list calls. */
export function selectorString(cluster: string): string {
  return Object.entries(selectorLabels(cluster))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Selector of `<c>-sequencer`: the member the operator labelled active. */
export function activeSelectorLabels(cluster: string): Record<string, string> {
  return { ...selectorLabels(cluster), [ROLE_LABEL]: ROLE_ACTIVE };
}

// ---- object names -----------------------------------------------------------------------------------

export const statefulSetName = (cluster: string): string => cluster;
export const peersServiceName = (cluster: string): string => `${cluster}-peers`;
export const sequencerServiceName = (cluster: string): string => `${cluster}-sequencer`;
export const rpcServiceName = (cluster: string): string => `${cluster}-rpc`;
export const podDisruptionBudgetName = (cluster: string): string => cluster;
/** The PDB that keeps the active sequencer from being evicted before leadership moved off it. */
export const activePodDisruptionBudgetName = (cluster: string): string => `${cluster}-active`;
export const serviceAccountName = (cluster: string): string => cluster;
export const bootstrapConfigMapName = (cluster: string): string => `${cluster}-bootstrap`;
export const jwtSecretName = (cluster: string): string => `${cluster}-jwt`;
/** One op-node p2p private key per possible member (render/p2p.ts). */
export const p2pKeysSecretName = (cluster: string): string => `${cluster}-p2p-keys`;
/** The members' static peer list (render/p2p.ts). */
export const p2pConfigMapName = (cluster: string): string => `${cluster}-p2p`;
/** Key of `<c>-p2p`: comma-separated multiaddrs, op-node's OP_NODE_P2P_STATIC. */
export const P2P_STATIC_PEERS_KEY = 'static-peers';
/** Key of the `<c>-p2p` ConfigMap with op-geth's config file: the members as static and trusted peers. */
export const GETH_CONFIG_KEY = 'geth.toml';
/** The most members a cluster can have (the CRD's replicas rule). */
export const MAX_REPLICAS = 7;

/** Key of the bootstrap ConfigMap holding the name of the one pod allowed to bootstrap a new Raft cluster. */
export const BOOTSTRAP_MEMBER_KEY = 'member';
/** The conductor's env var filled from that key (optional: absent key → unset variable). */
export const BOOTSTRAP_MEMBER_ENV = 'BATON_BOOTSTRAP_MEMBER';
/** Key of the generated JWT Secret: 32 random bytes, hex encoded (what op-geth and op-node read). */
export const JWT_SECRET_KEY = 'jwt.hex';

export const podName = (cluster: string, ordinal: number): string => `${cluster}-${ordinal}`;

/** `<c>-3` → 3; undefined when the name is not a member pod of `cluster`. */
export function podOrdinal(cluster: string, pod: string): number | undefined {
  const prefix = `${cluster}-`;
  if (!pod.startsWith(prefix)) return undefined;
  const rest = pod.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** Stable DNS name of a member pod through the headless Service (resolves before the pod is Ready). */
export function podDnsName(
  cluster: string,
  pod: string,
  namespace: string,
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `${pod}.${peersServiceName(cluster)}.${namespace}.svc.${clusterDomain}`;
}

/** The Raft server id of a member: its pod name (stable across restarts with a StatefulSet). */
export const raftServerId = (pod: string): string => pod;

/** `--consensus.advertised` of a member, and the address to pass to conductor_addServerAs*. */
export function raftAddress(
  cluster: string,
  pod: string,
  namespace: string,
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `${podDnsName(cluster, pod, namespace, clusterDomain)}:${RAFT_PORT}`;
}

/** Conductor JSON-RPC URL of a member, for the operator's conductor client. */
export function conductorRpcUrl(
  cluster: string,
  pod: string,
  namespace: string,
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `http://${podDnsName(cluster, pod, namespace, clusterDomain)}:${CONDUCTOR_RPC_PORT}`;
}

/** op-node JSON-RPC URL of a member (sync status, sequencer state). */
export function opNodeRpcUrl(
  cluster: string,
  pod: string,
  namespace: string,
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `http://${podDnsName(cluster, pod, namespace, clusterDomain)}:${OP_NODE_RPC_PORT}`;
}

// ---- in-pod paths -----------------------------------------------------------------------------------

/** Where the containers find their files; the flags in render/ point here. */
export const PATHS = {
  /** geth-data PVC: op-geth's datadir is a subdirectory; op-node's p2p identity and databases sit beside it. */
  data: '/data',
  gethDataDir: '/data/geth',
  /** `<c>-p2p-keys` Secret: one file per pod name; op-node reads `<dir>/$(POD_NAME)`. */
  opNodeP2pKeysDir: '/etc/baton/p2p',
  opNodePeerstore: '/data/opnode_peerstore_db',
  opNodeDiscovery: '/data/opnode_discovery_db',
  opNodeSafeDb: '/data/opnode_safedb',
  /** raft-data PVC: the conductor's Raft log, stable store and snapshots. */
  raft: '/raft',
  /** rollup config and genesis ConfigMap keys projected as files. */
  chainDir: '/etc/baton/chain',
  rollupConfig: '/etc/baton/chain/rollup.json',
  /** The genesis ConfigMap key, as given (plain JSON or gzip): the init step decompresses it. */
  genesis: '/etc/baton/chain/genesis',
  l1ChainConfig: '/etc/baton/chain/l1-chain-config.json',
  /** `<c>-p2p` ConfigMap key geth.toml: op-geth's static and trusted peers (the other members). */
  gethConfigDir: '/etc/baton/geth',
  gethConfig: '/etc/baton/geth/geth.toml',
  /** In the geth datadir: the SHA-256 of the genesis it was initialised with (init runs once per datadir). */
  gethInitMarker: '/data/geth/.baton-genesis-sha256',
  /** The JWT shared by op-node and op-geth's engine API. */
  jwtDir: '/etc/baton/jwt',
  jwt: '/etc/baton/jwt/jwt.hex',
  /** emptyDir: the root filesystem is read-only (restricted Pod Security Standard hardening). */
  tmp: '/tmp',
} as const;

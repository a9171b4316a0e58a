/**
 * `spec` of a SequencerCluster: everything a chain operator states about a conductor-managed sequencer
 * cluster. Defaults live in the schema (the API server applies them, so `kubectl get -o yaml` shows
 * the effective values); CEL rules reject what would be unsafe or would only fail later in a pod.
 */
import {
  affinity,
  args,
  command,
  envVars,
  imagePullPolicy,
  imagePullSecrets,
  resources,
  stringMap,
  tolerations,
  topologySpreadConstraints,
  volumeMounts,
  volumes,
} from './kubernetes-types.js';
import { DEFAULT_CLUSTER_DOMAIN, MAX_REPLICAS } from './names.js';
import {
  array,
  boolean,
  defaulted,
  enumOf,
  integer,
  object,
  optional,
  required,
  string,
  type In,
  type Out,
} from './schema.js';
import { configMapKeyRef, duration, DURATION_PATTERN, image, quantity, secretKeyRef } from './values.js';

/** What every container of a member accepts: image, entrypoint override, extra args, env, resources. */
function containerFields(what: string, commandHelp: string) {
  return {
    imagePullPolicy: optional(imagePullPolicy(), `Pull policy of the ${what} image.`),
    command: optional(command(), `Replaces the ${what} image's entrypoint. ${commandHelp}`),
    env: optional(envVars(), `Extra environment variables of the ${what} container.`),
    resources: optional(resources(), `Compute resources of the ${what} container.`),
  };
}

function storage(size: string, what: string) {
  return defaulted(
    object(
      {
        size: defaulted(quantity(), size, `Requested size of each member's ${what} volume.`),
        storageClassName: optional(
          string({ maxLength: 253 }),
          'StorageClass of the volumes; the cluster default when absent.',
        ),
      },
      {
        rules: [
          {
            rule: 'self == oldSelf',
            message:
              'storage cannot change after creation: StatefulSet volumeClaimTemplates are immutable (resize the PVCs directly)',
          },
        ],
      },
    ),
    {},
    `Persistent volume for ${what}, one per member.`,
  );
}

const opNode = object(
  {
    image: required(
      image(),
      'op-node image, e.g. us-docker.pkg.dev/oplabs-tools-artifacts/images/op-node:v1.16.5.',
    ),
    ...containerFields('op-node', 'Default ["op-node"]; ["baton", "sim", "op-node"] runs the simulator.'),
    args: optional(
      args(),
      'Extra op-node flags (e.g. --l1.rpckind, --syncmode), appended after the ones the operator wires.',
    ),
    conductorRpcTimeout: defaulted(duration(), '1s', "op-node's --conductor.rpc-timeout."),
    engineKind: defaulted(
      enumOf(['geth', 'reth', 'erigon'] as const),
      'geth',
      "op-node's --l2.enginekind: the execution client beside it (op-node's own default is reth).",
    ),
    volumeMounts: optional(volumeMounts(), 'Extra mounts of podTemplate.volumes into the op-node container.'),
  },
  {
    rules: [
      {
        rule: "!has(self.args) || self.args.all(a, !a.startsWith('--rpc.admin-state'))",
        message:
          'op-node must not persist sequencer state (--rpc.admin-state) when the conductor is enabled; the conductor decides when to sequence',
      },
      {
        rule: "!has(self.args) || self.args.all(a, !a.startsWith('--conductor.'))",
        message:
          'the --conductor.* flags of op-node are wired by the operator; set conductorRpcTimeout instead',
      },
      {
        rule: "!has(self.args) || self.args.all(a, !a.startsWith('--p2p.static') && !a.startsWith('--p2p.priv.'))",
        message:
          "op-node's --p2p.static and --p2p.priv.* are wired by the operator (the members peer with each other by the keys in Secret <name>-p2p-keys); list other peers in spec.p2p.staticPeers",
      },
      {
        rule: "!has(self.env) || self.env.all(e, !(e.name in ['OP_NODE_P2P_STATIC', 'OP_NODE_P2P_PRIV_PATH', 'OP_NODE_P2P_PRIV_RAW']))",
        message:
          'OP_NODE_P2P_STATIC and OP_NODE_P2P_PRIV_* are wired by the operator; list other peers in spec.p2p.staticPeers',
      },
    ],
  },
);

const opGeth = object({
  image: required(
    image(),
    'op-geth image, e.g. us-docker.pkg.dev/oplabs-tools-artifacts/images/op-geth:v1.101605.0.',
  ),
  ...containerFields('op-geth', 'Default ["geth"]; ["baton", "sim", "op-geth"] runs the simulator.'),
  args: optional(args(), 'Extra op-geth flags, appended after the ones the operator wires.'),
  volumeMounts: optional(volumeMounts(), 'Extra mounts of podTemplate.volumes into the op-geth container.'),
  storage: storage('100Gi', 'op-geth chain data (and op-node p2p identity)'),
  stateScheme: defaulted(
    enumOf(['hash', 'path'] as const),
    'path',
    '--state.scheme for geth init and run; must match the existing database (path: the pruned state op-geth recommends).',
  ),
  initGenesis: defaulted(
    boolean(),
    true,
    'Initialise a new datadir with `geth init` from the chain genesis, once (a marker file records it). Off for images that need no init, such as the simulator.',
  ),
});

const raft = object(
  {
    heartbeatTimeout: defaulted(
      duration(),
      '1000ms',
      'Follower timeout before it starts an election (--raft.heartbeat-timeout).',
    ),
    leaseTimeout: defaulted(
      duration(),
      '500ms',
      'How long a leader stays leader without quorum contact (--raft.lease-timeout).',
    ),
    snapshotInterval: defaulted(
      duration(),
      '120s',
      'How often to check for a snapshot (--raft.snapshot-interval).',
    ),
    snapshotThreshold: defaulted(
      integer({ minimum: 1 }),
      8192,
      'Log entries between snapshots (--raft.snapshot-threshold).',
    ),
    trailingLogs: defaulted(
      integer({ minimum: 0 }),
      10240,
      'Log entries kept behind a snapshot (--raft.trailing-logs).',
    ),
  },
  {
    rules: [
      {
        // duration() only runs on well-formed values; malformed ones get the duration rule's message. The
        // has() guards are for the API server's check of `default: {}`, which it runs before nested defaults.
        rule: `!has(self.leaseTimeout) || !has(self.heartbeatTimeout) || !self.leaseTimeout.matches(r'${DURATION_PATTERN}') || !self.heartbeatTimeout.matches(r'${DURATION_PATTERN}') || duration(self.leaseTimeout) <= duration(self.heartbeatTimeout)`,
        message: 'raft.leaseTimeout must not exceed raft.heartbeatTimeout',
      },
    ],
  },
);

const healthCheck = object({
  interval: defaulted(integer({ minimum: 1 }), 1, 'Seconds between health checks (--healthcheck.interval).'),
  unsafeInterval: defaulted(
    integer({ minimum: 1 }),
    5,
    'Maximum age in seconds of the unsafe head before the sequencer counts as unhealthy (--healthcheck.unsafe-interval); 2-3x the block time.',
  ),
  minPeerCount: defaulted(
    integer({ minimum: 1 }),
    1,
    'Minimum op-node p2p peers for a healthy sequencer (--healthcheck.min-peer-count).',
  ),
  safeEnabled: defaulted(boolean(), false, 'Also check the safe head age (--healthcheck.safe-enabled).'),
  safeInterval: defaulted(
    integer({ minimum: 1 }),
    1200,
    'Maximum safe head age in seconds (--healthcheck.safe-interval).',
  ),
});

const conductor = object(
  {
    image: optional(image(), 'Conductor image; baton:<operator version> when absent.'),
    ...containerFields('conductor', 'Default ["baton", "conductor"].'),
    args: optional(args(), 'Extra conductor flags, appended after the ones the operator wires.'),
    volumeMounts: optional(
      volumeMounts(),
      'Extra mounts of podTemplate.volumes into the conductor container (e.g. Raft TLS files, an admin token).',
    ),
    storage: storage('1Gi', 'the Raft log'),
    raft: defaulted(raft, {}, 'Raft timing; every member gets the same values.'),
    healthCheck: defaulted(healthCheck, {}, 'Sequencer health checks that drive leadership transfers.'),
  },
  {
    rules: [
      {
        rule: "!has(self.args) || self.args.all(a, a != '--raft.bootstrap' && !a.startsWith('--raft.bootstrap='))",
        message:
          'never set --raft.bootstrap: the operator bootstraps a new cluster exactly once through the <cluster>-bootstrap ConfigMap',
      },
    ],
  },
);

const genesisUrl = object(
  {
    url: required(
      string({ maxLength: 2048, minLength: 1 }),
      'http(s) URL of genesis.json (plain or gzip), fetched once per new datadir.',
    ),
    sha256: required(
      string({ maxLength: 64, pattern: '^[0-9a-f]{64}$' }),
      'Lower-case hex SHA-256 of the file as served; a download with another checksum is refused.',
    ),
  },
  {
    rules: [
      {
        rule: "self.url.startsWith('http://') || self.url.startsWith('https://')",
        message: 'chain.genesisUrl.url must be an http:// or https:// URL',
      },
    ],
  },
);

const chain = object(
  {
    rollupConfig: required(
      configMapKeyRef(),
      'rollup.json of the chain, given to op-node and the conductor.',
    ),
    genesis: optional(
      configMapKeyRef(),
      "genesis.json of the chain for op-geth's `geth init`, plain or gzip-compressed (binaryData; a ConfigMap holds at most 1 MiB). For a larger genesis use genesisUrl.",
    ),
    genesisUrl: optional(
      genesisUrl,
      'Where to download genesis.json from instead of a ConfigMap (a real OP Stack genesis is often over 9 MB), with its checksum.',
    ),
    l1: required(
      object({
        rpcUrl: required(secretKeyRef(), 'L1 execution RPC URL (op-node --l1).'),
        beaconUrl: optional(secretKeyRef(), 'L1 beacon API URL (op-node --l1.beacon).'),
        beaconIgnore: defaulted(
          boolean(),
          false,
          'Run without an L1 beacon API (op-node --l1.beacon.ignore): only for chains whose batches are all calldata, such as devnets. Without it, a rollup config that schedules Ecotone needs beaconUrl.',
        ),
        chainConfig: optional(
          configMapKeyRef(),
          "The L1's chain config as JSON (op-node --rollup.l1-chain-config), for an L1 op-node does not know by chain id, such as a private or dev L1.",
        ),
      }),
      'L1 endpoints, from Secrets because they usually embed API keys.',
    ),
  },
  {
    rules: [
      {
        rule: '!has(self.genesis) || !has(self.genesisUrl)',
        message: 'set chain.genesis or chain.genesisUrl, not both',
      },
    ],
  },
);

const p2p = object({
  staticPeers: optional(
    array(string({ maxLength: 1024 }), { maxItems: 64 }),
    "op-node --p2p.static, besides the members (which always peer with each other): multiaddrs of other nodes to keep connected (e.g. the chain's public nodes).",
  ),
  bootnodes: optional(
    array(string({ maxLength: 1024 }), { maxItems: 64 }),
    'op-node --p2p.bootnodes: ENRs to start discovery from.',
  ),
});

const podTemplate = object(
  {
    labels: optional(stringMap(32), 'Extra labels of member pods.'),
    annotations: optional(
      stringMap(32),
      'Extra annotations of member pods (changing them restarts members one by one).',
    ),
    nodeSelector: optional(stringMap(32), 'Node selector of member pods.'),
    tolerations: optional(tolerations(), 'Tolerations of member pods.'),
    affinity: optional(
      affinity(),
      'Affinity of member pods. Default: prefer one member per node (pod anti-affinity on kubernetes.io/hostname); setting it replaces that default.',
    ),
    topologySpreadConstraints: optional(topologySpreadConstraints(), 'Topology spread of member pods.'),
    priorityClassName: optional(string({ maxLength: 253 }), 'PriorityClass of member pods.'),
    volumes: optional(
      volumes(),
      'Extra volumes of member pods (Secrets with TLS files or tokens, a genesis volume, …), mounted through opNode/opGeth/conductor.volumeMounts.',
    ),
    terminationGracePeriodSeconds: defaulted(
      integer({ minimum: 1, maximum: 3600 }),
      300,
      'Grace period for the leader to hand leadership off, op-geth to flush its database and the conductor to leave cleanly.',
    ),
  },
  {
    rules: [
      {
        rule: "!has(self.labels) || self.labels.all(k, !k.startsWith('app.kubernetes.io/') && !k.startsWith('baton.dev/'))",
        message:
          'podTemplate.labels must not use the app.kubernetes.io/ or baton.dev/ prefixes: the operator owns those labels',
      },
    ],
  },
);

const updateStrategy = object({
  leaderUpdate: defaulted(
    enumOf(['Unsupervised', 'Supervised'] as const),
    'Unsupervised',
    'Unsupervised: the operator moves leadership off the leader and restarts it last. Supervised: it waits for a human to transfer leadership (baton ctl transfer-leader).',
  ),
  minReadySeconds: defaulted(
    integer({ minimum: 0, maximum: 3600 }),
    10,
    'A restarted member must stay ready and healthy this long before the next one restarts.',
  ),
  leaderTransferTimeout: defaulted(
    duration(),
    '30s',
    'How long to wait for a leadership transfer before reporting Stalled.',
  ),
  memberRestartTimeout: defaulted(
    duration(),
    '10m',
    'How long a restarted member may take to become healthy before reporting Stalled.',
  ),
});

export const specSchema = object(
  {
    replicas: defaulted(
      integer({
        rules: [
          {
            rule: `self % 2 == 1 && self >= 1 && self <= ${MAX_REPLICAS}`,
            message: `replicas must be odd, from 1 to ${MAX_REPLICAS}`,
          },
          {
            rule: 'oldSelf - self <= 2 && self - oldSelf <= 2',
            message: 'replicas may change by at most 2 at a time',
          },
        ],
      }),
      3,
      'Number of members (Raft voters): odd, 1 to 7. A cluster of n survives the loss of (n-1)/2 members.',
    ),
    paused: defaulted(
      boolean(),
      false,
      'Stop reconciling: no restarts, no membership changes, no leadership moves. Status is still reported.',
    ),
    chain: required(chain, 'The chain: rollup config, genesis and L1 endpoints.'),
    sequencerKey: required(
      secretKeyRef(),
      'Hex private key the sequencer signs gossiped blocks with (op-node --p2p.sequencer.key).',
    ),
    jwtSecret: optional(
      secretKeyRef(),
      'Hex JWT secret shared by op-node and op-geth (engine API). When absent the operator creates Secret <cluster>-jwt.',
    ),
    p2p: optional(p2p, 'op-node peer-to-peer settings beyond the members themselves.'),
    opNode: required(opNode, 'The op-node (consensus) container.'),
    opGeth: required(opGeth, 'The op-geth (execution) container.'),
    conductor: defaulted(conductor, {}, 'The conductor (Raft) container.'),
    imagePullSecrets: optional(imagePullSecrets(), 'Pull secrets for all images.'),
    podTemplate: defaulted(podTemplate, {}, 'Scheduling and metadata of member pods.'),
    updateStrategy: defaulted(updateStrategy, {}, 'How the operator rolls changes through the members.'),
    clusterDomain: defaulted(
      string({ maxLength: 253, minLength: 1 }),
      DEFAULT_CLUSTER_DOMAIN,
      "DNS domain of the Kubernetes cluster, for the members' stable names.",
    ),
  },
  {
    rules: [
      {
        rule: 'has(self.chain.genesis) || has(self.chain.genesisUrl) || !self.opGeth.initGenesis',
        message: 'chain.genesis or chain.genesisUrl is required unless opGeth.initGenesis is false',
      },
    ],
  },
);

/** The spec as the API server returns it: every default filled in. */
export type SequencerClusterSpec = Out<typeof specSchema>;
/** The spec as a user writes it: defaulted fields may be left out. */
export type SequencerClusterSpecInput = In<typeof specSchema>;

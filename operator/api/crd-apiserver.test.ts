/**
 * The generated CRD on a real kube-apiserver (e2e/cluster/testing/control-plane.ts): it is accepted
 * (CEL compiles and fits the cost budget), the examples are valid, the server's defaults equal
 * withDefaults(), and each invalid spec is rejected with its rule's message — on create, on update
 * (transition rules) and through the scale subresource.
 */
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { useControlPlane, waitFor } from '../../e2e/cluster/testing/control-plane.js';
import { exampleDocuments, exampleInput } from './examples.js';
import { renderCrdYaml } from './generate.js';
import { API_GROUP, API_VERSION, CRD_NAME, PLURAL } from './names.js';
import { withDefaults, type SequencerClusterInput } from './sequencer-cluster.js';

const cp = useControlPlane({ namespacePrefix: 'crd' });
const group = { group: API_GROUP, version: API_VERSION, plural: PLURAL };

beforeAll(async () => {
  await cp.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], await renderCrdYaml());
  await cp.kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
  // Established precedes the first successful request by a moment on a cold API server.
  await waitFor('SequencerCluster API', async () => {
    await cp.api(CustomObjectsApi).listNamespacedCustomObject({ ...group, namespace: cp.namespace });
    return true;
  });
}, 120_000);

let counter = 0;
function named(input: SequencerClusterInput, name = `c${++counter}`): SequencerClusterInput {
  return { ...input, metadata: { name } };
}

async function create(body: SequencerClusterInput): Promise<Record<string, unknown>> {
  return (await cp
    .api(CustomObjectsApi)
    .createNamespacedCustomObject({ ...group, namespace: cp.namespace, body })) as Record<string, unknown>;
}

/** The API server's error message for a rejected request (all causes joined). */
async function rejection(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (error) {
    if (error instanceof ApiException) return String(error.body);
    throw error;
  }
  throw new Error('the API server accepted the request');
}

const base = (): SequencerClusterInput => exampleInput('sequencercluster.yaml');

describe('examples', () => {
  it.each(['sequencercluster.yaml', 'sequencercluster-sim.yaml'] as const)(
    '%s is accepted, and the server defaults it exactly like withDefaults()',
    async (file) => {
      for (const doc of exampleDocuments(file).filter((d) => d.kind !== 'SequencerCluster')) {
        await cp.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(doc));
      }
      const input = named(exampleInput(file));
      const created = await create(input);
      expect(created.spec).toEqual(withDefaults(input).spec);
    },
  );
});

type Spec = SequencerClusterInput['spec'];
const invalid: [string, (spec: Spec) => Spec, string][] = [
  ['even replicas', (s) => ({ ...s, replicas: 4 }), 'replicas must be odd, from 1 to 7'],
  ['9 replicas', (s) => ({ ...s, replicas: 9 }), 'replicas must be odd, from 1 to 7'],
  ['empty op-node image', (s) => ({ ...s, opNode: { ...s.opNode, image: '' } }), 'image must not be empty'],
  [
    'empty conductor image',
    (s) => ({ ...s, conductor: { ...s.conductor, image: '' } }),
    'image must not be empty',
  ],
  [
    'bad duration',
    (s) => ({ ...s, updateStrategy: { ...s.updateStrategy, leaderTransferTimeout: '30 seconds' } }),
    'must be a duration such as 500ms, 30s, 10m or 1h30m',
  ],
  [
    'lease longer than heartbeat',
    (s) => ({
      ...s,
      conductor: { ...s.conductor, raft: { heartbeatTimeout: '1s', leaseTimeout: '1500ms' } },
    }),
    'raft.leaseTimeout must not exceed raft.heartbeatTimeout',
  ],
  [
    'key reference without key',
    (s) => ({ ...s, sequencerKey: { name: 'k', key: '' } }),
    'a Secret key reference needs both name and key',
  ],
  [
    'genesis missing',
    (s) => ({ ...s, chain: { ...s.chain, genesis: undefined } }),
    'chain.genesis or chain.genesisUrl is required unless opGeth.initGenesis is false',
  ],
  [
    'genesis given twice',
    (s) => ({ ...s, chain: { ...s.chain, genesisUrl: { url: 'https://x/g.json', sha256: 'a'.repeat(64) } } }),
    'set chain.genesis or chain.genesisUrl, not both',
  ],
  [
    'genesis URL that is not http(s)',
    (s) => ({
      ...s,
      chain: {
        ...s.chain,
        genesis: undefined,
        genesisUrl: { url: 'file:///g.json', sha256: 'a'.repeat(64) },
      },
    }),
    'chain.genesisUrl.url must be an http:// or https:// URL',
  ],
  [
    'a volume named like one of the operator’s',
    (s) => ({ ...s, podTemplate: { ...s.podTemplate, volumes: [{ name: 'jwt', emptyDir: {} }] } }),
    "podTemplate.volumes: the names tmp, chain, jwt, p2p-keys, geth-p2p, geth-data, raft-data are the operator's",
  ],
  [
    'a mount over the operator’s paths',
    (s) => ({
      ...s,
      conductor: { ...s.conductor, volumeMounts: [{ name: 'tls', mountPath: '/etc/baton/tls' }] },
    }),
    'mountPath must be absolute and outside /data, /raft, /tmp and /etc/baton',
  ],
  [
    '--raft.bootstrap in conductor args',
    (s) => ({ ...s, conductor: { ...s.conductor, args: ['--raft.bootstrap=true'] } }),
    'never set --raft.bootstrap',
  ],
  [
    '--rpc.admin-state in op-node args',
    (s) => ({ ...s, opNode: { ...s.opNode, args: ['--rpc.admin-state=/data/state.json'] } }),
    'op-node must not persist sequencer state',
  ],
  [
    '--p2p.static in op-node args',
    (s) => ({ ...s, opNode: { ...s.opNode, args: ['--p2p.static=/dns4/x/tcp/9222/p2p/16Uiu2HAmX'] } }),
    "op-node's --p2p.static and --p2p.priv.* are wired by the operator",
  ],
  [
    '--p2p.priv.path in op-node args',
    (s) => ({ ...s, opNode: { ...s.opNode, args: ['--p2p.priv.path=/data/key'] } }),
    "op-node's --p2p.static and --p2p.priv.* are wired by the operator",
  ],
  [
    'OP_NODE_P2P_PRIV_RAW in op-node env',
    (s) => ({ ...s, opNode: { ...s.opNode, env: [{ name: 'OP_NODE_P2P_PRIV_RAW', value: 'ab' }] } }),
    'OP_NODE_P2P_STATIC and OP_NODE_P2P_PRIV_* are wired by the operator',
  ],
  [
    'role label in the pod template',
    (s) => ({ ...s, podTemplate: { ...s.podTemplate, labels: { 'baton.dev/role': 'active' } } }),
    'podTemplate.labels must not use the app.kubernetes.io/ or baton.dev/ prefixes',
  ],
];

describe('invalid specs are rejected with the rule message', () => {
  it.each(invalid)('%s', async (_what, mutate, message) => {
    const input = named(base());
    const body = await rejection(create({ ...input, spec: mutate(input.spec) }));
    expect(body).toContain(message);
  });

  it('a name that cannot prefix every derived object', async () => {
    const body = await rejection(create(named(base(), `x${'a'.repeat(52)}`)));
    expect(body).toContain('metadata.name must be a DNS label of at most 52 characters');
  });
});

describe('transition rules', () => {
  const patch = (name: string, spec: Partial<Spec>) =>
    cp
      .api(CustomObjectsApi)
      .patchNamespacedCustomObject(
        { ...group, namespace: cp.namespace, name, body: { spec } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );

  it('replicas change by at most 2, through the main resource and the scale subresource', async () => {
    const input = named({ ...base(), spec: { ...base().spec, replicas: 1 } });
    await create(input);
    const name = input.metadata.name ?? '';
    expect(await rejection(patch(name, { replicas: 5 }))).toContain(
      'replicas may change by at most 2 at a time',
    );
    await patch(name, { replicas: 3 });
    const scale = await rejection(
      cp
        .api(CustomObjectsApi)
        .patchNamespacedCustomObjectScale(
          { ...group, namespace: cp.namespace, name, body: { spec: { replicas: 7 } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
    );
    expect(scale).toContain('replicas may change by at most 2 at a time');
    await patch(name, { replicas: 5 });
  });

  it('storage is immutable', async () => {
    const input = named(base());
    await create(input);
    const body = await rejection(
      patch(input.metadata.name ?? '', { opGeth: { ...base().spec.opGeth, storage: { size: '1Ti' } } }),
    );
    expect(body).toContain('storage cannot change after creation');
  });
});

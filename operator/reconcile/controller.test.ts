/**
 * The controller against a real API server (no kubelet: pods stay Pending, conductors are unreachable).
 * Proves: every object is created with an owner reference; a spec change updates them without touching
 * fields another manager owns; status and conditions carry observedGeneration; unreachable members show
 * in status without anything being deleted; deleting the cluster garbage-collects its objects; missing
 * references surface as a condition and a Warning Event; watches that die are restarted.
 */
import { AppsV1Api, CoreV1Api, CustomObjectsApi, PolicyV1Api } from '@kubernetes/client-node';
import { useControlPlane, waitFor } from '../../e2e/cluster/testing/control-plane.js';
import { API_GROUP, API_VERSION, KIND, PLURAL } from '../api/names.js';
import type { SequencerClusterInput } from '../api/sequencer-cluster.js';
import { p2pPeerId } from '../render/p2p.js';
import {
  createExamplePrerequisites,
  installCrd,
  simCluster,
  startOperator,
  type RunningOperator,
  type StoredCluster,
} from './testing/harness.js';

const cp = useControlPlane({ namespacePrefix: 'opkube' });
const group = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
let op: RunningOperator;

beforeAll(async () => {
  await installCrd(cp);
  await createExamplePrerequisites(cp);
  op = await startOperator(cp.kc, cp.namespace);
}, 120_000);

afterAll(async () => {
  await op?.stop();
});

const custom = () => cp.api(CustomObjectsApi);

async function create(input: SequencerClusterInput): Promise<StoredCluster> {
  return (await custom().createNamespacedCustomObject({
    ...group,
    namespace: cp.namespace,
    body: input,
  })) as StoredCluster;
}

async function get(name: string): Promise<StoredCluster> {
  return (await custom().getNamespacedCustomObject({
    ...group,
    namespace: cp.namespace,
    name,
  })) as StoredCluster;
}

/** Waits until the operator has written a status for the cluster's current generation. */
async function reconciled(
  name: string,
  extra: (c: StoredCluster) => boolean = () => true,
): Promise<StoredCluster> {
  return waitFor(
    `status of ${name} for its generation`,
    async () => {
      const c = await get(name);
      return c.status?.observedGeneration === c.metadata.generation && extra(c) ? c : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

async function objectsOf(name: string) {
  const ns = cp.namespace;
  const core = cp.api(CoreV1Api);
  const [sts, peers, seq, rpc, pdb, activePdb, sa, cm, jwt, p2p, p2pKeys] = await Promise.all([
    cp.api(AppsV1Api).readNamespacedStatefulSet({ name, namespace: ns }),
    core.readNamespacedService({ name: `${name}-peers`, namespace: ns }),
    core.readNamespacedService({ name: `${name}-sequencer`, namespace: ns }),
    core.readNamespacedService({ name: `${name}-rpc`, namespace: ns }),
    cp.api(PolicyV1Api).readNamespacedPodDisruptionBudget({ name, namespace: ns }),
    cp.api(PolicyV1Api).readNamespacedPodDisruptionBudget({ name: `${name}-active`, namespace: ns }),
    core.readNamespacedServiceAccount({ name, namespace: ns }),
    core.readNamespacedConfigMap({ name: `${name}-bootstrap`, namespace: ns }),
    core.readNamespacedSecret({ name: `${name}-jwt`, namespace: ns }),
    core.readNamespacedConfigMap({ name: `${name}-p2p`, namespace: ns }),
    core.readNamespacedSecret({ name: `${name}-p2p-keys`, namespace: ns }),
  ]);
  return { sts, peers, seq, rpc, pdb, activePdb, sa, cm, jwt, p2p, p2pKeys };
}

describe('a new SequencerCluster', () => {
  let cluster: StoredCluster;

  beforeAll(async () => {
    await create(simCluster('alpha'));
    cluster = await reconciled(
      'alpha',
      (c) =>
        c.status?.replicas === 3 &&
        c.status.conditions?.find((k) => k.type === 'Progressing')?.reason === 'WaitingForConductors',
    );
  }, 60_000);

  it('gets every object, each owned by the cluster (controller owner reference)', async () => {
    const objects = await waitFor('all objects of alpha', () => objectsOf('alpha').catch(() => undefined));
    for (const [what, o] of Object.entries(objects)) {
      const owner = o.metadata?.ownerReferences?.find((r) => r.controller);
      expect({ what, owner }).toEqual({
        what,
        owner: expect.objectContaining({
          apiVersion: `${API_GROUP}/${API_VERSION}`,
          kind: KIND,
          name: 'alpha',
          uid: cluster.metadata.uid,
          blockOwnerDeletion: true,
        }),
      });
    }
    expect(objects.sts.spec?.replicas).toBe(3);
    expect(objects.sts.spec?.updateStrategy?.type).toBe('OnDelete');
    // The leader's pod is never evicted: a drain waits until the operator has moved leadership off it.
    expect(objects.activePdb.spec).toMatchObject({
      maxUnavailable: 0,
      selector: { matchLabels: expect.objectContaining({ 'baton.dev/role': 'active' }) },
    });
    // No conductor has answered, so nobody may bootstrap Raft yet (one with old state would fork the chain).
    expect(objects.cm.data ?? {}).toEqual({});
    expect(Buffer.from(objects.jwt.data?.['jwt.hex'] ?? '', 'base64').toString()).toMatch(/^[0-9a-f]{64}$/);
    // The op-nodes peer with each other: each member listed by DNS name and the peer id of its key.
    const key = (pod: string) => Buffer.from(objects.p2pKeys.data?.[pod] ?? '', 'base64').toString();
    expect(objects.p2p.data?.['static-peers']?.split(',')).toEqual(
      ['alpha-0', 'alpha-1', 'alpha-2'].map(
        (pod) =>
          `/dns4/${pod}.alpha-peers.${cp.namespace}.svc.cluster.local/tcp/9222/p2p/${p2pPeerId(key(pod))}`,
      ),
    );
  });

  it('applies with its own field manager (server-side apply)', async () => {
    const sts = await cp.api(AppsV1Api).readNamespacedStatefulSet({ name: 'alpha', namespace: cp.namespace });
    const managers = (sts.metadata?.managedFields ?? []).map((f) => [f.manager, f.operation]);
    expect(managers).toContainEqual(['baton-operator', 'Apply']);
  });

  it('reports status with observedGeneration on the status and every condition', async () => {
    const s = cluster.status!;
    expect(s.observedGeneration).toBe(cluster.metadata.generation);
    expect(s.conditions?.map((c) => c.type).sort()).toEqual(['Degraded', 'Progressing', 'Ready', 'Stalled']);
    for (const c of s.conditions ?? []) expect(c.observedGeneration).toBe(cluster.metadata.generation);
    expect(s.phase).toBe('Forming');
    expect(s.updateRevision).toMatch(/.+/);
    expect(s.selector).toBe('app.kubernetes.io/name=baton-sequencer,baton.dev/cluster=alpha');
    expect(s.raft).toEqual({ formed: false });
    expect(s.conditions?.find((c) => c.type === 'Progressing')).toEqual(
      expect.objectContaining({ reason: 'WaitingForConductors' }),
    );
    expect(s.replicas).toBe(3);
    expect(s.readyReplicas).toBe(0);
  });

  it('shows unreachable conductors as unhealthy members and a Degraded/Ready=False cluster, deleting nothing', async () => {
    const s = cluster.status!;
    expect(s.members?.map((m) => [m.pod, m.healthy, m.ready])).toEqual([
      ['alpha-0', false, false],
      ['alpha-1', false, false],
      ['alpha-2', false, false],
    ]);
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toEqual(expect.objectContaining({ status: 'False', reason: 'NoLeader' }));
    const pods = await cp
      .api(CoreV1Api)
      .listNamespacedPod({ namespace: cp.namespace, labelSelector: 'baton.dev/cluster=alpha' });
    expect(pods.items.map((p) => p.metadata?.name).sort()).toEqual(['alpha-0', 'alpha-1', 'alpha-2']);
    expect(pods.items.every((p) => !p.metadata?.deletionTimestamp)).toBe(true);
  });

  it('records Events for the steps it takes', async () => {
    const events = await waitFor('events of alpha', async () => {
      const list = await cp.api(CoreV1Api).listNamespacedEvent({
        namespace: cp.namespace,
        fieldSelector: `involvedObject.name=alpha,involvedObject.kind=SequencerCluster`,
      });
      const reasons = list.items.map((e) => e.reason);
      return reasons.length >= 2 ? list.items : undefined;
    });
    expect(events.every((e) => e.source?.component === 'baton-operator')).toBe(true);
    expect(events.map((e) => e.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/StatefulSet/i)]),
    );
  });
});

describe('a spec change', () => {
  it('updates the objects without touching fields other managers own', async () => {
    await create(simCluster('beta'));
    const before = await reconciled('beta');
    // Another manager (a human with kubectl) adds an annotation and a label to objects the operator owns.
    await cp.kubectl(['annotate', 'statefulset', 'beta', 'example.com/owner=team-a']);
    await cp.kubectl(['label', 'service', 'beta-rpc', 'example.com/tier=gold']);
    await custom().patchNamespacedCustomObject({
      ...group,
      namespace: cp.namespace,
      name: 'beta',
      body: [{ op: 'replace', path: '/spec/opNode/image', value: 'baton:0.2.0' }],
    });
    const after = await reconciled('beta', (c) => c.metadata.generation > before.metadata.generation);
    expect(after.status?.updateRevision).not.toBe(before.status?.updateRevision);
    const sts = await waitFor('template updated', async () => {
      const s = await cp.api(AppsV1Api).readNamespacedStatefulSet({ name: 'beta', namespace: cp.namespace });
      const image = s.spec?.template.spec?.containers.find((c) => c.name === 'op-node')?.image;
      return image === 'baton:0.2.0' ? s : undefined;
    });
    expect(sts.metadata?.annotations?.['example.com/owner']).toBe('team-a');
    const rpc = await cp.api(CoreV1Api).readNamespacedService({ name: 'beta-rpc', namespace: cp.namespace });
    expect(rpc.metadata?.labels?.['example.com/tier']).toBe('gold');
    // Replicas are the planner's: a spec change never scales the StatefulSet behind Raft's back.
    expect(sts.spec?.replicas).toBe(3);
    for (const c of after.status?.conditions ?? [])
      expect(c.observedGeneration).toBe(after.metadata.generation);
  });
});

describe('deleting a SequencerCluster', () => {
  it('garbage-collects every object it owned', async () => {
    await create(simCluster('gamma'));
    await reconciled('gamma');
    await waitFor('gamma objects', () => objectsOf('gamma').catch(() => undefined));
    await custom().deleteNamespacedCustomObject({ ...group, namespace: cp.namespace, name: 'gamma' });
    await waitFor(
      'gamma objects collected',
      async () => {
        const left = await cp.kubectl([
          'get',
          'statefulset,service,configmap,secret,pdb,serviceaccount,pod',
          '-l',
          'baton.dev/cluster=gamma',
          '-o',
          'name',
        ]);
        return left.trim() === '' ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
  }, 90_000);
});

describe('invalid SequencerClusters', () => {
  /** kubectl's error output for a rejected apply. */
  async function rejected(input: SequencerClusterInput): Promise<string> {
    try {
      await cp.kubectl(['apply', '-f', '-'], JSON.stringify(input));
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('the API server accepted the object');
  }

  it.each([
    ['an even replica count', { replicas: 4 }, 'replicas must be odd, from 1 to 7'],
    [
      '--raft.bootstrap in conductor args',
      { conductor: { args: ['--raft.bootstrap'] } },
      'never set --raft.bootstrap',
    ],
    [
      'a malformed duration',
      { updateStrategy: { leaderTransferTimeout: 'soon' } },
      'must be a duration such as 500ms',
    ],
  ] as const)('%s is rejected by the API server with its message', async (_what, patch, message) => {
    const base = simCluster('invalid');
    const input = { ...base, spec: { ...base.spec, ...patch } } as SequencerClusterInput;
    expect(await rejected(input)).toContain(message);
  });

  it('a missing Secret becomes a Stalled condition and a Warning Event naming what to fix', async () => {
    const input = simCluster('delta');
    await create({ ...input, spec: { ...input.spec, sequencerKey: { name: 'no-such-secret', key: 'k' } } });
    const c = await reconciled(
      'delta',
      (x) => x.status?.conditions?.some((k) => k.type === 'Stalled' && k.status === 'True') ?? false,
    );
    const stalled = c.status?.conditions?.find((k) => k.type === 'Stalled');
    expect(stalled).toEqual(
      expect.objectContaining({
        reason: 'MissingSecret',
        observedGeneration: c.metadata.generation,
        message: expect.stringContaining(
          `Secret ${cp.namespace}/no-such-secret (spec.sequencerKey) does not exist`,
        ),
      }),
    );
    expect(c.status?.phase).toBe('Pending');
    const events = await waitFor('warning event', async () => {
      const list = await cp.api(CoreV1Api).listNamespacedEvent({
        namespace: cp.namespace,
        fieldSelector: 'involvedObject.name=delta,type=Warning',
      });
      return list.items.length ? list.items : undefined;
    });
    expect(events[0]?.reason).toBe('MissingSecret');
    expect(events[0]?.message).toContain('create it with key "k"');
    // Nothing is rendered for a cluster that cannot run.
    await expect(
      cp.api(AppsV1Api).readNamespacedStatefulSet({ name: 'delta', namespace: cp.namespace }),
    ).rejects.toThrow();
  });

  it('a ConfigMap without the key is reported with the keys it has; fixing it lets the cluster proceed, and nothing was deleted', async () => {
    await create(simCluster('epsilon'));
    await reconciled('epsilon');
    await waitFor('epsilon objects', () => objectsOf('epsilon').catch(() => undefined));
    // Point the running cluster at a key the ConfigMap does not have.
    await custom().patchNamespacedCustomObject({
      ...group,
      namespace: cp.namespace,
      name: 'epsilon',
      body: [{ op: 'replace', path: '/spec/chain/rollupConfig/key', value: 'rollup.yaml' }],
    });
    const c = await reconciled(
      'epsilon',
      (x) => x.status?.conditions?.some((k) => k.reason === 'MissingConfigMapKey') ?? false,
    );
    expect(c.status?.conditions?.find((k) => k.type === 'Stalled')?.message).toBe(
      `ConfigMap ${cp.namespace}/sim-chain (spec.chain.rollupConfig) has no key "rollup.yaml": add it, or set spec.chain.rollupConfig.key to one of its keys ("rollup.json")`,
    );
    const objects = await objectsOf('epsilon'); // still all there
    expect(objects.sts.metadata?.deletionTimestamp).toBeUndefined();
    await custom().patchNamespacedCustomObject({
      ...group,
      namespace: cp.namespace,
      name: 'epsilon',
      body: [{ op: 'replace', path: '/spec/chain/rollupConfig/key', value: 'rollup.json' }],
    });
    const fixed = await reconciled(
      'epsilon',
      (x) => x.status?.conditions?.find((k) => k.type === 'Stalled')?.status === 'False',
    );
    expect(fixed.status?.phase).toBe('Forming');
  });
});

describe('watch failures', () => {
  it('reconciliation continues after every watch connection is cut', async () => {
    await create(simCluster('zeta'));
    const before = await reconciled('zeta');
    const watches = op.controller.clusters[0]!.watches;
    op.controller.disconnectWatches();
    await custom().patchNamespacedCustomObject({
      ...group,
      namespace: cp.namespace,
      name: 'zeta',
      body: [{ op: 'replace', path: '/spec/opGeth/image', value: 'baton:0.3.0' }],
    });
    await reconciled('zeta', (c) => c.metadata.generation > before.metadata.generation);
    expect(op.controller.clusters[0]!.watches).toBeGreaterThan(watches);
  });

  it('an expired resourceVersion (410 Gone) relists and carries on', async () => {
    const before = await get('zeta');
    const lists = op.controller.clusters[0]!.lists;
    op.controller.expireWatches();
    await custom().patchNamespacedCustomObject({
      ...group,
      namespace: cp.namespace,
      name: 'zeta',
      body: [{ op: 'replace', path: '/spec/opGeth/image', value: 'baton:0.4.0' }],
    });
    await reconciled('zeta', (c) => c.metadata.generation > before.metadata.generation);
    await waitFor('relist', () => op.controller.clusters[0]!.lists > lists);
  });
});

describe('metrics', () => {
  it('count reconciles, API requests, queue depth and per-cluster state', async () => {
    const text = await op.metrics.registry.metrics();
    expect(text).toMatch(
      /controller_runtime_reconcile_total\{controller="sequencercluster",result="requeue_after"\} [1-9]/,
    );
    expect(text).toMatch(/baton_operator_api_requests_total\{verb="patch",code="200"\} [1-9]/);
    expect(text).toContain('workqueue_depth{name="sequencercluster"}');
    expect(text).toMatch(/baton_sequencercluster_phase\{namespace="[^"]+",name="alpha",phase="Forming"\} 1/);
  });
});

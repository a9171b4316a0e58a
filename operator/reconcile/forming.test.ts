/**
 * The operator forms a Raft cluster through conductor RPC: it names the bootstrap member in the
 * ConfigMap only once every conductor answered, clears it as soon as a configuration exists, adds the
 * other members as non-voters and promotes them (each call carrying the configuration version it decided
 * on), labels the leader's pod active, and reports members, leader, head and Ready in status.
 *
 * The conductors are scripted (test/fake-conductors.ts) and there is no kubelet, so two things a real
 * cluster does on its own are done here explicitly and labelled: marking pods Ready (the kubelet) and
 * bootstrapping the named member (its conductor at start-up).
 */
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { useControlPlane, waitFor } from '../../e2e/cluster/testing/control-plane.js';
import { API_GROUP, API_VERSION, PLURAL } from '../api/names.js';
import { KubeClient } from '../kube/client.js';
import { FakeConductors } from './testing/fake-conductors.js';
import {
  createExamplePrerequisites,
  installCrd,
  simCluster,
  startOperator,
  type RunningOperator,
  type StoredCluster,
} from './testing/harness.js';

const cp = useControlPlane({ namespacePrefix: 'opform' });
const group = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
const pods = ['kappa-0', 'kappa-1', 'kappa-2'];
/** Conductors for members a scale-up adds later. */
const spare = ['kappa-3', 'kappa-4'];
const fake = new FakeConductors();
let op: RunningOperator;
let raw: KubeClient;

beforeAll(async () => {
  await installCrd(cp);
  await createExamplePrerequisites(cp);
  await fake.start([...pods, ...spare]);
  raw = new KubeClient(cp.kc);
  op = await startOperator(cp.kc, cp.namespace, { resolver: fake.resolver() });
}, 120_000);

afterAll(async () => {
  await op?.stop();
  raw?.close();
  await fake.stop();
});

const get = async () =>
  (await cp
    .api(CustomObjectsApi)
    .getNamespacedCustomObject({ ...group, namespace: cp.namespace, name: 'kappa' })) as StoredCluster;

/** Stands in for the kubelet: the pod's containers started and passed their readiness probes. */
async function markReady(pod: string): Promise<void> {
  const now = new Date().toISOString();
  await raw.request('PATCH', `/api/v1/namespaces/${cp.namespace}/pods/${pod}/status`, {
    contentType: 'application/strategic-merge-patch+json',
    body: {
      status: {
        phase: 'Running',
        podIP: '10.0.0.1',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      },
    },
  });
}

it('forms the Raft cluster: bootstrap member, non-voters, promotion, leader label, Ready', async () => {
  const input = simCluster('kappa');
  await cp.api(CustomObjectsApi).createNamespacedCustomObject({
    ...group,
    namespace: cp.namespace,
    body: { ...input, spec: { ...input.spec, updateStrategy: { minReadySeconds: 0 } } },
  });
  await waitFor('pods', async () => {
    const list = await cp
      .api(CoreV1Api)
      .listNamespacedPod({ namespace: cp.namespace, labelSelector: 'baton.dev/cluster=kappa' });
    return list.items.length === 3 ? true : undefined;
  });
  for (const p of pods) await markReady(p);

  // Every conductor answered with an empty configuration: kappa-0 may bootstrap.
  const cm = await waitFor('bootstrap member named', async () => {
    const c = await cp
      .api(CoreV1Api)
      .readNamespacedConfigMap({ name: 'kappa-bootstrap', namespace: cp.namespace });
    return c.data?.member === 'kappa-0' ? c : undefined;
  });
  expect(cm.data).toEqual({ member: 'kappa-0' });
  // The status follows in the same reconcile, after the ConfigMap write (and the step's Event).
  await waitFor('status naming the bootstrap member', async () =>
    (await get()).status?.raft?.bootstrapMember === 'kappa-0' ? true : undefined,
  );
  expect(fake.calls.filter((c) => c.method.includes('Server'))).toEqual([]); // nothing joined before bootstrap

  // Stands in for kappa-0's conductor reading --raft.bootstrap-member=kappa-0 at start-up.
  const address = (pod: string) => `${pod}.kappa-peers.${cp.namespace}.svc.cluster.local:50050`;
  fake.bootstrap('kappa-0', address('kappa-0'));

  const formed = await waitFor(
    'all members healthy voters',
    async () => {
      const c = await get();
      const ready = c.status?.conditions?.find((k) => k.type === 'Ready');
      return ready?.status === 'True' && c.status?.phase === 'Running' ? c : undefined;
    },
    { timeoutMs: 30_000 },
  );
  // Membership calls went to the leader, in order, each with the version it was decided on.
  expect(
    fake.calls.filter((c) => c.method.includes('Server')).map((c) => [c.pod, c.method, ...c.params]),
  ).toEqual([
    ['kappa-0', 'conductor_addServerAsNonvoter', 'kappa-1', address('kappa-1'), 1],
    ['kappa-0', 'conductor_addServerAsVoter', 'kappa-1', address('kappa-1'), 2],
    ['kappa-0', 'conductor_addServerAsNonvoter', 'kappa-2', address('kappa-2'), 3],
    ['kappa-0', 'conductor_addServerAsVoter', 'kappa-2', address('kappa-2'), 4],
  ]);
  const s = formed.status!;
  expect(s.raft).toEqual({ formed: true, configVersion: 5 });
  expect(s.leader).toEqual(expect.objectContaining({ pod: 'kappa-0', id: 'kappa-0' }));
  expect(s.head).toBe(100);
  expect(s.ready).toBe('3/3');
  expect(s.members).toEqual([
    expect.objectContaining({
      pod: 'kappa-0',
      suffrage: 'Voter',
      leader: true,
      healthy: true,
      sequencerActive: true,
      ready: true,
      unsafeHead: { number: 100, hash: `0x${'ab'.repeat(32)}` },
    }),
    expect.objectContaining({
      pod: 'kappa-1',
      suffrage: 'Voter',
      leader: false,
      healthy: true,
      sequencerActive: false,
    }),
    expect.objectContaining({
      pod: 'kappa-2',
      suffrage: 'Voter',
      leader: false,
      healthy: true,
      sequencerActive: false,
    }),
  ]);
  for (const c of s.conditions ?? []) expect(c.observedGeneration).toBe(formed.metadata.generation);

  // The bootstrap key is gone (no pod that loses its disk may bootstrap a second cluster) …
  const after = await cp
    .api(CoreV1Api)
    .readNamespacedConfigMap({ name: 'kappa-bootstrap', namespace: cp.namespace });
  expect(after.data ?? {}).toEqual({});
  // … the leader's pod is the one the sequencer Service selects …
  const labelled = await cp
    .api(CoreV1Api)
    .listNamespacedPod({ namespace: cp.namespace, labelSelector: 'baton.dev/role=active' });
  expect(labelled.items.map((p) => p.metadata?.name)).toEqual(['kappa-0']);
  // … the StatefulSet was never scaled behind Raft's back, and an Event was recorded per step.
  const sts = await cp.api(AppsV1Api).readNamespacedStatefulSet({ name: 'kappa', namespace: cp.namespace });
  expect(sts.spec?.replicas).toBe(3);
  const events = await cp
    .api(CoreV1Api)
    .listNamespacedEvent({ namespace: cp.namespace, fieldSelector: 'involvedObject.kind=SequencerCluster' });
  const reasons = new Set(events.items.map((e) => e.reason));
  for (const r of ['CreatingStatefulSet', 'Bootstrapping', 'Bootstrapped']) expect(reasons).toContain(r);
  expect(events.items.filter((e) => e.type === 'Warning')).toEqual([]);
}, 60_000);

/**
 * Stands in for the kubelet while `during` runs: pods the StatefulSet (re)creates start and become Ready.
 * Returns the order in which pods were replaced (uid changed) or created.
 */
async function withKubelet(during: () => Promise<void>): Promise<{ replaced: string[]; created: string[] }> {
  const core = cp.api(CoreV1Api);
  const uids = new Map<string, string>();
  const replaced: string[] = [];
  const created: string[] = [];
  let running = true;
  let first = true;
  let listedOnce: () => void = () => undefined;
  const firstListing = new Promise<void>((resolve) => (listedOnce = resolve));
  const loop = (async () => {
    while (running) {
      const list = await core.listNamespacedPod({
        namespace: cp.namespace,
        labelSelector: 'baton.dev/cluster=kappa',
      });
      for (const p of list.items) {
        const name = p.metadata?.name ?? '';
        const uid = p.metadata?.uid ?? '';
        if (uids.has(name) && uids.get(name) !== uid) replaced.push(name);
        if (!uids.has(name) && !first) created.push(name);
        uids.set(name, uid);
        const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        if (!ready && !p.metadata?.deletionTimestamp) await markReady(name).catch(() => undefined);
      }
      first = false;
      listedOnce();
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    // Know the pods that exist before `during` acts, or a fast controller's new pods look old.
    await firstListing;
    await during();
  } finally {
    running = false;
    await loop;
  }
  return { replaced, created };
}

async function patchSpec(path: string, value: unknown): Promise<void> {
  await cp.api(CustomObjectsApi).patchNamespacedCustomObject({
    ...group,
    namespace: cp.namespace,
    name: 'kappa',
    body: [{ op: 'replace', path, value }],
  });
}

/** Waits for a status of the current generation that satisfies `check`. */
async function settled(what: string, check: (c: StoredCluster) => boolean): Promise<StoredCluster> {
  return waitFor(
    what,
    async () => {
      const c = await get();
      return c.status?.observedGeneration === c.metadata.generation && check(c) ? c : undefined;
    },
    { timeoutMs: 45_000 },
  );
}

it('rolls an upgrade through the members: followers first, leadership moved, the old leader last', async () => {
  const before = await get();
  const callsBefore = fake.calls.length;
  let done: StoredCluster | undefined;
  const { replaced } = await withKubelet(async () => {
    await patchSpec('/spec/opNode/image', 'baton:0.2.0');
    done = await settled(
      'rollout finished',
      (c) =>
        c.metadata.generation > before.metadata.generation &&
        c.status?.updatedReplicas === 3 &&
        c.status.currentRevision === c.status.updateRevision &&
        c.status.phase === 'Running',
    );
  });
  const status = done!.status!;
  expect(status.updateRevision).not.toBe(before.status?.updateRevision);
  // Each member was restarted exactly once, the leader last.
  expect(replaced).toHaveLength(3);
  expect(new Set(replaced)).toEqual(new Set(pods));
  expect(replaced[2]).toBe('kappa-0');
  // Leadership moved once, before the old leader went down; membership never changed.
  const during = fake.calls.slice(callsBefore);
  expect(during.map((c) => [c.pod, c.method])).toEqual([['kappa-0', 'conductor_transferLeaderToServer']]);
  const newLeader = status.leader?.pod;
  expect(newLeader).not.toBe('kappa-0');
  expect(during[0]?.params[0]).toBe(newLeader);
  const active = await cp
    .api(CoreV1Api)
    .listNamespacedPod({ namespace: cp.namespace, labelSelector: 'baton.dev/role=active' });
  expect(active.items.map((p) => p.metadata?.name)).toEqual([newLeader]);
  expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
}, 60_000);

it('scales 3 → 5 (join as non-voters, then promote) and back to 3 (remove from Raft before the pods go)', async () => {
  const address = (pod: string) => `${pod}.kappa-peers.${cp.namespace}.svc.cluster.local:50050`;
  const leader = (await get()).status?.leader?.pod ?? '';
  let mark = fake.calls.length;
  const up = await withKubelet(async () => {
    await patchSpec('/spec/replicas', 5);
    await settled('5 healthy voters', (c) => c.status?.ready === '5/5' && c.status.phase === 'Running');
  });
  expect(up.created.sort()).toEqual(spare);
  const joined = fake.calls.slice(mark).map((c) => [c.pod, c.method, c.params[0], c.params[1]]);
  expect(joined).toEqual([
    [leader, 'conductor_addServerAsNonvoter', 'kappa-3', address('kappa-3')],
    [leader, 'conductor_addServerAsVoter', 'kappa-3', address('kappa-3')],
    [leader, 'conductor_addServerAsNonvoter', 'kappa-4', address('kappa-4')],
    [leader, 'conductor_addServerAsVoter', 'kappa-4', address('kappa-4')],
  ]);
  expect(fake.servers.map((s) => [s.id, s.suffrage]).sort()).toEqual(
    [...pods, ...spare].map((p) => [p, 0]).sort(),
  );

  mark = fake.calls.length;
  await withKubelet(async () => {
    await patchSpec('/spec/replicas', 3);
    await settled(
      '3 members again',
      (c) => c.status?.ready === '3/3' && c.status.replicas === 3 && c.status.phase === 'Running',
    );
  });
  // Highest ordinals leave Raft one at a time (the planner shrinks the StatefulSet only after each removal).
  expect(fake.calls.slice(mark).map((c) => [c.method, c.params[0]])).toEqual([
    ['conductor_removeServer', 'kappa-4'],
    ['conductor_removeServer', 'kappa-3'],
  ]);
  expect(fake.servers.map((s) => s.id).sort()).toEqual(pods);
  const sts = await cp.api(AppsV1Api).readNamespacedStatefulSet({ name: 'kappa', namespace: cp.namespace });
  expect(sts.spec?.replicas).toBe(3);
}, 90_000);

it('rolls the members when the rollup config they read at start is edited, like an upgrade', async () => {
  const before = await get();
  const leaderBefore = before.status?.leader?.pod ?? '';
  const callsBefore = fake.calls.length;
  const configMap = `/api/v1/namespaces/${cp.namespace}/configmaps/sim-chain`;
  let done: StoredCluster | undefined;
  const { replaced } = await withKubelet(async () => {
    // No spec change: the generation stays, only the ConfigMap the cluster references changes.
    await raw.request('PATCH', configMap, {
      contentType: 'application/merge-patch+json',
      body: { data: { 'rollup.json': '{"block_time": 1, "l2_chain_id": 901, "holocene_time": 0}' } },
    });
    done = await settled(
      'rollout after the ConfigMap edit',
      (c) =>
        c.status?.updateRevision !== before.status?.updateRevision &&
        c.status?.updatedReplicas === 3 &&
        c.status.currentRevision === c.status.updateRevision &&
        c.status.phase === 'Running',
    );
  });
  expect(done!.metadata.generation).toBe(before.metadata.generation);
  // Every member restarted once, the leader last, after leadership moved off it.
  expect(new Set(replaced)).toEqual(new Set(pods));
  expect(replaced).toHaveLength(3);
  expect(replaced[2]).toBe(leaderBefore);
  const during = fake.calls.slice(callsBefore);
  expect(during.map((c) => [c.pod, c.method])).toEqual([[leaderBefore, 'conductor_transferLeaderToServer']]);
  const sts = await cp.api(AppsV1Api).readNamespacedStatefulSet({ name: 'kappa', namespace: cp.namespace });
  expect(sts.spec?.template.metadata?.annotations?.['baton.dev/config-digest']).toMatch(/^[0-9a-f]{16}$/);
}, 90_000);

it('reports each member’s Raft lag from the leader, and a follower far behind in Raft is not caught up', async () => {
  const c = await settled('Raft lags reported', (x) =>
    (x.status?.members ?? []).every((m) => m.raftLag === 0),
  );
  const leader = c.status?.leader?.pod ?? '';
  const follower = pods.find((p) => p !== leader)!;
  fake.raftLags.set(follower, 500);
  try {
    const behind = await settled(`${follower} 500 entries behind`, (x) =>
      (x.status?.members ?? []).some((m) => m.pod === follower && m.raftLag === 500),
    );
    expect(behind.status?.conditions?.find((k) => k.type === 'Degraded')).toEqual(
      expect.objectContaining({
        status: 'True',
        message: expect.stringContaining(`${follower}: Raft log 500 entries behind`),
      }),
    );
  } finally {
    fake.raftLags.delete(follower);
  }
  const healed = await settled(
    'lag back to 0',
    (x) =>
      (x.status?.members ?? []).every((m) => m.raftLag === 0) &&
      x.status?.conditions?.find((k) => k.type === 'Degraded')?.status === 'False',
  );
  expect(healed.status?.phase).toBe('Running');

  // A follower the leader has not heard from is not counted on, however caught up it looks.
  fake.silences.set(follower, 20_000);
  try {
    const silent = await settled(`${follower} reported silent`, (x) =>
      (x.status?.conditions ?? []).some(
        (k) => k.type === 'Degraded' && k.status === 'True' && k.message.includes('has not heard from it'),
      ),
    );
    expect(silent.status?.conditions?.find((k) => k.type === 'Degraded')?.message).toContain(
      `${follower}: the Raft leader has not heard from it for 20.0s`,
    );
  } finally {
    fake.silences.delete(follower);
  }
  await settled(
    'heard from again',
    (x) => x.status?.conditions?.find((k) => k.type === 'Degraded')?.status === 'False',
  );

  // Conductors without baton_raftStatus (op-conductor, an older Baton): the lag is unknown, not 0, and
  // the members are judged on their heads alone.
  fake.raftStatusSupported = false;
  try {
    const unknown = await settled('raftLag gone from status', (x) =>
      (x.status?.members ?? []).every((m) => m.raftLag === undefined),
    );
    expect(unknown.status?.conditions?.find((k) => k.type === 'Ready')?.status).toBe('True');
  } finally {
    fake.raftStatusSupported = true;
  }
}, 90_000);

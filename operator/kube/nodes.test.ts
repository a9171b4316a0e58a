/**
 * CordonedNodes against a real API server: it reports exactly the cordoned nodes (spec.unschedulable, what
 * `kubectl cordon` sets), reads each node at most once per TTL, and an operator that may not read nodes
 * (a namespaced install) gets a 403 that is reported once and then means "none known", not an error.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { useControlPlane } from '../../e2e/cluster/testing/control-plane.js';
import { KubeClient } from './client.js';
import { CordonedNodes } from './nodes.js';

const cp = useControlPlane({ namespacePrefix: 'opnodes' });
const suffix = randomBytes(3).toString('hex');
const [cordoned, schedulable] = [`cordoned-${suffix}`, `schedulable-${suffix}`];
let client: KubeClient;

beforeAll(async () => {
  client = new KubeClient(cp.kc);
  for (const name of [cordoned, schedulable])
    await cp.api(CoreV1Api).createNode({ body: { metadata: { name }, spec: { unschedulable: false } } });
  await cp.kubectl(['cordon', cordoned]);
}, 120_000);

afterAll(async () => {
  client?.close();
  for (const name of [cordoned, schedulable])
    await cp
      .api(CoreV1Api)
      .deleteNode({ name })
      .catch(() => undefined);
});

it('reports the cordoned nodes among those asked for; unknown nodes are not cordoned', async () => {
  const nodes = new CordonedNodes(client, () => {
    throw new Error('no 403 expected with cluster-admin');
  });
  expect(await nodes.of([cordoned, schedulable, `missing-${suffix}`, cordoned])).toEqual(new Set([cordoned]));
});

it('reads a node again only after the TTL, so an uncordon is seen then', async () => {
  let now = 1_000_000;
  const nodes = new CordonedNodes(
    client,
    () => undefined,
    5_000,
    300_000,
    () => now,
  );
  client.resetCounts();
  expect(await nodes.of([schedulable])).toEqual(new Set());
  await cp.kubectl(['cordon', schedulable]);
  now += 4_000;
  expect(await nodes.of([schedulable])).toEqual(new Set()); // cached
  expect(client.requestCounts.get).toBe(1);
  now += 2_000;
  expect(await nodes.of([schedulable])).toEqual(new Set([schedulable]));
  expect(client.requestCounts.get).toBe(2);
  await cp.kubectl(['uncordon', schedulable]);
});

it('without RBAC on nodes: one warning saying what to grant, then no cordons known and no more requests', async () => {
  const core = cp.api(CoreV1Api);
  const account = 'no-node-access';
  await core.createNamespacedServiceAccount({
    namespace: cp.namespace,
    body: { metadata: { name: account } },
  });
  const token = await core.createNamespacedServiceAccountToken({
    name: account,
    namespace: cp.namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const admin = cp.kc.getCurrentCluster()!;
  const restricted = new KubeConfig();
  restricted.loadFromOptions({
    clusters: [admin],
    users: [{ name: account, token: token.status!.token }],
    contexts: [{ name: account, cluster: admin.name, user: account }],
    currentContext: account,
  });
  const restrictedClient = new KubeClient(restricted);
  try {
    const warnings: string[] = [];
    let now = 0;
    const nodes = new CordonedNodes(
      restrictedClient,
      (m) => warnings.push(m),
      5_000,
      300_000,
      () => now,
    );
    expect(await nodes.of([cordoned])).toEqual(new Set());
    now += 10_000;
    expect(await nodes.of([cordoned])).toEqual(new Set());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot read nodes \(403\).*grant get on nodes/);
    expect(restrictedClient.requestCounts.get).toBe(1);
  } finally {
    restrictedClient.close();
  }
});

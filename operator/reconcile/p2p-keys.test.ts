/**
 * The members' p2p keys Secret against a real API server: created once with a key per possible member,
 * never rewritten (a member's peer id must not change under the others' static peer lists), completed
 * when a user-made Secret lacks keys, and a key op-node would refuse stops the cluster with a clear message.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { useControlPlane } from '../../e2e/cluster/testing/control-plane.js';
import { API_GROUP, API_VERSION, PLURAL } from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import { gethNodeId, memberPodNames, p2pPeerId } from '../render/p2p.js';
import { KubeClient } from '../kube/client.js';
import { P2pKeyStore } from './p2p-keys.js';
import { installCrd, simCluster } from './testing/harness.js';

const cp = useControlPlane({ namespacePrefix: 'opp2p' });
const group = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
let client: KubeClient;

beforeAll(async () => {
  await installCrd(cp);
  client = new KubeClient(cp.kc);
}, 120_000);
afterAll(() => client?.close());

/** A stored SequencerCluster (so the Secret's owner reference points at a real object). */
async function stored(name: string): Promise<SequencerCluster> {
  return (await cp.api(CustomObjectsApi).createNamespacedCustomObject({
    ...group,
    namespace: cp.namespace,
    body: simCluster(name),
  })) as SequencerCluster;
}

async function secretData(name: string): Promise<{ data: Record<string, string>; version: string }> {
  const s = await cp.api(CoreV1Api).readNamespacedSecret({ name, namespace: cp.namespace });
  const data = Object.fromEntries(
    Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
  return { data, version: s.metadata?.resourceVersion ?? '' };
}

const KEY_1 = 'e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35';
const ID_1 = '16Uiu2HAmGXz5Z9Nbh7mCjyeJqeJa9AbXXu9bAHdanvJC7MKTki2m';

it('creates the Secret once, owned by the cluster, with a valid key per possible member', async () => {
  const cluster = await stored('alpha');
  const store = new P2pKeyStore(client);
  const first = await store.ensure(cluster);
  expect(first.problem).toBeUndefined();

  const { data, version } = await secretData('alpha-p2p-keys');
  expect(Object.keys(data).sort()).toEqual(memberPodNames('alpha'));
  expect(first.ids).toEqual(
    Object.fromEntries(
      Object.entries(data).map(([pod, k]) => [pod, { peerId: p2pPeerId(k), nodeId: gethNodeId(k) }]),
    ),
  );
  expect(new Set(Object.values(first.ids ?? {}).map((id) => id.peerId)).size).toBe(7); // distinct identities
  // What op-geth reads as --nodekey: 64 hex characters, nothing else.
  for (const key of Object.values(data)) expect(key).toMatch(/^[0-9a-f]{64}$/);

  // Again, and from a fresh store (a restarted operator): same ids, and the Secret was not written.
  expect((await store.ensure(cluster)).ids).toEqual(first.ids);
  expect((await new P2pKeyStore(client).ensure(cluster)).ids).toEqual(first.ids);
  expect((await secretData('alpha-p2p-keys')).version).toBe(version);

  const secret = await cp
    .api(CoreV1Api)
    .readNamespacedSecret({ name: 'alpha-p2p-keys', namespace: cp.namespace });
  expect(secret.metadata?.ownerReferences?.[0]).toEqual(
    expect.objectContaining({
      kind: 'SequencerCluster',
      name: 'alpha',
      uid: cluster.metadata.uid,
      controller: true,
    }),
  );
});

it('keeps the keys of a Secret the user made first, adding only the missing ones', async () => {
  await cp.api(CoreV1Api).createNamespacedSecret({
    namespace: cp.namespace,
    body: {
      metadata: { name: 'beta-p2p-keys' },
      stringData: { 'beta-0': KEY_1, 'beta-1': KEY_1.replace(/^e/, 'd') },
    },
  });
  const cluster = await stored('beta');
  const result = await new P2pKeyStore(client).ensure(cluster);
  expect(result.ids?.['beta-0']?.peerId).toBe(ID_1);
  const { data } = await secretData('beta-p2p-keys');
  expect(data['beta-0']).toBe(KEY_1);
  expect(data['beta-1']).toBe(KEY_1.replace(/^e/, 'd'));
  expect(Object.keys(data).sort()).toEqual(memberPodNames('beta'));
});

it('refuses a key op-node would take but op-geth would not (0x prefix), naming the key', async () => {
  await cp.api(CoreV1Api).createNamespacedSecret({
    namespace: cp.namespace,
    body: { metadata: { name: 'delta-p2p-keys' }, stringData: { 'delta-0': `0x${KEY_1}` } },
  });
  const result = await new P2pKeyStore(client).ensure(await stored('delta'));
  expect(result.problem?.reason).toBe('InvalidP2pKey');
  expect(result.problem?.message).toContain(
    'key "delta-0" is not a secp256k1 private key as 64 hex characters without 0x',
  );
});

it('notices an edited key within the recheck interval, and reports a key op-node would refuse', async () => {
  const cluster = await stored('gamma');
  let t = 1_000_000;
  const store = new P2pKeyStore(client, undefined, 60_000, () => t);
  const first = await store.ensure(cluster);
  expect(first.problem).toBeUndefined();
  await client.request('PATCH', `/api/v1/namespaces/${cp.namespace}/secrets/gamma-p2p-keys`, {
    contentType: 'application/merge-patch+json',
    body: { data: { 'gamma-2': Buffer.from('not-a-key').toString('base64') } },
  });
  // Within the interval the verified Secret is trusted without a read…
  t += 59_000;
  expect((await store.ensure(cluster)).ids).toEqual(first.ids);
  // …after it, the edit is seen.
  t += 2_000;
  const result = await store.ensure(cluster);
  expect(result.ids).toBeUndefined();
  expect(result.problem).toEqual({
    reason: 'InvalidP2pKey',
    message: `Secret ${cp.namespace}/gamma-p2p-keys key "gamma-2" is not a secp256k1 private key as 64 hex characters without 0x (op-node reads it as its p2p key, op-geth as its --nodekey): fix it, or remove the key and the operator generates a new one`,
  });
});

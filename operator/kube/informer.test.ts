/**
 * The informer against a real API server: the cache follows creates, updates and deletes; a cut watch
 * connection is re-established and events made meanwhile still arrive; an expired resourceVersion (410
 * Gone) makes it relist, and the relist reports objects deleted while it was not watching.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { useControlPlane, waitFor } from '../../e2e/cluster/testing/control-plane.js';
import { KubeClient } from './client.js';
import { Informer, type KubeObject } from './informer.js';
import { CONFIG_MAPS } from './resources.js';

const cp = useControlPlane({ namespacePrefix: 'informer' });
let client: KubeClient;
let informer: Informer<KubeObject & { data?: Record<string, string> }>;
const seen: string[] = [];
const restarts: string[] = [];

beforeAll(async () => {
  client = new KubeClient(cp.kc);
  informer = new Informer(client, CONFIG_MAPS, {
    namespace: cp.namespace,
    labelSelector: 'test=informer',
    minBackoffMs: 50,
    onRestart: (reason) => restarts.push(reason),
  });
  informer.on((type, o) => seen.push(`${type}:${o.metadata?.name}`));
  informer.start();
  await informer.synced;
});

afterAll(async () => {
  await informer.stop();
  client.close();
});

const core = () => cp.api(CoreV1Api);
const cm = (name: string, v = '1') => ({ metadata: { name, labels: { test: 'informer' } }, data: { v } });

it('follows creates, updates and deletes', async () => {
  await core().createNamespacedConfigMap({ namespace: cp.namespace, body: cm('a') });
  await waitFor('a in cache', () => informer.get(cp.namespace, 'a'));
  await core().replaceNamespacedConfigMap({ name: 'a', namespace: cp.namespace, body: cm('a', '2') });
  await waitFor('a updated', () => informer.get(cp.namespace, 'a')?.data?.v === '2');
  await core().deleteNamespacedConfigMap({ name: 'a', namespace: cp.namespace });
  await waitFor('a gone', () => informer.get(cp.namespace, 'a') === undefined);
  expect(seen).toEqual(['add:a', 'update:a', 'delete:a']);
});

it('re-watches after the connection is cut, and misses nothing made meanwhile', async () => {
  const watches = informer.watches;
  informer.disconnect();
  await core().createNamespacedConfigMap({ namespace: cp.namespace, body: cm('b') });
  await waitFor('b in cache', () => informer.get(cp.namespace, 'b'));
  expect(informer.watches).toBeGreaterThan(watches);
  expect(restarts).toContain('error');
});

it('relists on 410 Gone and reports what was deleted meanwhile', async () => {
  const lists = informer.lists;
  seen.length = 0;
  // Delete b behind the informer's back: stop watching (expired version), then delete.
  informer.expireResourceVersion();
  await core().deleteNamespacedConfigMap({ name: 'b', namespace: cp.namespace });
  await core().createNamespacedConfigMap({ namespace: cp.namespace, body: cm('c') });
  await waitFor('relist', () => informer.lists > lists && informer.get(cp.namespace, 'c') !== undefined);
  await waitFor('b gone', () => informer.get(cp.namespace, 'b') === undefined);
  expect(restarts).toContain('gone');
  expect(seen).toEqual(expect.arrayContaining(['delete:b', 'add:c']));
});

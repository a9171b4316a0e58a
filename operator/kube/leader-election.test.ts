/**
 * Two operator replicas against one API server: only the Lease holder reconciles (the other's informers
 * run, its workers do not, and its client refuses writes); when the leader shuts down it releases the
 * Lease and the standby takes over and reconciles. Durations are shortened (3 s / 2 s / 0.5 s).
 */
import { CoordinationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { useControlPlane, waitFor } from '../../e2e/cluster/testing/control-plane.js';
import { API_GROUP, API_VERSION, PLURAL } from '../api/names.js';
import { KubeApiError, KubeClient, NotLeaderError } from './client.js';
import {
  createExamplePrerequisites,
  installCrd,
  simCluster,
  startOperator,
  type RunningOperator,
  type StoredCluster,
} from '../reconcile/testing/harness.js';

const cp = useControlPlane({ namespacePrefix: 'opleader' });
const group = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
let a: RunningOperator;
let b: RunningOperator;

beforeAll(async () => {
  await installCrd(cp);
  await createExamplePrerequisites(cp);
  const election = (identity: string) => ({ namespace: cp.namespace, name: 'baton-operator', identity });
  a = await startOperator(cp.kc, cp.namespace, { leaderElection: election('replica-a') });
  await waitFor('replica-a leads', () => a.elector?.isLeader());
  b = await startOperator(cp.kc, cp.namespace, { leaderElection: election('replica-b') });
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

async function reconciledBy(name: string): Promise<StoredCluster> {
  return waitFor(`${name} reconciled`, async () => {
    const c = (await cp
      .api(CustomObjectsApi)
      .getNamespacedCustomObject({ ...group, namespace: cp.namespace, name })) as StoredCluster;
    return c.status?.observedGeneration === c.metadata.generation ? c : undefined;
  });
}

it('only the Lease holder acts', async () => {
  await cp
    .api(CustomObjectsApi)
    .createNamespacedCustomObject({ ...group, namespace: cp.namespace, body: simCluster('one') });
  await reconciledBy('one');
  // Let a few election rounds pass while there is work to do.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(a.elector?.isLeader()).toBe(true);
  expect(b.elector?.isLeader()).toBe(false);
  expect(a.controller.reconciles).toBeGreaterThan(0);
  expect(b.controller.reconciles).toBe(0);
  expect(b.controller.isActing).toBe(false);
  expect(b.client.totalRequests(['get', 'list', 'watch'])).toBe(0); // not one write
  // The standby's cache is warm all the same.
  expect(b.controller.clusters[0]!.get(cp.namespace, 'one')).toBeDefined();
  const lease = await cp
    .api(CoordinationV1Api)
    .readNamespacedLease({ name: 'baton-operator', namespace: cp.namespace });
  expect(lease.spec?.holderIdentity).toBe('replica-a');
  expect(lease.spec?.leaseDurationSeconds).toBe(3);
});

it('a standby refuses writes even if asked directly', async () => {
  await expect(
    b.client.request('POST', `/api/v1/namespaces/${cp.namespace}/configmaps`, {
      write: true,
      body: { metadata: { name: 'nope' } },
    }),
  ).rejects.toBeInstanceOf(NotLeaderError);
});

it('when the leader shuts down it releases the Lease and the standby takes over', async () => {
  const stoppedAt = Date.now();
  await a.stop();
  await waitFor('replica-b leads', () => b.elector?.isLeader(), { timeoutMs: 10_000 });
  // Released, not expired: the takeover does not wait for the 3 s lease duration.
  expect(Date.now() - stoppedAt).toBeLessThan(2_500);
  await cp
    .api(CustomObjectsApi)
    .createNamespacedCustomObject({ ...group, namespace: cp.namespace, body: simCluster('two') });
  await reconciledBy('two');
  expect(b.controller.reconciles).toBeGreaterThan(0);
  const lease = await cp
    .api(CoordinationV1Api)
    .readNamespacedLease({ name: 'baton-operator', namespace: cp.namespace });
  expect(lease.spec?.holderIdentity).toBe('replica-b');
  expect(lease.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
});

it('a leader that cannot renew steps down within the renew deadline, before anyone else may take over', async () => {
  // Raw JSON: client-node's Lease model serialises MicroTime with milliseconds, which the server rejects.
  const raw = new KubeClient(cp.kc);
  const path = `/apis/coordination.k8s.io/v1/namespaces/${cp.namespace}/leases/baton-operator`;
  // Another holder takes the Lease (as after a partition); b's renewals now fail. b renews every retry
  // period, so a read-modify-write can lose to a renewal (409 Conflict): read again and retry, as any client.
  let takenAt: number;
  for (let attempt = 1; ; attempt++) {
    const lease = await raw.request<{ spec: Record<string, unknown> }>('GET', path);
    takenAt = Date.now();
    try {
      await raw.request('PUT', path, {
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: 'intruder',
            renewTime: new Date().toISOString().replace('Z', '000Z'),
            leaseDurationSeconds: 30,
          },
        },
      });
      break;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.code === 409) || attempt >= 10) throw error;
    }
  }
  raw.close();
  await waitFor('b steps down', () => !b.elector?.isLeader() && !b.controller.isActing, { timeoutMs: 5_000 });
  expect(Date.now() - takenAt).toBeLessThan(3_000); // renewDeadline 2 s (+ one retry period)
  await expect(
    b.client.request('POST', `/api/v1/namespaces/${cp.namespace}/configmaps`, {
      write: true,
      body: { metadata: { name: 'nope' } },
    }),
  ).rejects.toBeInstanceOf(NotLeaderError);
});

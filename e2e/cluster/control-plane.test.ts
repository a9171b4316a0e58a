/**
 * Proof that the local control plane (control-plane.sh: etcd + kube-apiserver + kube-controller-manager +
 * kube-scheduler built by build-tools.sh) is a real Kubernetes API server, exercised through @kubernetes/client-node.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubernetesObject, V1ConfigMap, V1Pod } from '@kubernetes/client-node';

import { createFakeNode, useControlPlane, waitFor } from './testing/control-plane.js';

const execFileP = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const cp = useControlPlane({ namespacePrefix: 'cp' });
const SSA = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** The Status message of a failed API call (client-node 1.x keeps the response body on ApiException). */
function statusOf(e: unknown): { code: number; message: string; reason?: string } {
  if (!(e instanceof ApiException)) throw e;
  const raw: unknown = e.body;
  let body: { message?: string; reason?: string } = {};
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      body = { message: raw };
    }
  } else if (raw && typeof raw === 'object') {
    body = raw as typeof body;
  }
  return { code: e.code, message: body.message ?? e.message, reason: body.reason };
}

async function rejection(p: Promise<unknown>): Promise<{ code: number; message: string; reason?: string }> {
  try {
    await p;
  } catch (e) {
    return statusOf(e);
  }
  throw new Error('expected the API server to reject the request');
}

describe('local control plane (real kube-apiserver, etcd, controller manager, scheduler)', () => {
  it('serves the pinned Kubernetes version to client-node and to the system kubectl', async () => {
    const ns = await cp.api(CoreV1Api).readNamespace({ name: cp.namespace });
    expect(ns.status?.phase).toBe('Active');
    const version = JSON.parse(await cp.kubectl(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(version.serverVersion.major).toBe('1');
    const names = await cp.kubectl(['get', 'namespace', cp.namespace, '-o', 'name']);
    expect(names.trim()).toBe(`namespace/${cp.namespace}`);
  });

  describe('CustomResourceDefinition with OpenAPI schema, CEL rules and a status subresource', () => {
    const group = `cp${randomBytes(4).toString('hex')}.test.baton.dev`;
    const plural = 'widgets';
    const crdName = `${plural}.${group}`;
    const version = 'v1alpha1';

    afterAll(async () => {
      await cp
        .api(ApiextensionsV1Api)
        .deleteCustomResourceDefinition({ name: crdName })
        .catch(() => undefined);
    });

    it('is applied with server-side apply and becomes Established', async () => {
      // A plain object (not V1CustomResourceDefinition): the wire names (x-kubernetes-validations) go to kubectl as is.
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: version,
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['replicas', 'chainId'],
                      properties: {
                        replicas: { type: 'integer', minimum: 1, maximum: 7 },
                        chainId: {
                          type: 'integer',
                          'x-kubernetes-validations': [
                            { rule: 'self == oldSelf', message: 'chainId is immutable' },
                          ],
                        },
                      },
                      'x-kubernetes-validations': [
                        { rule: 'self.replicas % 2 == 1', message: 'replicas must be odd (1, 3, 5 or 7)' },
                      ],
                    },
                    status: {
                      type: 'object',
                      properties: {
                        readyReplicas: { type: 'integer' },
                        observedGeneration: { type: 'integer' },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      };
      // Applied by the system kubectl (server-side apply, field manager baton-test) to show it works here too.
      await cp.kubectl(
        ['apply', '--server-side', '--field-manager=baton-test', '-f', '-'],
        JSON.stringify(crd),
      );
      const established = await waitFor('the CRD to be Established', async () => {
        const got = await cp.api(ApiextensionsV1Api).readCustomResourceDefinition({ name: crdName });
        return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') && got;
      });
      expect(established.metadata?.managedFields?.map((f) => f.manager)).toContain('baton-test');
      // Discovery catches up shortly after Established; the custom resource endpoint must answer.
      await waitFor('the Widget endpoint', () =>
        cp
          .api(CustomObjectsApi)
          .listNamespacedCustomObject({ group, version, namespace: cp.namespace, plural })
          .then(() => true),
      );
    });

    it('rejects a resource that violates a CEL rule with the rule message, and one that violates the schema', async () => {
      const objects = cp.api(CustomObjectsApi);
      const widget = (name: string, spec: Record<string, unknown>) => ({
        apiVersion: `${group}/${version}`,
        kind: 'Widget',
        metadata: { name },
        spec,
      });
      const cel = await rejection(
        objects.createNamespacedCustomObject({
          group,
          version,
          namespace: cp.namespace,
          plural,
          body: widget('even', { replicas: 2, chainId: 10 }),
        }),
      );
      expect(cel.code).toBe(422);
      expect(cel.reason).toBe('Invalid');
      expect(cel.message).toContain('replicas must be odd (1, 3, 5 or 7)');

      const schema = await rejection(
        objects.createNamespacedCustomObject({
          group,
          version,
          namespace: cp.namespace,
          plural,
          body: widget('huge', { replicas: 9, chainId: 10 }),
        }),
      );
      expect(schema.code).toBe(422);
      expect(schema.message).toMatch(
        /spec\.replicas: Invalid value: 9: spec\.replicas in body should be less than or equal to 7/,
      );

      await objects.createNamespacedCustomObject({
        group,
        version,
        namespace: cp.namespace,
        plural,
        body: widget('ok', { replicas: 3, chainId: 10 }),
      });
      // A transition rule (oldSelf) is evaluated on update.
      const immutable = await rejection(
        objects.patchNamespacedCustomObject(
          { group, version, namespace: cp.namespace, plural, name: 'ok', body: { spec: { chainId: 11 } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
      expect(immutable.code).toBe(422);
      expect(immutable.message).toContain('chainId is immutable');
    });

    it('keeps status behind the status subresource', async () => {
      const objects = cp.api(CustomObjectsApi);
      const before = (await objects.getNamespacedCustomObject({
        group,
        version,
        namespace: cp.namespace,
        plural,
        name: 'ok',
      })) as KubernetesObject & { metadata: { generation: number } };
      // Status written through the main resource is dropped...
      await objects.patchNamespacedCustomObject(
        {
          group,
          version,
          namespace: cp.namespace,
          plural,
          name: 'ok',
          body: { status: { readyReplicas: 99 } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      // ...and written through /status with server-side apply (its own field manager), without bumping generation.
      await objects.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace: cp.namespace,
          plural,
          name: 'ok',
          fieldManager: 'baton-test-status',
          force: true,
          body: {
            apiVersion: `${group}/${version}`,
            kind: 'Widget',
            metadata: { name: 'ok' },
            status: { readyReplicas: 3, observedGeneration: before.metadata.generation },
          },
        },
        SSA,
      );
      const after = (await objects.getNamespacedCustomObject({
        group,
        version,
        namespace: cp.namespace,
        plural,
        name: 'ok',
      })) as KubernetesObject & { metadata: { generation: number }; status: { readyReplicas: number } };
      expect(after.status.readyReplicas).toBe(3);
      expect(after.metadata.generation).toBe(before.metadata.generation);
      const status = after.metadata.managedFields?.find((f) => f.manager === 'baton-test-status');
      expect(status?.subresource).toBe('status');
    });
  });

  it('server-side apply tracks field managers and reports a conflict unless forced', async () => {
    const core = cp.api(CoreV1Api);
    const apply = (manager: string, data: Record<string, string>, force?: boolean) =>
      core.patchNamespacedConfigMap(
        {
          name: 'ssa',
          namespace: cp.namespace,
          fieldManager: manager,
          force,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data },
        },
        SSA,
      );
    await apply('alice', { shared: 'from-alice', a: '1' });
    await apply('bob', { b: '2' }); // disjoint fields: no conflict, both managers own their fields
    const conflict = await rejection(apply('bob', { shared: 'from-bob' }));
    expect(conflict.code).toBe(409);
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toMatch(/conflict with "alice"/);
    expect(conflict.message).toContain('.data.shared');

    const forced = await apply('bob', { b: '2', shared: 'from-bob' }, true);
    expect(forced.data).toEqual({ a: '1', b: '2', shared: 'from-bob' });
    const owners = Object.fromEntries(
      (forced.metadata?.managedFields ?? []).map((f) => [f.manager, JSON.stringify(f.fieldsV1)]),
    );
    expect(owners.bob).toContain('f:shared');
    expect(owners.alice).not.toContain('f:shared');
    expect(owners.alice).toContain('f:a');
    // A manager that omits a field it solely owns removes it.
    const pruned = await apply('alice', {});
    expect(pruned.data).toEqual({ b: '2', shared: 'from-bob' });
  });

  it('watches from a resource version, gets 410 Gone for an expired one and recovers by relisting', async () => {
    const core = cp.api(CoreV1Api);
    const watch = new Watch(cp.kc);
    const path = `/api/v1/namespaces/${cp.namespace}/configmaps`;
    type Event = { type: string; object: V1ConfigMap & { code?: number; reason?: string } };

    /** Opens a watch, collects events until `until` matches one; resolves to the events or to the HTTP error. */
    const watchUntil = async (
      resourceVersion: string,
      until: (e: Event) => boolean,
      trigger?: () => Promise<void>,
    ) => {
      const events: Event[] = [];
      let abort: AbortController | undefined;
      const result = await new Promise<{ events: Event[]; httpError?: { statusCode?: number } }>(
        (resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`watch saw no matching event: ${JSON.stringify(events)}`)),
            20_000,
          );
          watch
            .watch(
              path,
              { resourceVersion, allowWatchBookmarks: false },
              (type, object: Event['object']) => {
                events.push({ type, object });
                if (until({ type, object })) {
                  clearTimeout(timer);
                  resolve({ events });
                }
              },
              (err: { statusCode?: number } | null) => {
                clearTimeout(timer);
                if (err?.statusCode) resolve({ events, httpError: err });
                else if (!events.some(until)) reject(new Error(`watch ended early: ${String(err)}`));
              },
            )
            .then(async (ctl) => {
              abort = ctl;
              await trigger?.();
            }, reject);
        },
      );
      abort?.abort();
      return result;
    };

    // 1. A watch from the list's resourceVersion sees exactly what happened after it.
    const list = await core.listNamespacedConfigMap({ namespace: cp.namespace });
    const rv0 = list.metadata?.resourceVersion ?? '';
    expect(rv0).toMatch(/^\d+$/);
    const { events } = await watchUntil(
      rv0,
      (e) => e.type === 'ADDED' && e.object.metadata?.name === 'watched',
      async () => {
        await core.createNamespacedConfigMap({
          namespace: cp.namespace,
          body: { metadata: { name: 'watched' } },
        });
      },
    );
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toContain('ADDED watched');

    // 2. A resourceVersion older than the API server's watch window is answered with 410 Gone ("too old resource
    //    version"), either as the HTTP status or as an ERROR event carrying a Status with code 410.
    const gone = await watchUntil('1', (e) => e.type === 'ERROR');
    const goneCode = gone.httpError?.statusCode ?? gone.events.find((e) => e.type === 'ERROR')?.object.code;
    expect(goneCode).toBe(410);

    // 3. Recovery: relist for a fresh resourceVersion and watch again from there.
    const relist = await core.listNamespacedConfigMap({ namespace: cp.namespace });
    expect(relist.items.map((c) => c.metadata?.name)).toContain('watched');
    const again = await watchUntil(
      relist.metadata?.resourceVersion ?? '',
      (e) => e.type === 'MODIFIED' && e.object.metadata?.name === 'watched',
      async () => {
        await core.patchNamespacedConfigMap(
          { name: 'watched', namespace: cp.namespace, body: { data: { k: 'v' } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      },
    );
    expect(again.events.find((e) => e.type === 'MODIFIED')?.object.data).toEqual({ k: 'v' });
  });

  describe('controllers', () => {
    const nodeName = `fake-${randomBytes(3).toString('hex')}`;
    const taint = { key: 'baton.dev/test-node', value: nodeName };

    afterAll(async () => {
      await cp
        .api(CoreV1Api)
        .deleteNode({ name: nodeName })
        .catch(() => undefined);
    });

    it('the StatefulSet controller creates Pods and the scheduler binds them to a Node', async () => {
      await createFakeNode(cp.kc, nodeName, { labels: { 'baton.dev/test-node': nodeName }, taint });
      const apps = cp.api(AppsV1Api);
      const labels = { app: 'web' };
      const sts = await apps.createNamespacedStatefulSet({
        namespace: cp.namespace,
        body: {
          metadata: { name: 'web' },
          spec: {
            replicas: 3,
            serviceName: 'web',
            // No kubelet will ever make a Pod Ready, so OrderedReady would stop at web-0.
            podManagementPolicy: 'Parallel',
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                nodeSelector: { 'baton.dev/test-node': nodeName },
                tolerations: [{ ...taint, operator: 'Equal', effect: 'NoSchedule' }],
                // Bound Pods are deleted only when the kubelet confirms; with grace 0 the API server deletes at once.
                terminationGracePeriodSeconds: 0,
                containers: [{ name: 'web', image: 'registry.invalid/never-pulled:1' }],
              },
            },
          },
        },
      });
      const pods = await waitFor(
        '3 Pods of the StatefulSet, bound to the fake Node',
        async () => {
          const got = await cp
            .api(CoreV1Api)
            .listNamespacedPod({ namespace: cp.namespace, labelSelector: 'app=web' });
          return got.items.length === 3 && got.items.every((p) => p.spec?.nodeName === nodeName) && got.items;
        },
        { timeoutMs: 60_000 },
      );
      expect(pods.map((p: V1Pod) => p.metadata?.name).sort()).toEqual(['web-0', 'web-1', 'web-2']);
      for (const pod of pods) {
        expect(pod.metadata?.ownerReferences).toEqual([
          expect.objectContaining({
            kind: 'StatefulSet',
            name: 'web',
            uid: sts.metadata?.uid,
            controller: true,
          }),
        ]);
        expect(pod.status?.phase).toBe('Pending'); // no kubelet: never runs
      }
      const status = await waitFor('StatefulSet status.replicas = 3', async () => {
        const got = await apps.readNamespacedStatefulSet({ name: 'web', namespace: cp.namespace });
        return got.status?.replicas === 3 && got.status;
      });
      expect(status.readyReplicas ?? 0).toBe(0);
    });

    it('the garbage collector deletes owned objects after their owner', async () => {
      const core = cp.api(CoreV1Api);
      const owner = await core.createNamespacedConfigMap({
        namespace: cp.namespace,
        body: { metadata: { name: 'owner' } },
      });
      const ownerReferences = [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: 'owner',
          uid: owner.metadata?.uid ?? '',
          blockOwnerDeletion: true,
        },
      ];
      await core.createNamespacedConfigMap({
        namespace: cp.namespace,
        body: { metadata: { name: 'owned-cm', ownerReferences } },
      });
      await core.createNamespacedSecret({
        namespace: cp.namespace,
        body: { metadata: { name: 'owned-secret', ownerReferences }, stringData: { k: 'v' } },
      });
      await core.deleteNamespacedConfigMap({
        name: 'owner',
        namespace: cp.namespace,
        propagationPolicy: 'Background',
      });
      const gone = (p: Promise<unknown>) =>
        p.then(
          () => false,
          (e: unknown) => statusOf(e).code === 404,
        );
      await waitFor(
        'owned ConfigMap and Secret to be collected',
        async () =>
          (await gone(core.readNamespacedConfigMap({ name: 'owned-cm', namespace: cp.namespace }))) &&
          (await gone(core.readNamespacedSecret({ name: 'owned-secret', namespace: cp.namespace }))),
      );

      // Foreground deletion of the StatefulSet: its Pods go first, then the StatefulSet itself.
      const apps = cp.api(AppsV1Api);
      await apps.deleteNamespacedStatefulSet({
        name: 'web',
        namespace: cp.namespace,
        propagationPolicy: 'Foreground',
      });
      await waitFor('the StatefulSet and its Pods to be collected', async () => {
        const pods = await core.listNamespacedPod({ namespace: cp.namespace, labelSelector: 'app=web' });
        return (
          pods.items.length === 0 &&
          gone(apps.readNamespacedStatefulSet({ name: 'web', namespace: cp.namespace }))
        );
      });
    });
  });

  describe('helm (built by build-tools.sh)', () => {
    let helm: string;
    let chartDir: string;

    beforeAll(async () => {
      const { stdout } = await execFileP('bash', [join(here, 'build-tools.sh'), '--check']);
      helm = join(stdout.trim().split('\n').pop() ?? '', 'helm');
      chartDir = join(await mkdtemp(join(tmpdir(), 'baton-helm-')), 'demo');
      await mkdir(join(chartDir, 'templates'), { recursive: true });
      await writeFile(
        join(chartDir, 'Chart.yaml'),
        'apiVersion: v2\nname: demo\ndescription: helm smoke test\nversion: 0.1.0\nappVersion: "1.0"\nicon: https://example.invalid/icon.png\n',
      );
      await writeFile(join(chartDir, 'values.yaml'), 'replicas: 3\n');
      await writeFile(
        join(chartDir, 'templates', 'configmap.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-demo\ndata:\n  replicas: {{ .Values.replicas | quote }}\n',
      );
    });
    afterAll(async () => {
      if (chartDir) await rm(dirname(chartDir), { recursive: true, force: true });
    });

    it('lints and renders a chart, and the rendered manifest applies to the API server', async () => {
      const lint = await execFileP(helm, ['lint', chartDir]);
      expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      const { stdout: manifest } = await execFileP(helm, [
        'template',
        'rel',
        chartDir,
        '--namespace',
        cp.namespace,
        '--set',
        'replicas=5',
      ]);
      expect(manifest).toContain('name: rel-demo');
      expect(manifest).toContain('replicas: "5"');
      await cp.kubectl(['apply', '--server-side', '-f', '-'], manifest);
      const cm = await cp
        .api(CoreV1Api)
        .readNamespacedConfigMap({ name: 'rel-demo', namespace: cp.namespace });
      expect(cm.data).toEqual({ replicas: '5' });
    });
  });
});

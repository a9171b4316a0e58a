/**
 * The rendered objects on a real kube-apiserver (server-side dry run): they pass the API's own
 * validation (probes, port names, PDB, claim templates), and a member pod built from the template is
 * admitted by Pod Security Admission in a namespace that enforces the "restricted" standard.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { useControlPlane } from '../../e2e/cluster/testing/control-plane.js';
import { EXAMPLE_FILES, exampleCluster } from '../api/examples.js';
import { GETH_DATA_VOLUME, podName, RAFT_DATA_VOLUME } from '../api/names.js';
import { renderCluster, renderedObjects } from './cluster.js';

const cp = useControlPlane({ namespacePrefix: 'render' });

beforeAll(async () => {
  await cp.kubectl([
    'label',
    'namespace',
    cp.namespace,
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/enforce-version=latest',
  ]);
});

it('the namespace really enforces "restricted" (a privileged-escalation pod is refused)', async () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'not-restricted', namespace: cp.namespace },
    spec: { containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: true } }] },
  };
  await expect(dryRun([pod])).rejects.toThrow(/violates PodSecurity "restricted/);
});

const dryRun = (objects: unknown[]) =>
  cp.kubectl(
    ['apply', '--server-side', '--dry-run=server', '-f', '-'],
    objects.map((o) => JSON.stringify(o)).join('\n'),
  );

describe.each(EXAMPLE_FILES)('%s', (file) => {
  const rendered = () =>
    renderCluster({
      cluster: exampleCluster(file, cp.namespace),
      operatorVersion: '0.1.0',
      bootstrapMember: null,
    });

  it('every rendered object passes API validation', async () => {
    const out = await dryRun(renderedObjects(rendered()));
    expect(out).toContain('statefulset.apps/');
    expect(out).toContain('poddisruptionbudget.policy/');
  });

  it('a member pod is admitted under the restricted Pod Security Standard', async () => {
    const { statefulSet } = rendered();
    const template = statefulSet.spec?.template;
    const name = statefulSet.metadata?.name ?? '';
    // What the StatefulSet controller would create: the template plus the claim volumes. The service
    // account is left out: this test is about Pod Security admission, and the ServiceAccount admission
    // plugin's cache has been seen to lag behind a freshly created account for over a minute when every
    // suite shares one API server (the account itself is checked by the dry run above).
    const spec = { ...(template?.spec ?? { containers: [] }) };
    delete spec.serviceAccountName;
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...template?.metadata, name: podName(name, 0), namespace: cp.namespace },
      spec: {
        ...spec,
        volumes: [
          ...(spec.volumes ?? []),
          ...[GETH_DATA_VOLUME, RAFT_DATA_VOLUME].map((v) => ({
            name: v,
            persistentVolumeClaim: { claimName: `${v}-${podName(name, 0)}` },
          })),
        ],
      },
    };
    const out = await dryRun([pod]);
    expect(out).toContain(`pod/${podName(name, 0)} serverside-applied (server dry run)`);
  });
});

/**
 * The Helm chart (charts/baton): `helm lint`, `helm template` with default and namespaced values,
 * values.schema.json rejecting bad values, and a real `helm install` on the test control plane.
 * Lives here rather than under charts/ because jest only looks for tests under cli, conductor,
 * operator and e2e. helm is the binary built by e2e/cluster/build-tools.sh: when it is missing the
 * suite fails and says how to build it (it never skips).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { useControlPlane } from '../../e2e/cluster/testing/control-plane.js';
import { CRD_OUTPUTS, crdOutputPath } from '../api/generate.js';

const execFileP = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chart = join(repo, 'charts', 'baton');

/** The helm binary: $BATON_TOOLS_BIN/helm, else build-tools.sh's cache (checked, never built here). */
async function helmBinary(): Promise<string> {
  if (process.env.BATON_TOOLS_BIN) return join(process.env.BATON_TOOLS_BIN, 'helm');
  try {
    const { stdout } = await execFileP('bash', [join(repo, 'e2e', 'cluster', 'build-tools.sh'), '--check']);
    return join(stdout.trim().split('\n').pop() ?? '', 'helm');
  } catch (error) {
    throw new Error('helm is not built: run e2e/cluster/build-tools.sh (or set BATON_TOOLS_BIN)', {
      cause: error,
    });
  }
}

let helm = '';
beforeAll(async () => {
  helm = await helmBinary();
});

async function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await execFileP(helm, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`helm ${args.join(' ')} failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`, { cause: error });
  }
}

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}
async function template(...args: string[]): Promise<Manifest[]> {
  const out = await run(['template', 'baton', chart, '--namespace', 'baton-system', ...args]);
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}
const ofKind = (docs: Manifest[], kind: string) => docs.filter((d) => d.kind === kind);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
/** `group/resource` → sorted verbs. */
function permissions(rules: Rule[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rules) {
    for (const g of r.apiGroups)
      for (const res of r.resources) out[`${g}/${res}`] = [...r.verbs].sort().join(',');
  }
  return out;
}

const expectedPermissions = {
  'baton.dev/sequencerclusters': 'get,list,patch,update,watch',
  'baton.dev/sequencerclusters/status': 'get,patch,update',
  'baton.dev/sequencerclusters/finalizers': 'update',
  'apps/statefulsets': 'create,delete,get,list,patch,watch',
  '/services': 'create,delete,get,list,patch,watch',
  '/configmaps': 'create,delete,get,list,patch,watch',
  '/serviceaccounts': 'create,delete,get,list,patch,watch',
  '/secrets': 'create,get,list,patch,watch',
  'policy/poddisruptionbudgets': 'create,delete,get,list,patch,watch',
  '/pods': 'delete,get,list,patch,watch',
  '/persistentvolumeclaims': 'get,list,watch',
  '/events': 'create,patch',
  'events.k8s.io/events': 'create,patch',
};

describe('helm lint and template', () => {
  it('lints cleanly in strict mode', async () => {
    expect(await run(['lint', '--strict', chart])).toContain('0 chart(s) failed');
  });

  it('renders the operator Deployment: baton operator, leader election, non-root, read-only root', async () => {
    const docs = await template();
    expect(docs.map((d) => d.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    const deployment = ofKind(docs, 'Deployment')[0] as unknown as {
      spec: {
        template: {
          spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] };
        };
      };
    };
    const pod = deployment.spec.template.spec;
    const operator = pod.containers[0] ?? {};
    expect(operator.image).toBe('baton:0.1.0');
    expect(operator.command).toEqual(['baton', 'operator']);
    expect(operator.args).toEqual(
      expect.arrayContaining(['--leader-elect=true', '--leader-election-namespace=$(POD_NAMESPACE)']),
    );
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(operator.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const metrics = ofKind(docs, 'Service')[0] as unknown as { spec: { ports: { targetPort: string }[] } };
    expect(metrics.spec.ports[0]?.targetPort).toBe('metrics');
  });

  it('grants only the verbs the operator uses; leases only in its own namespace', async () => {
    const docs = await template();
    const clusterRole = ofKind(docs, 'ClusterRole')[0] as unknown as { rules: Rule[] };
    // Nodes are cluster-scoped: only the ClusterRole can grant reading them (cordon detection, kube/nodes.ts).
    expect(permissions(clusterRole.rules)).toEqual({ ...expectedPermissions, '/nodes': 'get' });
    const leaderRole = ofKind(docs, 'Role')[0] as unknown as {
      metadata: { namespace: string };
      rules: Rule[];
    };
    expect(leaderRole.metadata.namespace).toBe('baton-system');
    expect(permissions(leaderRole.rules)).toEqual({ 'coordination.k8s.io/leases': 'create,get,update' });
  });

  it('namespaced install: Roles in each watched namespace, no cluster-wide role', async () => {
    const docs = await template(
      '--set',
      'rbac.clusterWide=false',
      '--set',
      'watchNamespaces={chain-a,chain-b}',
    );
    expect(ofKind(docs, 'ClusterRole')).toEqual([]);
    const roles = ofKind(docs, 'Role').filter((r) => !r.metadata.name.endsWith('-leader-election'));
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['chain-a', 'chain-b']);
    for (const role of roles)
      expect(permissions((role as unknown as { rules: Rule[] }).rules)).toEqual(expectedPermissions);
    const deployment = JSON.stringify(ofKind(docs, 'Deployment'));
    expect(deployment).toContain('--watch-namespaces=chain-a,chain-b');
  });

  it('ships the generated CRD unchanged', async () => {
    const out = await run(['show', 'crds', chart]);
    const crdFile = CRD_OUTPUTS.find((f) => f.startsWith('charts')) ?? '';
    expect(out.trim()).toBe(readFileSync(crdOutputPath(crdFile), 'utf8').trim());
  });

  it.each([
    [['--set', 'replicaCount=many'], 'replicaCount'],
    [['--set', 'image.pullPolicy=Sometimes'], 'pullPolicy'],
    [['--set', 'unknownKey=1'], 'unknownKey'],
    [['--set', 'watchNamespaces={Not_A_Namespace}'], 'watchNamespaces'],
  ])('values.schema.json rejects %j', async (args, field) => {
    await expect(template(...args)).rejects.toThrow(
      new RegExp(`values don't meet the specifications of the schema[\\s\\S]*${field}`),
    );
  });
});

describe('helm install on a real API server', () => {
  const cp = useControlPlane({ namespacePrefix: 'helm' });

  it('installs the CRD, RBAC and the operator, and NOTES.txt says what to do next', async () => {
    const release = cp.namespace.slice(0, 40);
    const out = await run(['install', release, chart, '--namespace', cp.namespace, '--wait=false'], {
      KUBECONFIG: cp.kubeconfigPath,
    });
    expect(out).toContain('STATUS: deployed');
    expect(out).toContain('kubectl get sequencerclusters');
    expect(await cp.kubectl(['get', 'crd', 'sequencerclusters.baton.dev', '-o', 'name'])).toContain(
      'sequencerclusters.baton.dev',
    );
    expect(await cp.kubectl(['get', 'deployment', '-o', 'name'])).toContain(`deployment.apps/${release}`);
    await run(['uninstall', release, '--namespace', cp.namespace], { KUBECONFIG: cp.kubeconfigPath });
  }, 120_000);
});

/**
 * A live Kubernetes API server for a jest suite, isolated by namespace.
 *
 *   const cp = useControlPlane();               // registers beforeAll/afterAll
 *   it('...', async () => {
 *     const core = cp.api(CoreV1Api);
 *     await core.createNamespacedConfigMap({ namespace: cp.namespace, body: { metadata: { name: 'x' } } });
 *   });
 *
 * Where the API server comes from, first match wins:
 * 1. `BATON_KUBECONFIG=<path>`: an already running cluster (e.g. `e2e/cluster/control-plane.sh up`); never stopped here.
 * 2. The jest run's shared control plane: jest.config.js's globalSetup (testing/jest-global-setup.js) reserves a state
 *    directory; the first suite that needs it starts it with control-plane.sh (concurrent workers wait for and reuse
 *    the same one), globalTeardown stops it. Suites that never call useControlPlane() cost nothing.
 * 3. Otherwise (a jest config without that globalSetup): a control plane of the suite's own, stopped in afterAll.
 *
 * If the binaries are not built the suite fails with control-plane.sh's message (run e2e/cluster/build-tools.sh);
 * it never skips. Every suite gets a fresh namespace, deleted in afterAll. There is no kubelet: see README.md.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Imported rather than ambient: this helper is not a *.test.ts, so `npm run build` (types: node only) compiles it.
import { afterAll, beforeAll, expect } from '@jest/globals';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { ApiConstructor, ApiType, V1Node } from '@kubernetes/client-node';

const execFileP = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const CONTROL_PLANE_SCRIPT = join(here, '..', 'control-plane.sh');
/** Starting a control plane takes ~10 s warm; give slow shared CI machines room. */
export const CONTROL_PLANE_START_TIMEOUT_MS = 240_000;

export interface ControlPlane {
  /** Path of a kubeconfig with cluster-admin rights (system `kubectl --kubeconfig` works with it). */
  readonly kubeconfigPath: string;
  /** A KubeConfig loaded from kubeconfigPath (pass `namespace` explicitly to namespaced calls). */
  readonly kc: KubeConfig;
  /** A namespace created for this suite (labelled baton.dev/test-suite), deleted after the suite. */
  readonly namespace: string;
  /** `cp.api(AppsV1Api)`: a typed API client for this control plane. */
  api<T extends ApiType>(apiClass: ApiConstructor<T>): T;
  /** Runs the system kubectl against this control plane in the suite's namespace; resolves to stdout. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
}

export interface UseControlPlaneOptions {
  /** Prefix of the suite's namespace name (default "t"). */
  namespacePrefix?: string;
}

/** Runs control-plane.sh; rejects with its stderr (which says what to do when the binaries are missing). */
export async function runControlPlaneScript(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileP('bash', [CONTROL_PLANE_SCRIPT, ...args], {
      timeout: CONTROL_PLANE_START_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `${CONTROL_PLANE_SCRIPT} ${args.join(' ')} failed:\n${(e.stderr ?? '').trim() || e.message}`,
      { cause: err },
    );
  }
}

/** Parses the `export KUBECONFIG=<path>` that `control-plane.sh up` prints as its last line. */
export function kubeconfigFromUpOutput(stdout: string): string {
  const last = stdout.trim().split('\n').pop() ?? '';
  const m = /^export KUBECONFIG=(.+)$/.exec(last);
  if (!m?.[1])
    throw new Error(
      `control-plane.sh up did not end with "export KUBECONFIG=<path>"; it printed:\n${stdout}`,
    );
  return m[1];
}

function suiteSlug(prefix: string): string {
  const state = expect.getState() as { testPath?: string };
  const file = (state.testPath ?? 'suite').split('/').pop() ?? 'suite';
  const base = file
    .replace(/\.test\.ts$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30);
  return `${prefix}-${base || 'suite'}-${randomBytes(3).toString('hex')}`.replace(/-+/g, '-');
}

/** Registers beforeAll/afterAll hooks that provide a live API server and a fresh namespace to the suite. */
export function useControlPlane(options: UseControlPlaneOptions = {}): ControlPlane {
  let kubeconfigPath: string | undefined;
  let kc: KubeConfig | undefined;
  let namespace: string | undefined;
  let ownDir: string | undefined; // set when this suite started a control plane of its own

  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined)
      throw new Error(`useControlPlane(): ${what} is only available inside tests and hooks`);
    return v;
  };

  beforeAll(async () => {
    const external = process.env.BATON_KUBECONFIG;
    const shared = process.env.BATON_JEST_CP_DIR;
    if (external) {
      kubeconfigPath = external;
    } else if (shared) {
      const owner = process.env.BATON_JEST_CP_OWNER_PID ?? String(process.pid);
      kubeconfigPath = kubeconfigFromUpOutput(
        await runControlPlaneScript(['up', '--dir', shared, '--owner-pid', owner]),
      );
    } else {
      ownDir = join(await mkdtemp(join(tmpdir(), 'baton-cp-suite-')), 'cp');
      kubeconfigPath = kubeconfigFromUpOutput(
        await runControlPlaneScript(['up', '--dir', ownDir, '--owner-pid', String(process.pid)]),
      );
    }
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    const ns = suiteSlug(options.namespacePrefix ?? 't');
    await config.makeApiClient(CoreV1Api).createNamespace({
      body: { metadata: { name: ns, labels: { 'baton.dev/test-suite': 'true' } } },
    });
    kc = config;
    namespace = ns;
  }, CONTROL_PLANE_START_TIMEOUT_MS);

  afterAll(async () => {
    try {
      if (kc && namespace && !ownDir) {
        // Background deletion: the shared control plane is torn down at the end of the run anyway.
        await kc
          .makeApiClient(CoreV1Api)
          .deleteNamespace({ name: namespace })
          .catch((e: unknown) => {
            if (!(e instanceof ApiException && e.code === 404)) throw e;
          });
      }
    } finally {
      if (ownDir) {
        await runControlPlaneScript(['down', '--dir', ownDir]);
        await rm(dirname(ownDir), { recursive: true, force: true });
      }
    }
  }, 60_000);

  return {
    get kubeconfigPath() {
      return need(kubeconfigPath, 'kubeconfigPath');
    },
    get kc() {
      return need(kc, 'kc');
    },
    get namespace() {
      return need(namespace, 'namespace');
    },
    api(apiClass) {
      return need(kc, 'api()').makeApiClient(apiClass);
    },
    async kubectl(args, input) {
      const path = need(kubeconfigPath, 'kubectl()');
      const ns = need(namespace, 'kubectl()');
      return new Promise<string>((resolve, reject) => {
        const child = execFile(
          'kubectl',
          ['--kubeconfig', path, '--namespace', ns, '--request-timeout=30s', ...args],
          { maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) => {
            if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
            else resolve(stdout);
          },
        );
        if (input !== undefined) child.stdin?.end(input);
      });
    },
  };
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after timeoutMs with `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Registers a Node object that the scheduler can bind Pods to. No kubelet backs it: bound Pods never run, and
 * deleting a bound Pod leaves it terminating unless its grace period is 0 (there is no kubelet to confirm).
 * The Node carries `taint` (NoSchedule) so that only Pods tolerating it land there: other suites sharing the
 * control plane keep their Pods unscheduled. Cluster-scoped: delete it in afterAll.
 */
export async function createFakeNode(
  kc: KubeConfig,
  name: string,
  { labels = {}, taint }: { labels?: Record<string, string>; taint?: { key: string; value: string } } = {},
): Promise<V1Node> {
  const core = kc.makeApiClient(CoreV1Api);
  const resources = { cpu: '64', memory: '256Gi', pods: '1000', 'ephemeral-storage': '1Ti' };
  await core.createNode({
    body: {
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'baton.dev/fake-node': 'true',
          ...labels,
        },
      },
    },
  });
  // The TaintNodesByCondition admission plugin taints a new Node not-ready; no kubelet would ever clear that.
  const taints = taint ? [{ ...taint, effect: 'NoSchedule' }] : null;
  await core.patchNode(
    { name, body: { spec: { taints } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const now = new Date().toISOString();
  return core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          capacity: resources,
          allocatable: resources,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'BatonFakeNode',
              message: 'no kubelet: pods are bound, never run',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

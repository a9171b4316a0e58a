/**
 * Benchmark: reconcile N SequencerClusters (default 100) against a real control plane.
 *
 *   npx tsx e2e/bench/reconcile.ts [--clusters 100] [--workers 4]
 *
 * Uses $BATON_KUBECONFIG when set, else starts a control plane of its own (e2e/cluster/control-plane.sh)
 * and stops it afterwards. The operator runs in-process (as in the tests); clusters are created by a
 * separate client whose requests are not counted. There is no kubelet: pods stay Pending and conductors
 * are not asked (no pod IP), so the numbers are the Kubernetes side of a reconcile only.
 *
 * Measures: time until every cluster has a status for its generation ("first status") and until every
 * cluster has reached its steady forming wait with all 3 pods observed ("settled"); the operator's API
 * requests per reconcile during that time and in a quiet period after; process memory. Prints JSON.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { exampleDocuments } from '../../operator/api/examples.js';
import { renderCrdYaml } from '../../operator/api/generate.js';
import type { SequencerClusterStatus } from '../../operator/api/status.js';
import { KubeClient, type Verb } from '../../operator/kube/client.js';
import { Controller } from '../../operator/reconcile/controller.js';
import { OperatorMetrics } from '../../operator/reconcile/metrics.js';
import { pathOf, SEQUENCER_CLUSTERS } from '../../operator/kube/resources.js';

const execFileP = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(here, '..', 'cluster', 'control-plane.sh');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

interface Stored {
  metadata: { name: string; generation: number };
  status?: SequencerClusterStatus;
}

async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], (err, _out, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function main(): Promise<void> {
  const clusters = arg('clusters', 100);
  const workers = arg('workers', 4);
  let kubeconfig = process.env.BATON_KUBECONFIG;
  let ownDir: string | undefined;
  if (!kubeconfig) {
    ownDir = join(await mkdtemp(join(tmpdir(), 'baton-bench-cp-')), 'cp');
    const { stdout } = await execFileP(
      'bash',
      [SCRIPT, 'up', '--dir', ownDir, '--owner-pid', String(process.pid)],
      {
        timeout: 240_000,
      },
    );
    kubeconfig = /export KUBECONFIG=(.+)$/.exec(stdout.trim())?.[1] ?? '';
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const namespace = `bench-${randomBytes(3).toString('hex')}`;
  const admin = new KubeClient(kc);
  try {
    await kubectl(
      kubeconfig,
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      await renderCrdYaml(),
    );
    await kubectl(kubeconfig, ['wait', '--for=condition=Established', 'crd/sequencerclusters.baton.dev']);
    await kubectl(kubeconfig, ['create', 'namespace', namespace]);
    for (const doc of exampleDocuments('sequencercluster-sim.yaml')) {
      if (doc.kind === 'SequencerCluster') continue;
      await kubectl(kubeconfig, ['-n', namespace, 'apply', '--server-side', '-f', '-'], JSON.stringify(doc));
    }
    const sim = exampleDocuments('sequencercluster-sim.yaml').find((d) => d.kind === 'SequencerCluster')!;
    const spec = JSON.parse(JSON.stringify(sim.spec).replace('GENESIS_TIME', '1700000000')) as object;

    const client = new KubeClient(kc);
    const metrics = new OperatorMetrics();
    const controller = new Controller({
      client,
      logger: pino({ level: 'warn' }),
      metrics,
      namespaces: [namespace],
      operatorVersion: '0.1.0',
      instance: 'bench',
      workers,
    });
    await controller.startInformers();
    controller.startActing();
    global.gc?.();
    const memBefore = process.memoryUsage();
    client.resetCounts();
    const reconcilesBefore = controller.reconciles;

    const t0 = Date.now();
    const create = Array.from({ length: clusters }, (_, i) =>
      admin.request('POST', pathOf(SEQUENCER_CLUSTERS, namespace), {
        body: {
          apiVersion: 'baton.dev/v1alpha1',
          kind: 'SequencerCluster',
          metadata: { name: `c${i}` },
          spec,
        },
      }),
    );
    for (let i = 0; i < create.length; i += 20) await Promise.all(create.slice(i, i + 20));
    const created = Date.now() - t0;

    let firstStatusMs: number | null = null;
    let settledMs: number | null = null;
    let peakRss = 0;
    while (settledMs === null && Date.now() - t0 < 600_000) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const list = await admin.request<{ items: Stored[] }>('GET', pathOf(SEQUENCER_CLUSTERS, namespace), {
        list: true,
      });
      const current = list.items.filter((c) => c.status?.observedGeneration === c.metadata.generation);
      if (firstStatusMs === null && current.length === clusters) firstStatusMs = Date.now() - t0;
      const settled = current.filter(
        (c) =>
          c.status?.replicas === 3 &&
          c.status.conditions?.find((k) => k.type === 'Progressing')?.reason === 'WaitingForConductors',
      );
      if (settled.length === clusters) settledMs = Date.now() - t0;
      else await sleep(200);
    }
    const busy = client.requestCounts;
    const busyReconciles = controller.reconciles - reconcilesBefore;

    // A quiet period: nothing changes; what does a resync-style reconcile cost?
    client.resetCounts();
    const quietStart = controller.reconciles;
    await sleep(35_000); // longer than the planner's idle requeue (30 s)
    const quiet = client.requestCounts;
    const quietReconciles = controller.reconciles - quietStart;
    global.gc?.();
    const memAfter = process.memoryUsage();

    const perReconcile = (counts: Record<Verb, number>, n: number) => {
      const writes = counts.create + counts.patch + counts.update + counts.delete;
      const reads = counts.get + counts.list;
      return {
        reconciles: n,
        requests: { ...counts },
        readsPerReconcile: Math.round((reads / Math.max(1, n)) * 100) / 100,
        writesPerReconcile: Math.round((writes / Math.max(1, n)) * 100) / 100,
        totalPerReconcile: Math.round(((reads + writes) / Math.max(1, n)) * 100) / 100,
      };
    };
    const result = {
      clusters,
      workers,
      createAllMs: created,
      firstStatusAllMs: firstStatusMs,
      settledAllMs: settledMs,
      reconcileToSettled: perReconcile(busy, busyReconciles),
      quiet35s: perReconcile(quiet, quietReconciles),
      memoryMiB: {
        rssBefore: mib(memBefore.rss),
        rssPeak: mib(peakRss),
        rssAfter: mib(memAfter.rss),
        heapUsedBefore: mib(memBefore.heapUsed),
        heapUsedAfter: mib(memAfter.heapUsed),
      },
      reconcileTimeSeconds: (await metrics.reconcileTime.get()).values
        .filter((v) => v.metricName?.endsWith('_sum') || v.metricName?.endsWith('_count'))
        .map((v) => [v.metricName, Math.round(v.value * 1000) / 1000]),
    };
    await controller.stop();
    client.close();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await kubectl(kubeconfig, ['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
    admin.close();
    if (ownDir) {
      await execFileP('bash', [SCRIPT, 'down', '--dir', ownDir]).catch(() => undefined);
      await rm(dirname(ownDir), { recursive: true, force: true });
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

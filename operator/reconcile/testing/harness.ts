/**
 * Runs the operator in-process against the suite's control plane (e2e/cluster/testing/control-plane.ts):
 * installs the CRD, creates the example's ConfigMap and Secret, and starts a Controller (optionally with
 * leader election) that watches only the suite's namespace. There is no kubelet, so member pods stay
 * Pending and their conductors are unreachable unless a test injects a ConductorResolver.
 */
import pino from 'pino';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../../../e2e/cluster/testing/control-plane.js';
import { waitFor } from '../../../e2e/cluster/testing/control-plane.js';
import { exampleDocuments, exampleInput } from '../../api/examples.js';
import { renderCrdYaml } from '../../api/generate.js';
import { CRD_NAME } from '../../api/names.js';
import type { SequencerClusterInput } from '../../api/sequencer-cluster.js';
import type { SequencerClusterStatus } from '../../api/status.js';
import { KubeClient, type JsonObject } from '../../kube/client.js';
import { Controller, type ControllerOptions } from '../controller.js';
import { LeaderElector } from '../../kube/leader-election.js';
import { OperatorMetrics } from '../metrics.js';
import { pathOf, SEQUENCER_CLUSTERS } from '../../kube/resources.js';
import { DEFAULT_TUNING } from '../../plan/index.js';

export async function installCrd(cp: ControlPlane): Promise<void> {
  await cp.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], await renderCrdYaml());
  await cp.kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
  const client = new KubeClient(cp.kc);
  await waitFor('SequencerCluster API', async () => {
    await client.request('GET', pathOf(SEQUENCER_CLUSTERS, cp.namespace), { list: true });
    return true;
  });
  client.close();
}

/** The simulator example's ConfigMap and Secret, in the suite's namespace. */
export async function createExamplePrerequisites(cp: ControlPlane): Promise<void> {
  for (const doc of exampleDocuments('sequencercluster-sim.yaml').filter(
    (d) => d.kind !== 'SequencerCluster',
  )) {
    await cp.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(doc));
  }
}

/** The simulator example under another name. */
export function simCluster(name: string, replicas = 3): SequencerClusterInput {
  const input = exampleInput('sequencercluster-sim.yaml');
  return {
    ...input,
    metadata: { name },
    spec: {
      ...input.spec,
      replicas,
      opGeth: { ...input.spec.opGeth, args: ['--sim.genesis-time=1700000000'] },
    },
  };
}

export interface RunningOperator {
  readonly controller: Controller;
  readonly client: KubeClient;
  readonly metrics: OperatorMetrics;
  readonly elector: LeaderElector | null;
  stop(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<ControllerOptions, 'client' | 'logger' | 'metrics'>> {
  readonly leaderElection?: { readonly namespace: string; readonly name: string; readonly identity: string };
}

export async function startOperator(
  kc: KubeConfig,
  namespace: string,
  opts: StartOptions = {},
): Promise<RunningOperator> {
  const client = new KubeClient(kc);
  const metrics = new OperatorMetrics();
  client.onRequest = (verb, code) => metrics.apiRequests.inc({ verb, code: String(code) });
  const logger = pino({ level: process.env.BATON_TEST_LOG ?? 'silent' });
  const controller = new Controller({
    client,
    logger,
    metrics,
    namespaces: [namespace],
    operatorVersion: '0.1.0',
    instance: opts.leaderElection?.identity ?? 'test',
    // Short timeouts so unreachable conductors cost little; faster polls so tests see progress sooner.
    rpcTimeoutMs: 500,
    tuning: { ...DEFAULT_TUNING, pollMs: 500, idlePollMs: 5_000, stalledPollMs: 2_000 },
    ...opts,
  });
  await controller.startInformers();
  let elector: LeaderElector | null = null;
  if (opts.leaderElection) {
    const electionClient = new KubeClient(kc);
    const e = new LeaderElector(electionClient, {
      ...opts.leaderElection,
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 500,
      onStartedLeading: () => controller.startActing(),
      onStoppedLeading: () => void controller.stopActing(),
    });
    client.fence = () => e.isLeader();
    e.start();
    elector = e;
    const stopElector = e.stop.bind(e);
    e.stop = async () => {
      await stopElector();
      electionClient.close();
    };
  } else {
    controller.startActing();
  }
  return {
    controller,
    client,
    metrics,
    elector,
    async stop() {
      await elector?.stop();
      await controller.stop();
      client.close();
    },
  };
}

/** A SequencerCluster as the API server returns it. */
export interface StoredCluster extends JsonObject {
  metadata: { name: string; uid: string; generation: number; resourceVersion: string };
  status?: SequencerClusterStatus;
}

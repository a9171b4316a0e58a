/**
 * Operator metrics (prom-client), named like controller-runtime's so standard dashboards and alerts work
 * (`controller_runtime_reconcile_total`, `workqueue_depth`, …), plus per-cluster state gauges for the
 * alerts that matter here: a cluster stuck in a phase, a cluster without a leader, a stalled rollout.
 * One Registry per operator instance, so two in-process operators (tests) do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const CONTROLLER = 'sequencercluster';

export class OperatorMetrics {
  readonly registry = new Registry();

  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Reconciles by result (success, error, requeue_after).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Reconciles that failed and were retried with back-off.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Time per reconcile, including conductor RPC.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Workers currently reconciling.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Keys waiting in the work queue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly queueAdds = new Gauge({
    name: 'workqueue_adds_total',
    help: 'Keys added to the work queue (a gauge mirroring the queue counter).',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly queueRetries = new Gauge({
    name: 'workqueue_retries_total',
    help: 'Rate-limited re-adds after failures (a gauge mirroring the queue counter).',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'baton_operator_api_requests_total',
    help: 'Kubernetes API requests by verb and HTTP status code.',
    labelNames: ['verb', 'code'] as const,
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'baton_operator_watch_restarts_total',
    help: 'Watch restarts by resource and reason (closed by the server, error, 410 Gone relist).',
    labelNames: ['resource', 'reason'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'baton_operator_leader',
    help: '1 while this replica holds the leader Lease.',
    registers: [this.registry],
  });
  readonly steps = new Counter({
    name: 'baton_operator_steps_total',
    help: 'Planner steps executed, by kind and code.',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  });
  readonly clusterPhase = new Gauge({
    name: 'baton_sequencercluster_phase',
    help: '1 for the current phase of each SequencerCluster.',
    labelNames: ['namespace', 'name', 'phase'] as const,
    registers: [this.registry],
  });
  readonly clusterCondition = new Gauge({
    name: 'baton_sequencercluster_condition',
    help: '1 when the condition has the status.',
    labelNames: ['namespace', 'name', 'type', 'status'] as const,
    registers: [this.registry],
  });
  readonly clusterMembers = new Gauge({
    name: 'baton_sequencercluster_members',
    help: 'Members by state (healthy, unhealthy).',
    labelNames: ['namespace', 'name', 'state'] as const,
    registers: [this.registry],
  });
  readonly clusterHead = new Gauge({
    name: 'baton_sequencercluster_unsafe_head',
    help: "The leader's unsafe head block number.",
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  /** The per-cluster series last set, so they can be removed when the phase changes or the cluster goes. */
  private readonly clusterSeries = new Map<string, [Gauge<string>, Record<string, string>][]>();

  /** Per-cluster gauges from the status just written. */
  recordCluster(
    namespace: string,
    name: string,
    phase: string,
    conditions: readonly { type: string; status: string }[],
    members: { healthy: number; unhealthy: number },
    head: number | null,
  ): void {
    this.forgetCluster(namespace, name);
    const series: [Gauge<string>, Record<string, string>, number][] = [
      [this.clusterPhase, { namespace, name, phase }, 1],
      ...conditions.map((c): [Gauge<string>, Record<string, string>, number] => [
        this.clusterCondition,
        { namespace, name, type: c.type, status: c.status },
        1,
      ]),
      [this.clusterMembers, { namespace, name, state: 'healthy' }, members.healthy],
      [this.clusterMembers, { namespace, name, state: 'unhealthy' }, members.unhealthy],
      ...(head !== null
        ? [[this.clusterHead, { namespace, name }, head] as [Gauge<string>, Record<string, string>, number]]
        : []),
    ];
    for (const [g, labels, v] of series) g.set(labels, v);
    this.clusterSeries.set(
      `${namespace}/${name}`,
      series.map(([g, l]) => [g, l]),
    );
  }

  /** Drop a cluster's series (a deleted cluster must not keep reporting its last phase). */
  forgetCluster(namespace: string, name: string): void {
    for (const [g, labels] of this.clusterSeries.get(`${namespace}/${name}`) ?? []) g.remove(labels);
    this.clusterSeries.delete(`${namespace}/${name}`);
  }
}

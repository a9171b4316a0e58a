/**
 * The SequencerCluster controller: informers feed a work queue; workers reconcile one cluster key at a
 * time. A reconcile is
 *
 *   read the cluster from the cache → check its references (missing Secret/ConfigMap/key → condition +
 *   Event, nothing deleted) → render and server-side apply its objects (+ create the JWT Secret once) →
 *   observe (cache + conductor RPC) → plan one step → execute it → compute and write status → requeue.
 *
 * The StatefulSet's replicas and the bootstrap ConfigMap's member only change through planner steps
 * (operator/plan step.ts contract): the general apply renders them with their current values.
 *
 * With leader election, informers run on every replica (a standby has a warm cache) but only the Lease
 * holder has workers, and every write is fenced by the Lease (KubeClient.fence), so a replica that lost the
 * Lease mid-reconcile fails its next write instead of acting.
 */
import { describeRpcFailure } from '../../conductor/jsonrpc/errors.js';
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  API_GROUP_VERSION,
  KIND,
  LABEL_CLUSTER,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  APP_NAME,
  MANAGED_BY,
} from '../api/names.js';
import { podOrdinal } from '../api/names.js';
import type { SequencerCluster } from '../api/sequencer-cluster.js';
import type { SequencerClusterStatus as ApiStatus } from '../api/status.js';
import {
  blockedConditions,
  computeStatus,
  DEFAULT_TUNING,
  isAction,
  memoryFromStatus,
  plan,
  withTransitions,
  type PlanTuning,
  type SequencerClusterStatus as PlanStatus,
  type Step,
} from '../plan/index.js';
import { renderCluster, renderedObjects, type RenderInput } from '../render/cluster.js';
import { needsGeneratedJwtSecret, renderJwtSecret } from '../render/jwt-secret.js';
import { RenderError } from '../render/metadata.js';
import { applyStatus, serverSideApply, type Applicable } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { isConflict, KubeApiError, NotLeaderError } from '../kube/client.js';
import { EventRecorder, type EventType, type ObjectReference } from '../kube/events.js';
import { executeStep } from './execute.js';
import { Informer, keyOf, type KubeObject } from '../kube/informer.js';
import type { OperatorMetrics } from './metrics.js';
import { CONTROLLER } from './metrics.js';
import {
  DNS_RESOLVER,
  observe,
  type ConductorResolver,
  type PodObject,
  type StatefulSetObject,
} from './observe.js';
import { WorkQueue } from '../kube/queue.js';
import { PODS, pathOf, SECRETS, SEQUENCER_CLUSTERS, STATEFUL_SETS } from '../kube/resources.js';
import { jsonEqual, planStatusFromApi, toApiStatus } from './status.js';
import { CordonedNodes } from '../kube/nodes.js';
import { P2pKeyStore } from './p2p-keys.js';
import { checkReferences, type ReferenceProblem } from './validate.js';

export interface ControllerOptions {
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly metrics: OperatorMetrics;
  /** Namespaces to watch; empty: all namespaces. */
  readonly namespaces: readonly string[];
  readonly operatorVersion: string;
  /** reportingInstance of Events (the pod name). */
  readonly instance: string;
  readonly resolver?: ConductorResolver;
  readonly workers?: number;
  /** Every cluster is reconciled at least this often even without events. */
  readonly resyncPeriodMs?: number;
  /** Per-call timeout of conductor and op-node RPC while observing. */
  readonly rpcTimeoutMs?: number;
  /** Re-apply unchanged rendered objects at most this often (drift of unwatched objects is repaired then). */
  readonly reapplyPeriodMs?: number;
  /** Delay before planning again after an action (lets the watch deliver its effect). */
  readonly actionRequeueMs?: number;
  readonly tuning?: PlanTuning;
  readonly queue?: WorkQueue;
}

type ClusterObject = SequencerCluster & KubeObject & { status?: ApiStatus };

/** An error as status and logs show it; a failed conductor call says which call on which member. */
const errorText = (e: unknown): string => describeRpcFailure(e);

export class Controller {
  readonly clusters: Informer<ClusterObject>[];
  readonly statefulSets: Informer<StatefulSetObject>[];
  readonly pods: Informer<PodObject>[];
  readonly events: EventRecorder;
  private queue: WorkQueue;
  private readonly log: Logger;
  private readonly resolver: ConductorResolver;
  private readonly tuning: PlanTuning;
  /** The planner's full status of the last reconcile per cluster uid (see status.ts for why). */
  private readonly lastStatus = new Map<string, PlanStatus>();
  /** The members' op-node p2p keys and peer ids (one Secret per cluster). */
  private readonly p2pKeys: P2pKeyStore;
  /** Which of the members' nodes are cordoned (a drain is coming). */
  private readonly nodes: CordonedNodes;
  /** Hash of the last applied intent per object, and when, to skip re-applying unchanged objects. */
  private readonly applied = new Map<string, { hash: string; at: number }>();
  /** Last step recorded as an Event per cluster uid (waits are recorded only when they change). */
  private readonly lastEvent = new Map<string, string>();
  private workers: Promise<void>[] = [];
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private acting = false;
  /** Reconciles finished by this controller (tests, benchmark). */
  reconciles = 0;

  constructor(private readonly options: ControllerOptions) {
    const { client, namespaces } = options;
    this.log = options.logger;
    this.resolver = options.resolver ?? DNS_RESOLVER;
    this.p2pKeys = new P2pKeyStore(options.client);
    this.nodes = new CordonedNodes(options.client, (message) => this.log.warn({}, message));
    this.tuning = options.tuning ?? DEFAULT_TUNING;
    this.queue = options.queue ?? new WorkQueue();
    this.events = new EventRecorder(client, 'baton-operator', options.instance, (e) =>
      this.log.warn({ err: errorText(e) }, 'could not record Event'),
    );
    const scopes = namespaces.length ? namespaces : [''];
    const restart = (resource: string) => (reason: string, error?: unknown) => {
      options.metrics.watchRestarts.inc({ resource, reason });
      const log = reason === 'closed' ? this.log.debug.bind(this.log) : this.log.info.bind(this.log);
      log({ resource, reason, err: error ? errorText(error) : undefined }, 'watch restarted');
    };
    this.clusters = scopes.map(
      (namespace) =>
        new Informer<ClusterObject>(client, SEQUENCER_CLUSTERS, {
          namespace,
          onRestart: restart('sequencerclusters'),
        }),
    );
    this.statefulSets = scopes.map(
      (namespace) =>
        new Informer<StatefulSetObject>(client, STATEFUL_SETS, {
          namespace,
          labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY}`,
          onRestart: restart('statefulsets'),
        }),
    );
    this.pods = scopes.map(
      (namespace) =>
        new Informer<PodObject>(client, PODS, {
          namespace,
          labelSelector: `${LABEL_NAME}=${APP_NAME}`,
          onRestart: restart('pods'),
        }),
    );
    for (const i of this.clusters)
      i.on((type, o) => {
        if (type === 'delete') this.forget(o);
        this.enqueue(keyOf(o));
      });
    for (const i of this.statefulSets) i.on((_t, o) => this.enqueueOwner(o));
    for (const i of this.pods)
      i.on((_t, o) => {
        const cluster = o.metadata?.labels?.[LABEL_CLUSTER];
        if (cluster) this.enqueue(`${o.metadata?.namespace ?? ''}/${cluster}`);
      });
  }

  private get informers(): Informer<KubeObject>[] {
    return [...this.clusters, ...this.statefulSets, ...this.pods] as Informer<KubeObject>[];
  }

  get queueLength(): number {
    return this.queue.length;
  }

  get isActing(): boolean {
    return this.acting;
  }

  /** Start the informers (standby replicas too: a warm cache makes a takeover fast). */
  async startInformers(): Promise<void> {
    for (const i of this.informers) i.start();
    await Promise.all(this.informers.map((i) => i.synced));
  }

  /** Become active: reconcile every known cluster and whatever changes from now on. */
  startActing(): void {
    if (this.acting) return;
    this.acting = true;
    // A previous term's memory may be stale: another replica may have acted meanwhile.
    this.lastStatus.clear();
    this.applied.clear();
    if (this.queue.isShutDown) this.queue = new WorkQueue();
    const workers = this.options.workers ?? 4;
    this.workers = Array.from({ length: workers }, () => this.work());
    for (const i of this.clusters) for (const c of i.list()) this.enqueue(keyOf(c));
    const resync = this.options.resyncPeriodMs ?? 300_000;
    this.resyncTimer = setInterval(() => {
      for (const i of this.clusters) for (const c of i.list()) this.enqueue(keyOf(c));
    }, resync);
    this.resyncTimer.unref?.();
    this.log.info({ workers }, 'controller acting');
  }

  /** Stop acting: no new reconciles; waits for the ones in flight (their writes are fenced anyway). */
  async stopActing(): Promise<void> {
    if (!this.acting) return;
    this.acting = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.queue.shutdown();
    await Promise.all(this.workers);
    this.workers = [];
    this.options.metrics.activeWorkers.set({ controller: CONTROLLER }, 0);
    this.log.info('controller stopped acting');
  }

  async stop(): Promise<void> {
    await this.stopActing();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** Cut every watch connection, as a network failure would (tests). */
  disconnectWatches(): void {
    for (const i of this.informers) i.disconnect();
  }

  /** Make every watch resume from an expired resourceVersion, forcing 410 Gone and a relist (tests). */
  expireWatches(): void {
    for (const i of this.informers) i.expireResourceVersion();
  }

  private enqueue(key: string): void {
    if (!this.acting) return;
    this.queue.add(key);
    this.updateQueueMetrics();
  }

  private enqueueOwner(o: KubeObject): void {
    const owner = o.metadata?.ownerReferences?.find((r) => r.controller && r.kind === KIND);
    if (owner) this.enqueue(`${o.metadata?.namespace ?? ''}/${owner.name}`);
  }

  private forget(o: KubeObject): void {
    const uid = o.metadata?.uid ?? '';
    this.lastStatus.delete(uid);
    this.lastEvent.delete(uid);
    this.forgetApplied(uid);
    this.p2pKeys.forget(o.metadata?.namespace ?? '', o.metadata?.name ?? '');
    this.options.metrics.forgetCluster(o.metadata?.namespace ?? '', o.metadata?.name ?? '');
  }

  private forgetApplied(uid: string): void {
    for (const k of this.applied.keys()) if (k.startsWith(`${uid}/`)) this.applied.delete(k);
  }

  private updateQueueMetrics(): void {
    const m = this.options.metrics;
    m.queueDepth.set({ name: CONTROLLER }, this.queue.length);
    m.queueAdds.set({ name: CONTROLLER }, this.queue.adds);
    m.queueRetries.set({ name: CONTROLLER }, this.queue.retries);
  }

  private async work(): Promise<void> {
    const m = this.options.metrics;
    for (;;) {
      const queue = this.queue;
      const key = await queue.get();
      if (key === undefined) return;
      this.updateQueueMetrics();
      m.activeWorkers.inc({ controller: CONTROLLER });
      const end = m.reconcileTime.startTimer({ controller: CONTROLLER });
      try {
        const requeueAfterMs = await this.reconcile(key);
        queue.forget(key);
        if (requeueAfterMs !== null) queue.addAfter(key, requeueAfterMs);
        m.reconcileTotal.inc({
          controller: CONTROLLER,
          result: requeueAfterMs === null ? 'success' : 'requeue_after',
        });
      } catch (error) {
        m.reconcileTotal.inc({ controller: CONTROLLER, result: 'error' });
        m.reconcileErrors.inc({ controller: CONTROLLER });
        if (error instanceof NotLeaderError) {
          this.log.warn({ key }, 'lost the leader Lease mid-reconcile; not acting');
        } else {
          this.log.error({ key, err: errorText(error), retries: queue.failuresOf(key) }, 'reconcile failed');
          queue.addRateLimited(key);
        }
      } finally {
        end();
        this.reconciles++;
        m.activeWorkers.dec({ controller: CONTROLLER });
        queue.done(key);
        this.updateQueueMetrics();
      }
    }
  }

  private findCluster(namespace: string, name: string): ClusterObject | undefined {
    for (const i of this.clusters) {
      const c = i.get(namespace, name);
      if (c) return c;
    }
    return undefined;
  }

  private podsOf(namespace: string, name: string): PodObject[] {
    return this.pods
      .flatMap((i) =>
        i.list((p) => p.metadata?.namespace === namespace && p.metadata.labels?.[LABEL_CLUSTER] === name),
      )
      .filter((p) => podOrdinal(name, p.metadata?.name ?? '') !== undefined)
      .sort(
        (a, b) =>
          (podOrdinal(name, a.metadata?.name ?? '') ?? 0) - (podOrdinal(name, b.metadata?.name ?? '') ?? 0),
      );
  }

  private statefulSetOf(namespace: string, name: string): StatefulSetObject | undefined {
    for (const i of this.statefulSets) {
      const s = i.get(namespace, name);
      if (s) return s;
    }
    return undefined;
  }

  private reference(cluster: ClusterObject): ObjectReference {
    return {
      apiVersion: API_GROUP_VERSION,
      kind: KIND,
      name: cluster.metadata.name ?? '',
      namespace: cluster.metadata.namespace ?? '',
      uid: cluster.metadata.uid ?? '',
    };
  }

  private async event(
    cluster: ClusterObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    await this.events.record(this.reference(cluster), type, reason, message);
  }

  /** One reconcile; resolves to the requeue delay (null: only on events and resync). */
  async reconcile(key: string): Promise<number | null> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const cluster = this.findCluster(namespace, name);
    if (!cluster || cluster.metadata.deletionTimestamp) return null; // garbage collection removes the rest
    const uid = cluster.metadata.uid ?? '';
    const log = this.log.child({ cluster: key, generation: cluster.metadata.generation });
    const now = Date.now();

    const references = await checkReferences(this.options.client, cluster);
    if (references.problems.length > 0) return this.blocked(cluster, references.problems, log);
    const p2p = await this.p2pKeys.ensure(cluster);
    if (p2p.problem) return this.blocked(cluster, [p2p.problem], log);

    const previous = this.lastStatus.get(uid) ?? planStatusFromApi(cluster.status);
    const memory = memoryFromStatus(previous);
    const statefulSet = this.statefulSetOf(namespace, name);
    const renderInput: RenderInput = {
      cluster,
      operatorVersion: this.options.operatorVersion,
      bootstrapMember: memory.raft.bootstrapMember,
      statefulSetReplicas: statefulSet?.spec?.replicas ?? cluster.spec.replicas,
      configDigest: references.configDigest,
      memberP2pIds: p2p.ids,
    };
    let rendered;
    try {
      rendered = renderCluster(renderInput);
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      return this.blocked(cluster, [{ reason: 'InvalidSpec', message: error.message }], log);
    }

    if (needsGeneratedJwtSecret(cluster)) await this.ensureJwtSecret(cluster);
    try {
      for (const object of renderedObjects(rendered)) {
        // The StatefulSet is created by the planner's createStatefulSet step, never by the general apply.
        if (object.kind === 'StatefulSet' && !statefulSet) continue;
        await this.applyIfChanged(uid, object, now);
      }
    } catch (error) {
      if (error instanceof KubeApiError && (error.code === 422 || error.code === 400)) {
        return this.blocked(
          cluster,
          [
            {
              reason: 'RejectedByAPIServer',
              message: `the API server rejected a rendered object: ${error.message}`,
            },
          ],
          log,
        );
      }
      throw error;
    }

    const pods = this.podsOf(namespace, name);
    const cordonedNodes = await this.nodes.of(
      pods.flatMap((p) => (p.spec?.nodeName ? [p.spec.nodeName] : [])),
    );
    const observed = await observe({
      cordonedNodes,
      cluster,
      updateRevision: rendered.revision,
      statefulSet,
      pods,
      memory,
      resolver: this.resolver,
      rpcTimeoutMs: this.options.rpcTimeoutMs ?? 2_000,
      now,
    });
    const step = plan(observed, this.tuning);
    log.debug({ step: step.kind, code: step.code, rule: step.rule }, step.reason);

    let failure: unknown;
    try {
      await executeStep(
        {
          client: this.options.client,
          cluster,
          observed,
          pods,
          rendered,
          resolver: this.resolver,
          rpcTimeoutMs: this.options.rpcTimeoutMs ?? 2_000,
        },
        step,
      );
      if (
        step.kind === 'createStatefulSet' ||
        step.kind === 'scaleStatefulSet' ||
        step.kind === 'setBootstrapMember' ||
        step.kind === 'clearBootstrapMember'
      ) {
        this.forgetApplied(uid); // the rendered intent changed under the hash cache
      }
      this.options.metrics.steps.inc({ kind: step.kind, code: step.code });
    } catch (error) {
      if (error instanceof NotLeaderError) throw error;
      failure = error;
    }
    await this.recordStep(cluster, step, failure, log);

    const status = computeStatus(observed, step, previous, this.tuning);
    this.lastStatus.set(uid, status);
    await this.writeStatus(cluster, toApiStatus(status, observed));
    const healthy = status.members.filter((m) => m.healthy).length;
    this.options.metrics.recordCluster(
      namespace,
      name,
      status.phase,
      status.conditions,
      { healthy, unhealthy: status.members.length - healthy },
      status.head,
    );

    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
    return isAction(step) ? (this.options.actionRequeueMs ?? 250) : step.requeueAfterMs;
  }

  private async recordStep(cluster: ClusterObject, step: Step, failure: unknown, log: Logger): Promise<void> {
    const uid = cluster.metadata.uid ?? '';
    if (failure !== undefined) {
      const message = `${step.reason} — failed: ${errorText(failure)}`;
      log.warn({ step: step.kind, code: step.code, err: errorText(failure) }, 'step failed');
      await this.event(cluster, 'Warning', `${step.code}Failed`, message);
      return;
    }
    const acted = isAction(step);
    const id = `${step.kind}/${step.code}`;
    if (!acted && this.lastEvent.get(uid) === id) return; // an unchanged wait is not news
    this.lastEvent.set(uid, id);
    if (acted) log.info({ step: step.kind, code: step.code }, step.reason);
    await this.event(cluster, step.kind === 'stalled' ? 'Warning' : 'Normal', step.code, step.reason);
  }

  /**
   * The cluster cannot be reconciled until a human fixes something: say exactly what on the status and in
   * a Warning Event, touch nothing else, and look again later (the missing object may be created any time).
   */
  private async blocked(
    cluster: ClusterObject,
    problems: readonly ReferenceProblem[] | readonly { reason: string; message: string }[],
    log: Logger,
  ): Promise<number> {
    const first = problems[0]!;
    const message = problems.map((p) => p.message).join('; ');
    const generation = cluster.metadata.generation ?? 0;
    const previous = cluster.status;
    log.warn({ reason: first.reason }, message);
    const conditions = withTransitions(
      previous?.conditions,
      blockedConditions(previous?.conditions, first.reason, message),
      generation,
      Date.now(),
    );
    const status: ApiStatus = {
      ...(previous ?? {}),
      observedGeneration: generation,
      phase: previous?.raft?.formed ? 'Degraded' : 'Pending',
      conditions,
    };
    const uid = cluster.metadata.uid ?? '';
    const id = `blocked/${first.reason}/${message}`;
    if (this.lastEvent.get(uid) !== id) {
      this.lastEvent.set(uid, id);
      await this.event(cluster, 'Warning', first.reason, message);
    }
    await this.writeStatus(cluster, status);
    this.options.metrics.recordCluster(
      cluster.metadata.namespace ?? '',
      cluster.metadata.name ?? '',
      status.phase ?? 'Pending',
      conditions,
      { healthy: 0, unhealthy: 0 },
      null,
    );
    return this.tuning.stalledPollMs;
  }

  private async writeStatus(cluster: ClusterObject, status: ApiStatus): Promise<void> {
    if (jsonEqual(cluster.status ?? null, status)) return;
    await applyStatus(
      this.options.client,
      SEQUENCER_CLUSTERS,
      {
        apiVersion: API_GROUP_VERSION,
        kind: KIND,
        namespace: cluster.metadata.namespace ?? '',
        name: cluster.metadata.name ?? '',
      },
      status,
    );
  }

  private async applyIfChanged(uid: string, object: Applicable, now: number): Promise<void> {
    const id = `${uid}/${object.kind ?? ''}/${object.metadata?.name ?? ''}`;
    const hash = createHash('sha256').update(JSON.stringify(object)).digest('hex');
    const last = this.applied.get(id);
    if (last && last.hash === hash && now - last.at < (this.options.reapplyPeriodMs ?? 300_000)) return;
    await serverSideApply(this.options.client, object);
    this.applied.set(id, { hash, at: now });
  }

  /** `<c>-jwt`, created once with fresh random bytes and never applied again (its value must not change). */
  private async ensureJwtSecret(cluster: ClusterObject): Promise<void> {
    const id = `${cluster.metadata.uid ?? ''}/jwt`;
    if (this.applied.has(id)) return;
    const secret = renderJwtSecret(cluster, randomBytes(32).toString('hex'));
    try {
      await this.options.client.request('POST', pathOf(SECRETS, cluster.metadata.namespace ?? ''), {
        body: secret,
        write: true,
      });
    } catch (error) {
      if (!isConflict(error)) throw error; // already there: keep its value
    }
    this.applied.set(id, { hash: '', at: Date.now() });
  }
}

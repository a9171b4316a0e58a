/**
 * Leader election on a coordination.k8s.io/v1 Lease, client-go's algorithm (@kubernetes/client-node has
 * none): a candidate takes the Lease when it is absent, released, or has not been renewed for
 * leaseDuration — measured on this candidate's own clock from when it last saw the record change, so
 * clock skew between nodes does not matter — and every write carries the resourceVersion it read, so of
 * two candidates racing only one wins. The leader renews every retryPeriod and steps down as soon as
 * renewDeadline passes without a successful renewal: `isLeader()` turns false at that instant (it is the
 * fence on every write the controller makes), strictly before another candidate may take over at
 * leaseDuration. On shutdown the Lease is released so a standby takes over at its next retry.
 */
import type { KubeClient } from './client.js';
import { isConflict, isNotFound } from './client.js';
import { LEASES, pathOf } from './resources.js';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
  readonly onError?: (error: unknown) => void;
}

interface Lease {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime wants six fractional digits. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leading = false;
  private lastRenewal = 0;
  /** The record as last seen, and when (our clock) it last changed. */
  private observed: { holder: string; renewTime: string; at: number } | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.renewDeadlineMs < this.leaseDurationMs))
      throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
  }

  /** True only while the last renewal is younger than renewDeadline. */
  isLeader(): boolean {
    if (this.leading && Date.now() - this.lastRenewal >= this.renewDeadlineMs) this.stepDown();
    return this.leading;
  }

  get holder(): string | null {
    return this.observed?.holder || null;
  }

  start(): void {
    this.loop ??= this.tick();
  }

  /** Stop campaigning; release the Lease if we hold it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      await this.release().catch((e: unknown) => this.options.onError?.(e));
      this.options.onStoppedLeading?.();
    }
  }

  private stepDown(): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.onStoppedLeading?.();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    try {
      const ok = await this.tryAcquireOrRenew();
      if (ok) {
        // Count from before the request: the server may have accepted it any time after this.
        this.lastRenewal = started;
        if (!this.leading) {
          this.leading = true;
          this.options.onStartedLeading?.();
        }
      }
    } catch (error) {
      this.options.onError?.(error);
    }
    this.isLeader(); // steps down if renewDeadline passed without a renewal
    if (this.stopped) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, this.retryPeriodMs);
    });
    return this.tick();
  }

  private path(name?: string): string {
    return pathOf(LEASES, this.options.namespace, name);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const me = this.options.identity;
    const spec = (holder: string, acquireTime: string, transitions: number): Lease['spec'] => ({
      holderIdentity: holder,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    });
    let lease: Lease;
    try {
      lease = await this.client.request<Lease>('GET', this.path(this.options.name));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await this.client.request('POST', this.path(), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.options.name, namespace: this.options.namespace },
            spec: spec(me, microTime(now), 0),
          },
        });
      } catch (e2) {
        if (isConflict(e2)) return false; // another candidate created it first
        throw e2;
      }
      this.observed = { holder: me, renewTime: microTime(now), at: now };
      return true;
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const renewTime = lease.spec?.renewTime ?? '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: now };
    }
    const duration = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    const held = holder !== '' && holder !== me && now < this.observed.at + duration;
    if (held) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (holder === me ? 0 : 1);
    const acquireTime = holder === me ? (lease.spec?.acquireTime ?? microTime(now)) : microTime(now);
    try {
      await this.client.request('PUT', this.path(this.options.name), {
        body: { ...lease, spec: spec(me, acquireTime, transitions) },
      });
    } catch (e) {
      if (isConflict(e)) return false; // someone else wrote it since we read it
      throw e;
    }
    this.observed = { holder: me, renewTime: microTime(now), at: now };
    return true;
  }

  private async release(): Promise<void> {
    const lease = await this.client.request<Lease>('GET', this.path(this.options.name));
    if (lease.spec?.holderIdentity !== this.options.identity) return;
    const now = microTime(Date.now());
    await this.client.request('PUT', this.path(this.options.name), {
      body: {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      },
    });
  }
}

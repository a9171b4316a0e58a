/**
 * Kubernetes Events on the SequencerCluster (core/v1, which `kubectl describe` and `kubectl events`
 * show). Aggregated the way client-go's recorder does: the same (object, type, reason, message) gets a
 * stable Event name, and a repeat bumps `count` and `lastTimestamp` on the existing Event instead of
 * creating a new one, so a tight requeue loop cannot flood etcd. Recording never fails a reconcile: an
 * Event that cannot be written is logged and dropped.
 */
import { createHash } from 'node:crypto';
import type { KubeClient } from './client.js';
import { isConflict, isNotFound } from './client.js';
import { MERGE_PATCH } from './apply.js';
import { EVENTS, pathOf } from './resources.js';

export interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export type EventType = 'Normal' | 'Warning';

const MAX_REMEMBERED = 4096;
const MAX_MESSAGE = 1024;

export class EventRecorder {
  /** Event name → count already recorded. */
  private readonly counts = new Map<string, number>();
  /** Events written (created or bumped), for tests and metrics. */
  written = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly instance: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async record(regarding: ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const note = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
    const digest = createHash('sha256')
      .update([regarding.uid, type, reason, note].join('\0'))
      .digest('hex')
      .slice(0, 16);
    const name = `${regarding.name}.${digest}`;
    const now = new Date().toISOString();
    try {
      const known = this.counts.get(name);
      if (known !== undefined) {
        await this.bump(regarding.namespace, name, known + 1, now).catch(async (e: unknown) => {
          if (!isNotFound(e)) throw e;
          await this.create(regarding, name, type, reason, note, now); // expired (events have a TTL)
        });
      } else {
        await this.create(regarding, name, type, reason, note, now).catch(async (e: unknown) => {
          if (!isConflict(e)) throw e;
          // Recorded by an earlier run of the operator: continue its count.
          const existing = await this.client.request<{ count?: number }>(
            'GET',
            pathOf(EVENTS, regarding.namespace, name),
          );
          await this.bump(regarding.namespace, name, (existing.count ?? 1) + 1, now);
        });
      }
      this.written++;
    } catch (error) {
      this.onError(error);
    }
  }

  private remember(name: string, count: number): void {
    if (this.counts.size >= MAX_REMEMBERED && !this.counts.has(name)) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    this.counts.set(name, count);
  }

  private async create(
    regarding: ObjectReference,
    name: string,
    type: EventType,
    reason: string,
    message: string,
    now: string,
  ): Promise<void> {
    await this.client.request('POST', pathOf(EVENTS, regarding.namespace), {
      write: true,
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: regarding.namespace },
        involvedObject: { ...regarding },
        type,
        reason,
        message,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    this.remember(name, 1);
  }

  private async bump(namespace: string, name: string, count: number, now: string): Promise<void> {
    await this.client.request('PATCH', pathOf(EVENTS, namespace, name), {
      write: true,
      contentType: MERGE_PATCH,
      body: { count, lastTimestamp: now },
    });
    this.remember(name, count);
  }
}

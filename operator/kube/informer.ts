/**
 * List + watch one resource type into a local cache, and tell the controller what changed.
 *
 * The watch is treated as something that will die: when the server ends it (its timeoutSeconds), the
 * informer re-watches from the last resourceVersion it saw; when the connection fails it re-watches after
 * an exponential back-off (1 s → 30 s, reset by the next event); when the resourceVersion has expired
 * (410 Gone on connect, or an ERROR event with code 410) it lists again and diffs the fresh list against
 * the cache, emitting `delete` for objects that vanished meanwhile and `update` for changed ones.
 * Bookmarks keep the resourceVersion fresh on quiet resources so that expiry stays rare. Watch events
 * are the raw JSON the server sent (timestamps stay strings) — lists are parsed the same way.
 */
import type { KubeClient, WatchEvent } from './client.js';
import { isGone, KubeApiError } from './client.js';
import { pathOf, type ResourceType } from './resources.js';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export type ChangeType = 'add' | 'update' | 'delete';
export type ChangeHandler<T> = (type: ChangeType, object: T) => void;

export interface InformerOptions {
  readonly namespace: string;
  readonly labelSelector?: string;
  /** Called on every watch restart, with why (metrics, logs). */
  readonly onRestart?: (reason: 'closed' | 'error' | 'gone', error?: unknown) => void;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

interface List<T> {
  metadata?: { resourceVersion?: string };
  items?: T[];
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: ChangeHandler<T>[] = [];
  private resourceVersion = '';
  private readonly stopController = new AbortController();
  private watchController: AbortController | undefined;
  private syncedResolve!: () => void;
  private running: Promise<void> | undefined;
  /** Resolves after the first list has filled the cache. */
  readonly synced: Promise<void>;
  /** Number of (re)lists and watch connections, for tests and metrics. */
  lists = 0;
  watches = 0;

  constructor(
    private readonly client: KubeClient,
    readonly type: ResourceType,
    private readonly options: InformerOptions,
  ) {
    this.synced = new Promise((resolve) => (this.syncedResolve = resolve));
  }

  on(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(filter?: (o: T) => boolean): T[] {
    const all = [...this.cache.values()];
    return filter ? all.filter(filter) : all;
  }

  get size(): number {
    return this.cache.size;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    this.watchController?.abort();
    await this.running;
  }

  /** Cut the current watch connection, as a network failure would (tests). */
  disconnect(): void {
    this.watchController?.abort();
  }

  /** Forget the resourceVersion's validity: the next watch starts from a long-compacted one (tests: 410). */
  expireResourceVersion(): void {
    this.resourceVersion = '1';
    this.disconnect();
  }

  private emit(type: ChangeType, object: T): void {
    for (const h of this.handlers) h(type, object);
  }

  private async relist(): Promise<void> {
    const list = await this.client.request<List<T>>('GET', pathOf(this.type, this.options.namespace), {
      list: true,
      query: { labelSelector: this.options.labelSelector },
    });
    this.lists++;
    const fresh = new Map<string, T>();
    for (const item of list.items ?? []) fresh.set(keyOf(item), item);
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.emit('delete', old);
      }
    }
    for (const [key, item] of fresh) {
      const old = this.cache.get(key);
      this.cache.set(key, item);
      if (!old) this.emit('add', item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.emit('update', item);
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
  }

  private apply(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; reason?: string; message?: string };
      throw new KubeApiError(
        status.code ?? 500,
        status.reason ?? 'Unknown',
        status.message ?? 'watch error',
        'WATCH',
        pathOf(this.type, this.options.namespace),
      );
    }
    const object = event.object as T;
    const rv = object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const key = keyOf(object);
    if (event.type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', object);
    } else {
      const existed = this.cache.has(key);
      this.cache.set(key, object);
      this.emit(existed ? 'update' : 'add', object);
    }
  }

  private async run(): Promise<void> {
    const stop = this.stopController.signal;
    const minBackoff = this.options.minBackoffMs ?? 1_000;
    const maxBackoff = this.options.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    let needList = true;
    while (!stop.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
          this.syncedResolve();
        }
        this.watchController = new AbortController();
        const signal = AbortSignal.any([stop, this.watchController.signal]);
        this.watches++;
        await this.client.watch(
          pathOf(this.type, this.options.namespace),
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            labelSelector: this.options.labelSelector,
            // The server ends the watch after this long; re-watching then is cheap and proves liveness.
            timeoutSeconds: 240 + Math.floor(Math.random() * 120),
          },
          (event) => {
            this.apply(event);
            backoff = minBackoff;
          },
          signal,
        );
        this.options.onRestart?.('closed');
      } catch (error) {
        if (stop.aborted) break;
        if (isGone(error)) {
          // The resourceVersion was compacted away: only a fresh list can tell what happened meanwhile.
          this.options.onRestart?.('gone', error);
          needList = true;
          continue;
        }
        this.options.onRestart?.('error', error);
        await sleep(backoff, stop);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }
}

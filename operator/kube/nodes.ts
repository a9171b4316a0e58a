/**
 * Which of the members' nodes are cordoned (spec.unschedulable) — `kubectl drain` cordons a node before it
 * evicts its pods, and the PDB on the `active` role refuses to evict the leader, so the operator moves
 * leadership off a cordoned node first (plan/rules/drain.ts) and the drain then proceeds.
 *
 * Nodes are cluster-scoped: a namespaced install may not read them. A 403 is remembered (for
 * `forbiddenRetryMs`) and logged once; cordons are then unknown, which only means a drain waits on the PDB
 * until someone moves leadership (docs/operator.md). Each node is read at most once per `ttlMs`.
 */
import type { KubeClient } from './client.js';
import { KubeApiError } from './client.js';

interface NodeObject {
  spec?: { unschedulable?: boolean };
}

export class CordonedNodes {
  private readonly cache = new Map<string, { cordoned: boolean; at: number }>();
  private forbiddenUntil = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly onForbidden: (message: string) => void,
    private readonly ttlMs = 5_000,
    private readonly forbiddenRetryMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cordoned ones among `nodeNames` (unknown nodes and failed reads count as not cordoned). */
  async of(nodeNames: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (this.now() < this.forbiddenUntil) return out;
    await Promise.all(
      [...new Set(nodeNames)].map(async (name) => {
        if (await this.cordoned(name)) out.add(name);
      }),
    );
    return out;
  }

  private async cordoned(name: string): Promise<boolean> {
    const cached = this.cache.get(name);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.cordoned;
    try {
      const node = await this.client.request<NodeObject>('GET', `/api/v1/nodes/${encodeURIComponent(name)}`);
      const cordoned = node.spec?.unschedulable === true;
      this.cache.set(name, { cordoned, at: this.now() });
      return cordoned;
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 403) {
        if (this.forbiddenUntil === 0)
          this.onForbidden(
            'cannot read nodes (403): cordoned nodes go unnoticed, so a drain of the leader’s node waits on the PDB until leadership is moved (grant get on nodes, as the chart does with rbac.clusterWide)',
          );
        this.forbiddenUntil = this.now() + this.forbiddenRetryMs;
        return false;
      }
      return cached?.cordoned ?? false;
    }
  }
}

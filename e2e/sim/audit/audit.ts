/**
 * The chain auditor: checks the invariants of docs/design.md §2 against what the simulated nodes saw.
 *
 * Input is each node's history (`sim_history`): every block it inserted as its head (with time and
 * parent) and every block it published over gossip. The report:
 * - `blocks`: distinct heights above genesis that any node inserted or published;
 * - `doubleSequenced`: heights for which two or more different blocks were published or inserted
 *   anywhere (invariant 1: one publisher per height);
 * - `reorgs`: times a node's canonical block at a height was replaced by a different one, or a node
 *   inserted a block whose parent was not its canonical block one height below (invariant 2);
 * - `maxGapMs`: the longest time between consecutive new heights first appearing on any node
 *   (liveness, invariant 5);
 * - `heads`: each node's last inserted block.
 */
import type { Hex } from 'viem';

export interface AuditBlockEvent {
  number: number;
  hash: Hex;
  parentHash: Hex;
  atMs: number;
}

export interface AuditNodeHistory {
  id: string;
  inserted: AuditBlockEvent[];
  published: AuditBlockEvent[];
}

export interface AuditIssue {
  kind: 'doubleSequenced' | 'reorg';
  node?: string;
  number: number;
  detail: string;
}

export interface AuditReport {
  blocks: number;
  reorgs: number;
  doubleSequenced: number;
  maxGapMs: number;
  /** Where the longest gap was: the last height before it, and when that height first appeared (ms). */
  maxGapAfter: { number: number; atMs: number } | null;
  heads: Record<string, { number: number; hash: Hex } | null>;
  issues: AuditIssue[];
}

export function auditChain(nodes: readonly AuditNodeHistory[]): AuditReport {
  const issues: AuditIssue[] = [];
  const hashesAt = new Map<number, Set<Hex>>();
  const firstSeen = new Map<number, number>();
  const note = (e: AuditBlockEvent): void => {
    if (e.number === 0) return;
    const set = hashesAt.get(e.number) ?? new Set<Hex>();
    set.add(e.hash.toLowerCase() as Hex);
    hashesAt.set(e.number, set);
    firstSeen.set(e.number, Math.min(firstSeen.get(e.number) ?? Infinity, e.atMs));
  };

  let reorgs = 0;
  const heads: AuditReport['heads'] = {};
  for (const node of nodes) {
    node.published.forEach(note);
    const canonical = new Map<number, Hex>();
    for (const e of node.inserted) {
      note(e);
      const hash = e.hash.toLowerCase() as Hex;
      const prev = canonical.get(e.number);
      if (prev !== undefined && prev !== hash) {
        reorgs++;
        issues.push({
          kind: 'reorg',
          node: node.id,
          number: e.number,
          detail: `replaced ${prev} with ${hash}`,
        });
      } else {
        const parent = canonical.get(e.number - 1);
        if (parent !== undefined && parent !== e.parentHash.toLowerCase()) {
          reorgs++;
          issues.push({
            kind: 'reorg',
            node: node.id,
            number: e.number,
            detail: `parent ${e.parentHash} is not canonical ${parent}`,
          });
        }
      }
      canonical.set(e.number, hash);
      // A lower head means everything above it is no longer canonical on this node.
      for (const k of [...canonical.keys()]) if (k > e.number) canonical.delete(k);
    }
    const last = node.inserted[node.inserted.length - 1];
    heads[node.id] = last ? { number: last.number, hash: last.hash } : null;
  }

  let doubleSequenced = 0;
  for (const [number, set] of hashesAt) {
    if (set.size > 1) {
      doubleSequenced++;
      issues.push({
        kind: 'doubleSequenced',
        number,
        detail: `${set.size} different blocks: ${[...set].join(', ')}`,
      });
    }
  }

  const heights = [...firstSeen.keys()].sort((a, b) => a - b);
  let maxGapMs = 0;
  let maxGapAfter: AuditReport['maxGapAfter'] = null;
  for (let i = 1; i < heights.length; i++) {
    const a = firstSeen.get(heights[i - 1] as number) as number;
    const b = firstSeen.get(heights[i] as number) as number;
    if (b - a > maxGapMs) {
      maxGapMs = b - a;
      maxGapAfter = { number: heights[i - 1] as number, atMs: a };
    }
  }

  issues.sort((x, y) => x.number - y.number);
  return { blocks: hashesAt.size, reorgs, doubleSequenced, maxGapMs, maxGapAfter, heads, issues };
}

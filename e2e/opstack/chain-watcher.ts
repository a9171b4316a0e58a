/**
 * Watches what each op-geth makes canonical, for the chain auditor (e2e/sim/audit): every few hundred ms it
 * reads each head and walks back by parent hash to the last block it already holds as canonical there, so
 * every block that was ever canonical on a node is recorded in order, even between polls. A block replacing
 * a recorded one at the same height is a reorg to the auditor.
 */
import type { Hex } from 'viem';
import type { AuditBlockEvent, AuditNodeHistory } from '../sim/audit/audit.js';
import { jsonRpc } from './process.js';

interface RpcBlock {
  hash: Hex;
  parentHash: Hex;
  number: Hex;
}

/** A node's RPC URL, or how to find it now (a pod's IP changes when it is recreated; null: not known yet). */
export type WatchedUrl = string | (() => string | null);

interface Watched {
  readonly id: string;
  readonly url: WatchedUrl;
  readonly canonical: Map<number, Hex>;
  readonly inserted: AuditBlockEvent[];
  headHash: Hex | null;
}

/** How far back one poll walks; a node further behind than this is read again on the next poll. */
const MAX_WALK = 512;

export class ChainWatcher {
  private readonly nodes: Watched[] = [];
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  start(nodes: readonly { id: string; url: WatchedUrl }[], intervalMs = 300): void {
    this.add(nodes);
    this.timer = setInterval(() => void this.pollOnce(), intervalMs);
  }

  /** Watches more nodes from the next poll on (members added while running); ids already watched are kept. */
  add(nodes: readonly { id: string; url: WatchedUrl }[]): void {
    for (const n of nodes)
      if (!this.nodes.some((w) => w.id === n.id))
        this.nodes.push({ ...n, canonical: new Map(), inserted: [], headHash: null });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round over every node (a round already running is awaited instead). */
  pollOnce(): Promise<void> {
    this.polling ??= Promise.all(this.nodes.map((n) => this.poll(n).catch(() => {}))).then(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async poll(node: Watched): Promise<void> {
    const url = typeof node.url === 'function' ? node.url() : node.url;
    if (url === null) return;
    const head = (await jsonRpc(url, 'eth_getBlockByNumber', ['latest', false], 2000)) as RpcBlock;
    if (head.hash === node.headHash) return;
    const now = Date.now();
    const fresh: RpcBlock[] = [head];
    let cursor = head;
    while (Number(cursor.number) > 1 && fresh.length < MAX_WALK) {
      const below = Number(cursor.number) - 1;
      if (node.canonical.get(below) === cursor.parentHash.toLowerCase()) break;
      cursor = (await jsonRpc(url, 'eth_getBlockByHash', [cursor.parentHash, false], 2000)) as RpcBlock;
      fresh.unshift(cursor);
    }
    for (const block of fresh) {
      const number = Number(block.number);
      const hash = block.hash.toLowerCase() as Hex;
      node.inserted.push({ number, hash, parentHash: block.parentHash.toLowerCase() as Hex, atMs: now });
      node.canonical.set(number, hash);
    }
    const top = Number(head.number);
    for (const k of [...node.canonical.keys()]) if (k > top) node.canonical.delete(k);
    node.headHash = head.hash;
  }

  histories(): AuditNodeHistory[] {
    return this.nodes.map((n) => ({ id: n.id, inserted: [...n.inserted], published: [] }));
  }

  /** Every block hash any node has held as canonical. */
  allHashes(): Hex[] {
    return this.nodes.flatMap((n) => n.inserted.map((e) => e.hash));
  }
}

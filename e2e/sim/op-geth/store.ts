/**
 * The execution client's chain: every block it has accepted (by hash), the canonical chain (by
 * number) that forkchoice updates select, and the safe/finalized labels. A forkchoice update to a
 * block off the canonical chain rewrites it from the fork point, which is a reorg — exactly what
 * geth does, and what the chain auditor must be able to observe.
 */
import type { Hex } from 'viem';
import type { Block } from '../chain/block.js';

export type InsertStatus = 'VALID' | 'SYNCING';

export class ChainStore {
  private readonly byHash = new Map<Hex, Block>();
  private canonical: Block[] = [];
  private safe: Hex;
  private finalized: Hex;

  constructor(genesis: Block) {
    this.byHash.set(genesis.hash, genesis);
    this.canonical = [genesis];
    this.safe = genesis.hash;
    this.finalized = genesis.hash;
  }

  get genesis(): Block {
    return this.canonical[0] as Block;
  }

  get head(): Block {
    return this.canonical[this.canonical.length - 1] as Block;
  }

  get safeBlock(): Block {
    return this.byHash.get(this.safe) ?? this.genesis;
  }

  get finalizedBlock(): Block {
    return this.byHash.get(this.finalized) ?? this.genesis;
  }

  getByHash(hash: Hex): Block | undefined {
    return this.byHash.get(hash.toLowerCase() as Hex);
  }

  getByNumber(n: number): Block | undefined {
    return this.canonical[n];
  }

  /** Stores a block whose hash was already verified. Without its parent the EL can only sync. */
  insert(block: Block): InsertStatus {
    if (this.byHash.has(block.hash)) return 'VALID';
    if (!this.byHash.has(block.header.parentHash)) return 'SYNCING';
    this.byHash.set(block.hash, block);
    return 'VALID';
  }

  /**
   * Makes `hash` the head: walks back to the canonical chain and replaces everything after the
   * fork point. Returns the replaced (reorged-out) blocks, or undefined for an unknown hash.
   */
  setHead(hash: Hex): Block[] | undefined {
    const target = this.getByHash(hash);
    if (target === undefined) return undefined;
    const branch: Block[] = [];
    let cursor: Block | undefined = target;
    while (cursor !== undefined && this.canonical[Number(cursor.header.number)]?.hash !== cursor.hash) {
      branch.unshift(cursor);
      cursor = this.byHash.get(cursor.header.parentHash);
    }
    if (cursor === undefined) return undefined; // does not connect to genesis
    const forkPoint = Number(cursor.header.number);
    const removed = this.canonical.slice(forkPoint + 1);
    this.canonical = [...this.canonical.slice(0, forkPoint + 1), ...branch];
    return removed;
  }

  setSafe(hash: Hex): void {
    if (this.getByHash(hash)) this.safe = hash.toLowerCase() as Hex;
  }

  setFinalized(hash: Hex): void {
    if (this.getByHash(hash)) this.finalized = hash.toLowerCase() as Hex;
  }

  /** Resolves a block tag or number the way eth_getBlockByNumber does. */
  resolve(tag: string): Block | undefined {
    switch (tag) {
      case 'latest':
      case 'pending':
        return this.head;
      case 'safe':
        return this.safeBlock;
      case 'finalized':
        return this.finalizedBlock;
      case 'earliest':
        return this.genesis;
      default:
        return /^0x[0-9a-fA-F]+$/.test(tag) ? this.getByNumber(Number(BigInt(tag))) : undefined;
    }
  }
}

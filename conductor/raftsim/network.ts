/**
 * A simulated network between cores: per-link delay (which also reorders), loss, duplication, and
 * partitions as a set of blocked directed links (so one-way partitions are just one direction).
 * Time is in simulation units; the simulation advances it.
 */
import type { Message, NodeId } from '../raft/types.js';
import type { Rng } from './random.js';

export interface LinkFaults {
  /** Delay in units, uniform in [minDelay, maxDelay]. Different delays reorder messages. */
  minDelay: number;
  maxDelay: number;
  loss: number;
  duplicate: number;
}

export const CALM: LinkFaults = { minDelay: 1, maxDelay: 4, loss: 0, duplicate: 0 };

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly msg: Message;
}

export type DropReason = 'loss' | 'partition';

export class Network {
  private inflight: InFlight[] = [];
  private seq = 0;
  private readonly blocked = new Set<string>();
  faults: LinkFaults = { ...CALM };
  /** Per-link overrides (a slow or lossy link). */
  readonly linkFaults = new Map<string, LinkFaults>();
  delivered = 0;
  dropped = 0;

  constructor(private readonly rng: Rng) {}

  static link(from: NodeId, to: NodeId): string {
    return `${from}>${to}`;
  }

  block(from: NodeId, to: NodeId): void {
    this.blocked.add(Network.link(from, to));
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(Network.link(from, to));
  }

  heal(): void {
    this.blocked.clear();
    this.linkFaults.clear();
    this.faults = { ...CALM };
  }

  /** Returns why the message was dropped at send time, or null if it is on its way. */
  send(now: number, msg: Message): DropReason | null {
    if (this.isBlocked(msg.from, msg.to)) {
      this.dropped++;
      return 'partition';
    }
    const f = this.linkFaults.get(Network.link(msg.from, msg.to)) ?? this.faults;
    if (this.rng.chance(f.loss)) {
      this.dropped++;
      return 'loss';
    }
    const copies = this.rng.chance(f.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.inflight.push({ at: now + this.rng.int(f.minDelay, f.maxDelay + 1), seq: this.seq++, msg });
    }
    return null;
  }

  /** Messages due at `now`, in delivery order. A partition raised meanwhile also drops them. */
  due(now: number): Message[] {
    const ready: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const m of this.inflight) (m.at <= now ? ready : rest).push(m);
    this.inflight = rest;
    ready.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const out: Message[] = [];
    for (const m of ready) {
      if (this.isBlocked(m.msg.from, m.msg.to)) {
        this.dropped++;
        continue;
      }
      this.delivered++;
      out.push(m.msg);
    }
    return out;
  }

  get size(): number {
    return this.inflight.length;
  }
}

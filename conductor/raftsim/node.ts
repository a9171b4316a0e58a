/**
 * One simulated server: a core, a disk whose writes are durable only once their fsync completes (a
 * crash loses the unsynced Ready), and a state machine reduced to a rolling hash of applied entries
 * (enough to compare replicas exactly). A restart rebuilds the core from the durable state only.
 */
import type { RaftCore } from '../raft/core.js';
import type { RaftOptions } from '../raft/core.js';
import type { Configuration, Entry, HardState, NodeId, Ready, SnapshotMeta } from '../raft/types.js';

export interface FsmState {
  readonly index: number;
  readonly hash: string;
}

export const EMPTY_FSM: FsmState = { index: 0, hash: '0' };

/** FNV-1a, 32-bit, as hex: a compact, deterministic digest for replica comparison. */
export function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

export function applyToFsm(fsm: FsmState, e: Entry): FsmState {
  const data = Array.from(e.data, (b) => String.fromCharCode(b)).join('');
  return { index: e.index, hash: fnv(`${fsm.hash}|${e.index}|${e.term}|${e.type}|${data}`) };
}

export interface Disk {
  hardState: HardState;
  snapshot: { meta: SnapshotMeta; fsm: FsmState } | null;
  entries: Entry[];
  /** The tail of this disk was lost (storage damage) and the member has not caught up since (RestoredState.recovering). */
  recovering?: boolean;
}

export interface PendingWrite {
  readonly ready: Ready;
  readonly doneAt: number;
  /** The committed entries were applied when the Ready was taken (no snapshot to restore first). */
  readonly appliedEarly: boolean;
}

export type CoreFactory = (options: RaftOptions, disk: Disk) => RaftCore;

export class SimNode {
  core: RaftCore | null = null;
  pending: PendingWrite | null = null;
  fsm: FsmState = EMPTY_FSM;
  /** Extra fsync latency in units (a slow disk). */
  diskDelay = 0;
  restarts = 0;
  /** The latest configuration the core knew, kept across a crash (the fault injector reads it). */
  lastConfiguration: Configuration | null = null;

  constructor(
    readonly id: NodeId,
    readonly disk: Disk,
  ) {}

  get alive(): boolean {
    return this.core !== null;
  }

  crash(): void {
    // Unsynced writes are lost with the process.
    if (this.core) this.lastConfiguration = this.core.status().configuration;
    this.core = null;
    this.pending = null;
  }

  start(factory: CoreFactory, options: RaftOptions): void {
    this.core = factory(options, this.disk);
    this.fsm = this.disk.snapshot ? this.disk.snapshot.fsm : EMPTY_FSM;
    this.pending = null;
  }
}

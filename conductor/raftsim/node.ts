/**
 * One simulated server: a core driven by the production Ready loop (consensus/driver.ts), a disk whose
 * writes are durable only once their fsync completes (a crash loses the unsynced write), and a state
 * machine reduced to a rolling hash of applied entries (enough to compare replicas exactly). A restart
 * rebuilds the core from the durable state only.
 */
import type { Done, ReadyDriver } from '../consensus/driver.js';
import type { RaftCore } from '../raft/core.js';
import type { RaftOptions } from '../raft/core.js';
import type { Configuration, Entry, HardState, NodeId, PersistBatch, SnapshotMeta } from '../raft/types.js';

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

/** A write the driver handed to the simulated disk: durable (or refused, if the disk is full) at doneAt. */
export interface PendingWrite {
  readonly batch: PersistBatch;
  readonly doneAt: number;
  readonly done: Done;
}

/** A task the driver scheduled on the simulated clock. */
export interface Timer {
  readonly at: number;
  readonly task: () => void;
}

export type CoreFactory = (options: RaftOptions, disk: Disk) => RaftCore;

export class SimNode {
  core: RaftCore | null = null;
  driver: ReadyDriver | null = null;
  pending: PendingWrite | null = null;
  /** Writes reported durable but not yet on disk (only the lyingDisk variant has any). */
  unsynced: PendingWrite[] = [];
  /** Work the driver deferred (setImmediate in production): run later in the same step. */
  tasks: Array<() => void> = [];
  timers: Timer[] = [];
  fsm: FsmState = EMPTY_FSM;
  /** Extra fsync latency in units (a slow disk). */
  diskDelay = 0;
  /** Writes are refused for lack of space until this time (a full disk). */
  fullUntil = 0;
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
    this.driver?.stop();
    this.core = null;
    this.driver = null;
    this.pending = null;
    this.unsynced = [];
    this.tasks = [];
    this.timers = [];
  }

  /** Builds a core from the durable state; the caller attaches its driver. */
  start(factory: CoreFactory, options: RaftOptions): RaftCore {
    this.core = factory(options, this.disk);
    this.fsm = this.disk.snapshot ? this.disk.snapshot.fsm : EMPTY_FSM;
    this.pending = null;
    this.tasks = [];
    this.timers = [];
    return this.core;
  }
}

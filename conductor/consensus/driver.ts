/**
 * ReadyDriver: the one Ready loop, shared by the production node (consensus/node.ts) and the seeded
 * simulation (raftsim/). It decides what goes to disk and when, what may be sent before the fsync and
 * what only after, and when committed entries are applied; everything else — bytes on disk, bytes on the
 * wire, the clock — comes in through the small interfaces below. For each Ready it does, in order:
 *
 *   send eager appends → restore a received snapshot → apply committed entries → persist (one write,
 *   retried while the disk is full) → send the rest → advance → clear the recovering mark → report
 *
 * Only one Ready is in flight at a time; proposals that arrive while the disk is busy accumulate in the
 * core and go to disk together in the next Ready (group commit).
 *
 * The driver is written in continuation-passing style, not with promises, so the simulation can run it
 * synchronously inside its own event loop: a write completes when the simulated disk says so, and the
 * same seed always gives the same interleaving. It imports no I/O.
 */
import type { RaftCore } from '../raft/core.js';
import type { Entry, HardState, Message, PersistBatch, Ready, Snapshot } from '../raft/types.js';

/** Completion of an asynchronous step: null on success. May be called synchronously or later. */
export type Done = (error: Error | null) => void;

/** The durable half of the shell: the WAL in production, a simulated disk in the simulation. */
export interface DriverStorage {
  /** Writes `batch` atomically and durably (one fsync), then calls `done`. Never two at a time. */
  persist(batch: PersistBatch, done: Done): void;
  /** The member caught up after restarting with a damaged log tail (RestoredState.recovering). */
  markRecovered(done: Done): void;
  /**
   * Why a failed persist failed for lack of space, or null for any other failure. A full disk is retried
   * with the same batch (the storage cut the partial write off); anything else stops the member.
   */
  fullReason(error: Error): string | null;
}

export interface DriverNetwork {
  /** Queues `message` for its peer; never blocks, never throws (a lost message is Raft's to retry). */
  send(message: Message): void;
}

/** The clock: setImmediate/setTimeout in production, the simulation's event queue there. */
export interface Scheduler {
  /** Runs `task` after the current call stack (production: setImmediate). */
  defer(task: () => void): void;
  /** Runs `task` after about `ms` milliseconds. */
  after(ms: number, task: () => void): void;
}

export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the driver tells the node it drives. */
export interface DriverHooks {
  /** A snapshot from the leader replaces the state machine (before anything after it applies). */
  restore(snapshot: Snapshot): void;
  /** Applies one committed entry; called in index order, once per index. */
  apply(entry: Entry): void;
  /** The Ready was persisted, its messages sent and the core advanced: soft state, reads, peers. */
  readyDone(ready: Ready): void;
  /** A write failed for a reason other than a full disk: the driver has stopped; so must the node. */
  failed(error: Error): void;
}

export interface DriverOptions {
  readonly core: RaftCore;
  readonly storage: DriverStorage;
  readonly network: DriverNetwork;
  readonly scheduler: Scheduler;
  readonly hooks: DriverHooks;
  readonly logger: Logger;
  /** The hard state on disk when the core was built (what persisting compares against). */
  readonly persistedHardState: HardState;
  /** The index the state machine already reflects (a restored snapshot's), so it is not applied twice. */
  readonly applied: number;
  /** The core restarted with a damaged log tail and the storage still carries the mark. */
  readonly recovering: boolean;
}

/** Retry delay for a write refused for lack of space: 50 ms, 100 ms, … up to one second. */
export function fullDiskRetryMs(attempt: number): number {
  return Math.min(1000, 50 * attempt);
}

export class ReadyDriver {
  private readonly core: RaftCore;
  private running = false;
  private again = false;
  private stopped = false;
  /** Entry-less appends (commit index updates) held back until the loop has applied that commit. */
  private commitNotices: Message[] = [];
  private latestHardState: HardState | null = null;
  private persistedHardState: HardState;
  private recovering: boolean;
  private appliedIndex: number;
  /** Set while the storage cannot write for lack of space. */
  private storageFull: string | null = null;

  constructor(private readonly options: DriverOptions) {
    this.core = options.core;
    this.persistedHardState = options.persistedHardState;
    this.recovering = options.recovering;
    this.appliedIndex = options.applied;
  }

  /** The index of the last entry applied (or restored from a snapshot). */
  get applied(): number {
    return this.appliedIndex;
  }

  /** True while a Ready is being handled (a write may be in flight). */
  get busy(): boolean {
    return this.running;
  }

  /** Why storage cannot write right now (a full disk), or null. */
  storageProblem(): string | null {
    return this.storageFull;
  }

  /** Stops handling Readies; a write in flight finishes (busy turns false), nothing after it starts. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Something changed in the core (a tick, a message, a proposal): schedule the loop. Calls coalesce while
   * it runs; appends for work that arrived during a write leave at once instead of after the fsync.
   */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      // Appends that carry no entries only tell followers the new commit index; they wait until the loop
      // has applied that commit here, so the proposer hears back first.
      this.dispatchEager(this.core.takeEagerMessages());
      this.again = true;
      return;
    }
    this.running = true;
    this.options.scheduler.defer(() => this.loop());
  }

  /**
   * Runs Readies until the core has none. Synchronous up to the first write that does not complete at
   * once; the write's completion re-enters here. A write that completes synchronously (an in-memory
   * storage) continues the loop in place rather than recursing.
   */
  private loop(): void {
    for (;;) {
      if (this.stopped) {
        this.running = false;
        return;
      }
      if (!this.core.hasReady()) {
        this.sendCommitNotices();
        if (this.again) {
          this.again = false;
          continue;
        }
        this.running = false;
        return;
      }
      const ready = this.core.ready();
      const batch = this.beforePersist(ready);
      if (batch === null) {
        if (!this.afterPersist(ready)) return;
        continue;
      }
      let inline = true;
      let completedInline = false;
      this.persistUntilRoom(batch, 1, () => {
        if (inline) {
          completedInline = true;
          return;
        }
        if (this.afterPersist(ready, batch)) this.loop();
      });
      inline = false;
      if (!completedInline) return; // the write's completion resumes the loop
      if (!this.afterPersist(ready, batch)) return;
    }
  }

  /** The part of a Ready that needs nothing on this member's disk. Returns what must be written. */
  private beforePersist(ready: Ready): PersistBatch | null {
    this.dispatchEager(ready.eagerMessages);
    if (ready.snapshot) {
      this.options.hooks.restore(ready.snapshot);
      this.appliedIndex = ready.snapshot.meta.index;
    }
    // Committed entries are already on a majority's disks, so they can be applied (and their proposers
    // answered) while this Ready's own writes go to disk: the commit path then costs one fsync, not two.
    for (const entry of ready.committed) {
      if (entry.index <= this.appliedIndex) continue;
      this.appliedIndex = entry.index;
      this.options.hooks.apply(entry);
    }
    this.sendCommitNotices();
    if (ready.hardState) this.latestHardState = ready.hardState;
    const hardState = this.hardStateToPersist(ready);
    if (!ready.snapshot && ready.entries.length === 0 && !hardState) return null;
    return { snapshot: ready.snapshot, entries: ready.entries, hardState };
  }

  /**
   * The Ready's writes are durable: send what depends on them, advance the core, report. Returns false
   * if the loop must not go on (stopped, or waiting for the recovering mark to be cleared).
   */
  private afterPersist(ready: Ready, batch?: PersistBatch): boolean {
    if (this.stopped) {
      this.running = false;
      return false;
    }
    if (batch?.hardState) this.persistedHardState = batch.hardState;
    for (const message of ready.messages) this.options.network.send(message);
    this.core.advance(ready);
    if (this.recovering && !this.core.status().recovering) {
      // The member caught up: its storage may drop the mark that kept it from voting after a restart.
      let inline = true;
      let completedInline = false;
      this.options.storage.markRecovered((error) => {
        if (error) return this.fail(error);
        this.recovering = false;
        if (inline) {
          completedInline = true;
          return;
        }
        this.options.hooks.readyDone(ready);
        this.loop();
      });
      inline = false;
      if (!completedInline) return false;
    }
    this.options.hooks.readyDone(ready);
    return true;
  }

  /**
   * Term and vote must be durable before any message that depends on them leaves, so a change to either
   * is written (and fsynced) right away. The commit index is only a hint after a restart — the log on a
   * majority is the truth — so a change to it alone rides along with the next write instead of costing an
   * fsync of its own on every commit.
   */
  private hardStateToPersist(ready: Ready): HardState | null {
    const latest = this.latestHardState;
    if (!latest) return null;
    const persisted = this.persistedHardState;
    const termOrVoteChanged = persisted.term !== latest.term || persisted.vote !== latest.vote;
    if (termOrVoteChanged) return latest;
    const writingAnyway = ready.snapshot !== null || ready.entries.length > 0;
    return writingAnyway && persisted.commit !== latest.commit ? latest : null;
  }

  /**
   * A full disk is not a reason to leave the cluster for good: the storage cut the partial write off, so
   * the same batch is written again until it fits. Meanwhile this member sends none of the messages that
   * depend on it (no ack, no vote), reports unhealthy (so a leader hands off), and picks up where it
   * stopped once space is freed. Any other write failure stops the member (see storage/wal.ts on fsync).
   */
  private persistUntilRoom(batch: PersistBatch, attempt: number, done: () => void): void {
    this.options.storage.persist(batch, (error) => {
      if (!error) {
        if (this.storageFull !== null) {
          this.options.logger.warn(
            { attempts: attempt },
            'raft storage has room again; this member takes part again',
          );
          this.storageFull = null;
        }
        return done();
      }
      const full = this.options.storage.fullReason(error);
      if (full === null || this.stopped) return this.fail(error);
      if (this.storageFull === null) {
        this.options.logger.error(
          { err: error.message },
          'raft storage is full: this member pauses (no acks, no votes) and reports unhealthy until there is ' +
            'room; free space on the volume of --raft.storage.dir',
        );
      }
      this.storageFull = full;
      this.options.scheduler.after(fullDiskRetryMs(attempt), () => {
        if (this.stopped) {
          this.running = false;
          return;
        }
        this.persistUntilRoom(batch, attempt + 1, done);
      });
    });
  }

  /** A write failed: this member can no longer promise durability, so it stops taking part. */
  private fail(error: Error): void {
    this.stopped = true;
    this.running = false;
    this.options.hooks.failed(error);
  }

  private dispatchEager(messages: readonly Message[]): void {
    for (const message of messages) {
      if (carriesEntries(message)) this.options.network.send(message);
      else this.commitNotices.push(message);
    }
  }

  private sendCommitNotices(): void {
    if (this.commitNotices.length === 0) return;
    const notices = this.commitNotices;
    this.commitNotices = [];
    if (!this.stopped) for (const message of notices) this.options.network.send(message);
  }
}

/** An Append with entries replicates data; one without only carries the leader's commit index. */
export function carriesEntries(message: Message): boolean {
  return message.type !== 'Append' || message.entries.length > 0;
}

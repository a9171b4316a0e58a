/**
 * A synchronous in-memory cluster for unit tests: every Ready is persisted instantly, messages are
 * delivered in FIFO order unless a filter drops them. (The fault-injecting, asynchronous harness is
 * conductor/raftsim.) Pure: no I/O, no timers.
 */
import { seededRandom } from '../../raftsim/random.js';
import { RaftCore } from '../core.js';
import type { RaftOptions } from '../core.js';
import { EntryType, Suffrage } from '../types.js';
import type { Configuration, Entry, HardState, Message, NodeId, ReadState, SnapshotMeta } from '../types.js';

export interface TestNode {
  core: RaftCore;
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  snapshotData: Uint8Array;
  entries: Entry[];
  /** Data of applied Normal entries, in order: the test "state machine". */
  fsm: string[];
  appliedIndexes: number[];
  readStates: ReadState[];
  /** Every Ready handed out, for assertions about ordering. */
  readies: number;
  /** The next start() tells the core its log may have lost acknowledged entries (RestoredState.recovering). */
  recovering: boolean;
}

export type Filter = (m: Message) => boolean;

export function deterministicRandom(seed = 1): () => number {
  return seededRandom(seed);
}

export const voterConfig = (ids: readonly NodeId[]): Configuration => ({
  servers: ids.map((id) => ({ id, address: `${id}:1`, suffrage: Suffrage.Voter })),
});

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const untext = (b: Uint8Array): string => new TextDecoder().decode(b);

export class TestCluster {
  readonly nodes = new Map<NodeId, TestNode>();
  queue: Message[] = [];
  /** Return true to drop a message. */
  filter: Filter = () => false;
  /** Every message ever sent, for assertions. */
  sent: Message[] = [];
  private readonly options: Partial<RaftOptions>;
  private seed = 1;

  constructor(ids: readonly NodeId[], options: Partial<RaftOptions> = {}, members: readonly NodeId[] = ids) {
    this.options = options;
    const boot = RaftCore.bootstrap(voterConfig(members));
    for (const id of ids) this.add(id, members.includes(id) ? boot : []);
    this.drain();
  }

  add(id: NodeId, entries: Entry[]): TestNode {
    const node: TestNode = {
      core: undefined as unknown as RaftCore,
      hardState: { term: 0, vote: null, commit: 0 },
      snapshot: null,
      snapshotData: new Uint8Array(0),
      entries: [...entries],
      fsm: [],
      appliedIndexes: [],
      readStates: [],
      readies: 0,
      recovering: false,
    };
    this.nodes.set(id, node);
    this.start(id);
    return node;
  }

  /** (Re)builds a core from the node's durable state, as after a crash. */
  start(id: NodeId): void {
    const n = this.node(id);
    n.core = new RaftCore(
      { ...this.options, id, random: this.options.random ?? deterministicRandom(this.seed++) },
      { hardState: n.hardState, snapshot: n.snapshot, entries: n.entries, recovering: n.recovering },
    );
    n.fsm = n.snapshot ? (JSON.parse(untext(n.snapshotData)) as string[]) : [];
    n.appliedIndexes = [];
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  core(id: NodeId): RaftCore {
    return this.node(id).core;
  }

  /** Processes one Ready of `id` like a shell: persist, send, apply, advance. */
  processReady(id: NodeId): boolean {
    const n = this.node(id);
    if (!n.core.hasReady()) return false;
    const rd = n.core.ready();
    n.readies++;
    if (rd.snapshot) {
      n.snapshot = rd.snapshot.meta;
      n.snapshotData = rd.snapshot.data;
      n.entries = [];
    }
    const first = rd.entries[0];
    if (first) {
      n.entries = n.entries.filter((e) => e.index < first.index).concat(rd.entries);
    }
    if (rd.hardState) n.hardState = rd.hardState;
    for (const m of [...rd.eagerMessages, ...rd.messages]) this.enqueue(m);
    if (rd.snapshot) {
      n.fsm = JSON.parse(untext(rd.snapshot.data)) as string[];
    }
    for (const e of rd.committed) {
      if (e.type === EntryType.Normal) n.fsm.push(untext(e.data));
      n.appliedIndexes.push(e.index);
    }
    n.readStates.push(...rd.readStates);
    n.core.advance(rd);
    if (n.recovering && !n.core.status().recovering) n.recovering = false;
    return true;
  }

  enqueue(m: Message): void {
    this.sent.push(m);
    if (this.filter(m)) return;
    let msg = m;
    if (m.type === 'Snapshot') {
      // The shell attaches the bytes of the snapshot named by meta.
      const from = this.node(m.from);
      msg = { ...m, snapshot: { meta: m.snapshot.meta, data: from.snapshotData } };
    }
    this.queue.push(msg);
  }

  /** Runs readies and deliveries until nothing is left (bounded). */
  drain(limit = 100000): void {
    for (let i = 0; i < limit; i++) {
      let progressed = false;
      for (const id of this.nodes.keys()) while (this.processReady(id)) progressed = true;
      const m = this.queue.shift();
      if (m) {
        const to = this.nodes.get(m.to);
        if (to) to.core.step(m);
        progressed = true;
      }
      if (!progressed) return;
    }
    throw new Error('cluster did not quiesce');
  }

  tick(ids: readonly NodeId[] = [...this.nodes.keys()], n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const id of ids) this.core(id).tick();
      this.drain();
    }
  }

  elect(id: NodeId): void {
    this.core(id).campaign();
    this.drain();
  }

  leaders(): NodeId[] {
    return [...this.nodes.keys()].filter((id) => this.core(id).status().role === 'leader');
  }

  /** Isolates `id` in both directions (or only the given direction). */
  isolate(id: NodeId): void {
    this.filter = (m) => m.from === id || m.to === id;
  }

  heal(): void {
    this.filter = () => false;
  }

  /**
   * Storage damage, as after a crash that destroyed the newest WAL records: the last `count` entries (and
   * the commit index stored with them) are gone, the storage noticed, and the node restarts recovering.
   */
  loseTail(id: NodeId, count: number): void {
    const n = this.node(id);
    n.entries = n.entries.slice(0, n.entries.length - count);
    const last = n.entries.at(-1)?.index ?? n.snapshot?.index ?? 0;
    n.hardState = { ...n.hardState, commit: Math.min(n.hardState.commit, last) };
    n.recovering = true;
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id);
    this.start(id);
  }

  propose(id: NodeId, data: string): { index: number; term: number } {
    const r = this.core(id).propose(text(data));
    this.drain();
    return r;
  }
}

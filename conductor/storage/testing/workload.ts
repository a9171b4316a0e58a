/**
 * A deterministic Raft-like workload and its model, shared by the crash child (which executes it) and
 * the crash test (which replays it to know what the storage must contain after N acknowledged steps).
 * Steps respect what a Raft core would do: appends in the current term, truncation only of uncommitted
 * entries after a term change, local snapshots at the commit index, snapshots received from a leader.
 */
import { EntryType } from '../../raft/types.js';
import type { Entry, HardState, Snapshot } from '../../raft/types.js';
import { entryData, prng } from './helpers.js';

export type Step =
  | { kind: 'persist'; snapshot: Snapshot | null; entries: Entry[]; hardState: HardState | null }
  | { kind: 'saveSnapshot'; snapshot: Snapshot }
  | { kind: 'compact'; through: number };

interface ModelEntry {
  readonly index: number;
  readonly term: number;
  readonly size: number;
}

/** What restored() must show. */
export interface View {
  hardState: HardState;
  snapshot: { index: number; term: number } | null;
  entries: ModelEntry[];
}

const VOTERS = ['n1', 'n2', 'n3'];

export class Workload {
  private readonly rand: () => number;
  private hs: HardState = { term: 1, vote: 'n1', commit: 0 };
  private log: ModelEntry[] = [];
  private start = 1;
  private snap: { index: number; term: number } | null = null;

  constructor(seed: number) {
    this.rand = prng(seed);
  }

  view(): View {
    return { hardState: this.hs, snapshot: this.snap, entries: this.log.slice() };
  }

  /** The view after only the snapshot part of `step` took effect (crash between snapshot file and WAL). */
  static snapshotOnly(before: View, step: Step): View | null {
    if (step.kind !== 'persist' || !step.snapshot) return null;
    const { index, term } = step.snapshot.meta;
    const at = before.entries.find((e) => e.index === index);
    const entries = at && at.term === term ? before.entries.filter((e) => e.index > index) : [];
    return { hardState: before.hardState, snapshot: { index, term }, entries };
  }

  next(): Step {
    const r = this.rand();
    const last = this.start + this.log.length - 1;
    if (r < 0.06 && this.hs.commit > (this.snap?.index ?? 0)) return this.localSnapshot();
    if (r < 0.1 && this.snap) return { kind: 'compact', through: this.snap.index };
    if (r < 0.13) return this.receivedSnapshot(last);
    if (r < 0.2) return this.newTerm(last);
    return this.append(last);
  }

  private append(last: number): Step {
    const n = 1 + Math.floor(this.rand() * 4);
    const added = this.makeEntries(last + 1, n, this.hs.term);
    this.log.push(...added.model);
    const newLast = last + n;
    const commit = Math.max(
      this.hs.commit,
      Math.floor(this.hs.commit + (newLast - this.hs.commit) * this.rand()),
    );
    this.hs = { ...this.hs, commit };
    return { kind: 'persist', snapshot: null, entries: added.entries, hardState: this.hs };
  }

  /** A new leader's term: maybe replace the uncommitted suffix (a Raft truncation). */
  private newTerm(last: number): Step {
    const term = this.hs.term + 1;
    this.hs = { term, vote: VOTERS[Math.floor(this.rand() * VOTERS.length)]!, commit: this.hs.commit };
    const lowest = Math.max(this.hs.commit + 1, this.start);
    if (this.rand() < 0.3 || lowest > last + 1)
      return { kind: 'persist', snapshot: null, entries: [], hardState: this.hs };
    const from = lowest + Math.floor(this.rand() * (last + 2 - lowest));
    const n = 1 + Math.floor(this.rand() * 3);
    const added = this.makeEntries(from, n, term);
    this.log = this.log.filter((e) => e.index < from).concat(added.model);
    return { kind: 'persist', snapshot: null, entries: added.entries, hardState: this.hs };
  }

  private localSnapshot(): Step {
    const index = this.hs.commit;
    const term = this.log.find((e) => e.index === index)?.term ?? this.snap!.term;
    this.snap = { index, term };
    this.log = this.log.filter((e) => e.index > index);
    this.start = index + 1;
    return { kind: 'saveSnapshot', snapshot: this.makeSnapshot(index, term) };
  }

  /** A leader far ahead sends its snapshot; we may also get entries after it in the same Ready. */
  private receivedSnapshot(last: number): Step {
    const index = last + 1 + Math.floor(this.rand() * 5);
    const term = this.hs.term + (this.rand() < 0.5 ? 1 : 0);
    this.hs = { term, vote: this.hs.term === term ? this.hs.vote : null, commit: index };
    this.snap = { index, term };
    this.log = [];
    this.start = index + 1;
    const added = this.makeEntries(index + 1, Math.floor(this.rand() * 3), term);
    this.log = added.model;
    return {
      kind: 'persist',
      snapshot: this.makeSnapshot(index, term),
      entries: added.entries,
      hardState: this.hs,
    };
  }

  private makeEntries(from: number, n: number, term: number): { entries: Entry[]; model: ModelEntry[] } {
    const entries: Entry[] = [];
    const model: ModelEntry[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.rand();
      // Mostly block-sized payloads, sometimes large ones so a SIGKILL often lands mid-write.
      const size =
        r < 0.6
          ? 64 + Math.floor(this.rand() * 4000)
          : r < 0.9
            ? 20_000 + Math.floor(this.rand() * 80_000)
            : 300_000 + Math.floor(this.rand() * 700_000);
      const index = from + i;
      entries.push({ index, term, type: EntryType.Normal, data: entryData(index, term, size) });
      model.push({ index, term, size });
    }
    return { entries, model };
  }

  private makeSnapshot(index: number, term: number): Snapshot {
    return {
      meta: { index, term, configuration: { servers: [] }, configIndex: 0 },
      data: entryData(index, term, 1000 + (index % 500)),
    };
  }
}

/**
 * The safety invariants of Raft (Figure 3 of the paper) plus durability checks, evaluated
 * incrementally as the simulation runs. Any breach throws a Violation naming the invariant.
 */
import type { RaftCore } from '../raft/core.js';
import type { Entry, HardState, NodeId, SnapshotMeta } from '../raft/types.js';
import { fnv } from './node.js';
import type { FsmState } from './node.js';

export class Violation extends Error {
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

const dataKey = (e: Entry): string => fnv(`${e.type}|${Array.from(e.data).join(',')}`);

export class Checker {
  /** Election safety: at most one leader per term, ever. */
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Log matching: (index, term) determines the entry and the term before it. */
  private readonly entryAt = new Map<string, { data: string; prevTerm: number }>();
  /** State machine safety: the FSM digest after applying each index, and the committed term there. */
  private readonly appliedHash = new Map<number, string>();
  readonly committedTerm = new Map<number, number>();
  /**
   * An upper bound on the term in which each index was committed: a server whose current term is T
   * can only know of commits made by leaders of terms ≤ T. Leader completeness binds leaders of
   * LATER terms only — a leader of a lower term may legitimately be elected (late) without the entry.
   */
  private readonly committedBy = new Map<number, number>();
  /** One durable vote per server per term. */
  private readonly durableVote = new Map<string, NodeId>();
  /** Entries a leader acknowledged to its client (applied on the leader as committed). */
  readonly acked = new Map<number, number>();
  elections = 0;

  /** Call whenever a core may have changed role. */
  observeLeader(id: NodeId, term: number, core: RaftCore): void {
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) {
      this.leaderOfTerm.set(term, id);
      this.elections++;
      // Leader completeness: a new leader holds every entry committed so far.
      const first = core.status().firstIndex;
      for (const [index, t] of this.committedTerm) {
        if (index < first || (this.committedBy.get(index) ?? Infinity) >= term) continue;
        const have = core.logTerm(index);
        if (have !== t) {
          throw new Violation(
            'leader completeness',
            `${id} leader of term ${term} has term ${have} at committed index ${index} (term ${t})`,
          );
        }
      }
    } else if (known !== id) {
      throw new Violation('election safety', `term ${term} has leaders ${known} and ${id}`);
    }
  }

  /** A node durably stored `entries` after an entry of term `prevTerm`. */
  stored(id: NodeId, entries: readonly Entry[], prevTerm: number): void {
    let before = prevTerm;
    for (const e of entries) {
      const key = `${e.index}:${e.term}`;
      const data = dataKey(e);
      const seen = this.entryAt.get(key);
      if (seen === undefined) this.entryAt.set(key, { data, prevTerm: before });
      else if (seen.data !== data || seen.prevTerm !== before) {
        throw new Violation('log matching', `${id} stored a different entry or predecessor at ${key}`);
      }
      before = e.term;
    }
  }

  hardState(id: NodeId, prev: HardState, next: HardState): void {
    if (next.commit < prev.commit) {
      throw new Violation(
        'commit monotonic',
        `${id} durable commit went from ${prev.commit} to ${next.commit}`,
      );
    }
    if (next.term < prev.term)
      throw new Violation('term monotonic', `${id} durable term went from ${prev.term} to ${next.term}`);
    if (next.vote !== null) {
      const key = `${id}:${next.term}`;
      const v = this.durableVote.get(key);
      if (v === undefined) this.durableVote.set(key, next.vote);
      else if (v !== next.vote)
        throw new Violation(
          'one vote per term',
          `${id} voted for ${v} and ${next.vote} in term ${next.term}`,
        );
    }
  }

  /** A node applied `e`, reaching `after`. Returns true the first time any node applies this index. */
  applied(
    id: NodeId,
    e: Entry,
    after: FsmState,
    currentTerm: number,
    leaders: ReadonlyArray<{ id: NodeId; term: number; core: RaftCore }>,
  ): boolean {
    this.committedBy.set(e.index, Math.min(currentTerm, this.committedBy.get(e.index) ?? Infinity));
    const known = this.appliedHash.get(e.index);
    if (known !== undefined) {
      if (known !== after.hash) {
        throw new Violation(
          'state machine safety',
          `${id} applied a different history at index ${e.index} (term ${e.term})`,
        );
      }
      return false;
    }
    this.appliedHash.set(e.index, after.hash);
    this.committedTerm.set(e.index, e.term);
    for (const l of leaders) {
      if (l.term <= currentTerm) continue;
      if (e.index < l.core.status().firstIndex) continue;
      const have = l.core.logTerm(e.index);
      if (have !== e.term) {
        throw new Violation(
          'leader completeness',
          `leader ${l.id} of term ${l.term} lacks committed ${e.index}@${e.term} (has ${have})`,
        );
      }
    }
    return true;
  }

  /** A node restored its FSM from a snapshot. */
  restored(id: NodeId, meta: SnapshotMeta, fsm: FsmState): void {
    const known = this.appliedHash.get(meta.index);
    if (known !== undefined && known !== fsm.hash) {
      throw new Violation(
        'state machine safety',
        `${id} installed a snapshot at ${meta.index} that differs from the applied history`,
      );
    }
    if (fsm.index !== meta.index)
      throw new Violation('snapshot', `${id} snapshot meta ${meta.index} but FSM at ${fsm.index}`);
  }

  /** At the end: every acknowledged entry is still committed, with its term. */
  checkAcked(): void {
    for (const [index, term] of this.acked) {
      if (this.committedTerm.get(index) !== term) {
        throw new Violation(
          'acknowledged entry lost',
          `acked ${index}@${term} but committed term is ${this.committedTerm.get(index)}`,
        );
      }
    }
  }

  get commits(): number {
    return this.appliedHash.size;
  }
}

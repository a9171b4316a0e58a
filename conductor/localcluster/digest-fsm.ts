/**
 * A minimal replicated state machine for exercising Raft on its own: it folds every applied entry into
 * a running SHA-256 digest. Two members that applied the same entries in the same order report the
 * same (applied count, digest) — a cheap, exact check of state-machine safety across processes.
 */
import { createHash } from 'node:crypto';
import type { StateMachine } from '../consensus/node.js';
import type { Entry } from '../raft/types.js';

export interface DigestState {
  readonly count: number;
  readonly appliedIndex: number;
  readonly digest: string;
}

export class DigestFsm implements StateMachine<DigestState> {
  private state: DigestState = { count: 0, appliedIndex: 0, digest: '0'.repeat(64) };

  /**
   * `snapshotPadding`: bytes added to every snapshot, so a test can give this tiny state the snapshot size
   * of the conductor's (a window of 64 blocks: up to a hundred MB).
   */
  constructor(private readonly snapshotPadding = 0) {}

  apply(entry: Entry): DigestState {
    const digest = createHash('sha256').update(this.state.digest, 'hex').update(entry.data).digest('hex');
    this.state = { count: this.state.count + 1, appliedIndex: entry.index, digest };
    return this.state;
  }

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify({ ...this.state, padding: 'p'.repeat(this.snapshotPadding) }));
  }

  restore(data: Uint8Array): void {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as DigestState;
    if (typeof parsed.count !== 'number' || typeof parsed.digest !== 'string') {
      throw new Error('digest snapshot is malformed');
    }
    this.state = { count: parsed.count, appliedIndex: parsed.appliedIndex, digest: parsed.digest };
  }

  current(): DigestState {
    return this.state;
  }
}

import type { ConductorClient } from '../../conductor/rpc/client.js';

/**
 * What `baton demo` drives, whichever stack runs underneath: the real OP Stack (e2e/opstack) or the simulator
 * (e2e/demo/lab.ts). Each gives a status line per second, its own cycle of faults and the auditor's summary.
 */
export interface DemoSummary {
  blocks: number;
  reorgs: number;
  doubleSequenced: number;
  maxGapMs: number;
  faults: number;
  /** The real stack only: the highest safe head (op-batcher's batches derived back from L1). */
  safeHead?: number;
  /** The real stack only: blocks a deposed leader sealed whose commit failed, and how many of them got out. */
  withheld?: number;
  withheldPublished?: number;
}

export interface DemoStack {
  readonly name: string;
  start(): Promise<void>;
  statusLine(): Promise<string>;
  /** Injects fault number `round` of the stack's cycle and undoes it (restart, heal, resume). */
  injectFault(round: number, progress: (line: string) => void): Promise<void>;
  summary(faults: number): Promise<{ summary: DemoSummary; issues: readonly unknown[] }>;
  stop(): Promise<void>;
}

/** The planned hand-off both chaos cycles end with: the leader transfers to another member that is up. */
export async function handOffLeadership<
  M extends { readonly id: string; readonly ports: { readonly raft: number } },
>(
  leader: M,
  lab: { readonly members: readonly M[]; isUp(member: M): boolean; client(member: M): ConductorClient },
  progress: (line: string) => void,
): Promise<void> {
  const target = lab.members.find((member) => member !== leader && lab.isUp(member));
  if (!target) return;
  progress(`chaos: transferring leadership ${leader.id} → ${target.id}`);
  await lab
    .client(leader)
    .transferLeaderToServer(target.id, `127.0.0.1:${target.ports.raft}`)
    .catch((error: unknown) => progress(`chaos: transfer failed: ${(error as Error).message}`));
}

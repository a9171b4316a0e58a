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

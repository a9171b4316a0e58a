/**
 * The control loop: the executor around `decide()`. It keeps the conductor's view (leader, healthy,
 * active, paused, stopped), runs one action at a time, coalesces the triggers that arrive meanwhile
 * into a single follow-up (op-conductor's `actionCh` with a buffer of one), and retries a failed action
 * after a random back-off of up to two seconds so conductors do not retry in lock-step.
 */
import { decide, type Action, type HealthErrorKind, type Triple } from './decide.js';

/**
 * `noTarget`: no other voter could sequence (all unhealthy, paused, unreachable or behind), so nothing
 * was done. Leadership then stays here — see `execute` for what the loop does instead.
 */
export type TransferOutcome = 'transferred' | 'noTarget';

/** The side effects an action may take; the conductor service wires them to RPC clients and Raft. */
export interface ControlEffects {
  /** Compare heads, catch up from the committed window if needed, then `admin_startSequencer`. */
  startSequencer(): Promise<void>;
  stopSequencer(): Promise<void>;
  transferLeader(): Promise<TransferOutcome>;
  /** `admin_sequencerActive`, used on resume. */
  sequencerActive(): Promise<boolean>;
}

export interface ControlObserver {
  /** An action succeeded and the state differs from the last successful one. */
  stateChanged?(state: Triple): void;
  actionFinished?(action: Action, error: Error | null, durationMs: number): void;
}

export interface ControlLoopOptions {
  readonly effects: ControlEffects;
  readonly paused: boolean;
  readonly initiallyActive: boolean;
  readonly rollupBoostEnabled?: boolean;
  readonly observer?: ControlObserver;
  readonly logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Upper bound of the random retry delay (op-conductor: 2 s). */
  readonly maxRetryBackoffMs?: number;
  readonly random?: () => number;
  /** How long pause/resume/stop wait for an in-flight action (op-conductor uses the request context). */
  readonly ackTimeoutMs?: number;
}

export class ControlLoop {
  private leader = false;
  private healthy = true; // op-conductor: healthy until the first check reports
  private active: boolean;
  private paused: boolean;
  private stopped = false;
  private healthError: HealthErrorKind | null = null;
  private prev: Triple | null = null;
  private running: Promise<void> | null = null;
  private pending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastReason = '';

  constructor(private readonly options: ControlLoopOptions) {
    this.active = options.initiallyActive;
    this.paused = options.paused;
  }

  /** Queues the initial action (op-conductor `Start`). */
  start(): void {
    this.prev = this.triple();
    this.queueAction();
  }

  snapshot(): { leader: boolean; healthy: boolean; active: boolean; paused: boolean; stopped: boolean } {
    return { ...this.triple(), paused: this.paused, stopped: this.stopped };
  }

  onLeadership(isLeader: boolean): void {
    if (this.stopped) return;
    this.leader = isLeader;
    this.queueAction();
  }

  /** A health-monitor result: null when healthy. Unhealthy results always trigger a round. */
  onHealth(error: HealthErrorKind | null): void {
    if (this.stopped) return;
    const healthy = error === null;
    const changed = healthy !== this.healthy;
    this.healthy = healthy;
    this.healthError = error;
    if (!healthy || changed) this.queueAction();
  }

  async pause(): Promise<void> {
    this.paused = true;
    await this.awaitIdle('timeout to pause conductor');
  }

  async resume(): Promise<void> {
    let active: boolean;
    try {
      active = await this.options.effects.sequencerActive();
    } catch (error) {
      throw new Error(
        `cannot resume because failed to get sequencer active status: ${(error as Error).message}`,
        { cause: error },
      );
    }
    await this.awaitIdle('timeout to resume conductor');
    this.active = active;
    this.paused = false;
    this.queueAction();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.awaitIdle('timeout to stop conductor');
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  get isActive(): boolean {
    return this.active;
  }

  get isHealthy(): boolean {
    return this.healthy;
  }

  /** Resolves when no action is running (used by tests and by pause/stop). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private queueAction(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.running = this.runRounds().finally(() => {
      this.running = null;
    });
  }

  private async runRounds(): Promise<void> {
    do {
      this.pending = false;
      if (this.stopped) return;
      const failed = await this.round();
      if (failed) {
        const backoff = (this.options.random ?? Math.random)() * (this.options.maxRetryBackoffMs ?? 2000);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.queueAction(), backoff);
        return;
      }
    } while (this.pending);
  }

  /** One decision and its execution; returns true if it failed and should be retried. */
  private async round(): Promise<boolean> {
    const action = decide({
      ...this.triple(),
      paused: this.paused,
      stopped: this.stopped,
      prev: this.prev,
      healthError: this.healthError,
      rollupBoostEnabled: this.options.rollupBoostEnabled ?? false,
    });
    const started = performance.now();
    const atDecision = this.triple();
    let error: Error | null = null;
    try {
      await this.execute(action);
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    this.options.observer?.actionFinished?.(action, error, performance.now() - started);
    if (error) {
      this.options.logger?.warn(
        { action: action.kind, err: error.message },
        'control action failed; will retry',
      );
      return true;
    }
    if (action.kind === 'none' && action.reason !== this.lastReason) {
      this.options.logger?.info({ reason: action.reason, ...atDecision }, 'no action');
    }
    this.lastReason = action.kind === 'none' ? action.reason : '';
    // Like op-conductor, the state recorded is the one the action was decided on: the next round's
    // rules ("just became leader while unhealthy") look at where we came from, not where we landed.
    if (!this.prev || !sameTriple(this.prev, atDecision)) {
      this.options.logger?.info({ from: this.prev, to: atDecision }, 'conductor state changed');
      this.options.observer?.stateChanged?.(atDecision);
      this.prev = atDecision;
    }
    return false;
  }

  /**
   * Runs one action. Where op-conductor would hand leadership to whichever follower has the longest
   * log, Baton hands it only to a member that can sequence; when there is none, this leader is as
   * good as any, so it keeps (or resumes) sequencing instead of stopping the chain — the same
   * stall-avoidance op-conductor gets from its "start while unhealthy" rule, without the bouncing.
   */
  private async execute(action: Action): Promise<void> {
    const { effects } = this.options;
    switch (action.kind) {
      case 'none':
        return;
      case 'start':
        await effects.startSequencer();
        this.active = true;
        return;
      case 'stop':
        await effects.stopSequencer();
        this.active = false;
        return;
      case 'transfer': {
        if ((await effects.transferLeader()) === 'transferred') {
          this.leader = false;
          return;
        }
        if (this.healthError === 'connectionDown') {
          throw new Error('no member can take over and the local sequencer is unreachable; retrying');
        }
        await effects.startSequencer();
        this.active = true;
        return;
      }
      case 'startOrTransfer':
        try {
          await effects.startSequencer();
          this.active = true;
        } catch (error) {
          if ((await effects.transferLeader()) === 'noTarget') throw error;
          this.leader = false;
        }
        return;
      case 'stopAndTransfer': {
        // Hand off first: stopping before a successor exists would halt the chain if none can take over.
        if ((await effects.transferLeader()) === 'noTarget') {
          throw new Error('unhealthy, but no member can take over sequencing: keeping leadership for now');
        }
        this.leader = false;
        try {
          await effects.stopSequencer();
          this.active = false;
        } catch (error) {
          // Harmless: a deposed sequencer cannot commit, so it cannot publish; the next round retries.
          throw new Error(`failed to stop sequencer: ${(error as Error).message}`, { cause: error });
        }
        return;
      }
      case 'waitForRecovery':
        throw new Error(action.reason);
    }
  }

  private triple(): Triple {
    return { leader: this.leader, healthy: this.healthy, active: this.active };
  }

  private async awaitIdle(timeoutMessage: string): Promise<void> {
    const timeoutMs = this.options.ackTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(timeoutMessage)), timeoutMs);
    });
    try {
      await Promise.race([this.idle(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function sameTriple(a: Triple, b: Triple): boolean {
  return a.leader === b.leader && a.healthy === b.healthy && a.active === b.active;
}

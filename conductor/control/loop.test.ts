import { ControlLoop, type ControlEffects, type TransferOutcome } from './loop.js';

/** Effects that record calls; each can be made slow or failing to exercise the executor. */
class RecordingEffects implements ControlEffects {
  calls: string[] = [];
  startFailures = 0;
  transferFailures = 0;
  noTarget = false;
  delayMs = 0;
  active = false;

  async startSequencer(): Promise<void> {
    await this.step('start');
    if (this.startFailures > 0) {
      this.startFailures--;
      throw new Error('unsafe head mismatch');
    }
  }
  async stopSequencer(): Promise<void> {
    await this.step('stop');
  }
  async transferLeader(): Promise<TransferOutcome> {
    await this.step('transfer');
    if (this.transferFailures > 0) {
      this.transferFailures--;
      throw new Error('leadership transfer timeout');
    }
    return this.noTarget ? 'noTarget' : 'transferred';
  }
  async sequencerActive(): Promise<boolean> {
    this.calls.push('sequencerActive');
    return this.active;
  }
  private async step(name: string): Promise<void> {
    this.calls.push(name);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}

function loopWith(effects: RecordingEffects, paused = false): ControlLoop {
  return new ControlLoop({ effects, paused, initiallyActive: false, random: () => 0, maxRetryBackoffMs: 10 });
}

async function settle(loop: ControlLoop): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    await loop.idle();
  }
}

describe('ControlLoop', () => {
  it('starts the sequencer when it becomes a healthy leader, and stops it when it steps down', async () => {
    const effects = new RecordingEffects();
    const loop = loopWith(effects);
    loop.start();
    loop.onLeadership(true);
    await settle(loop);
    expect(effects.calls).toEqual(['start']);
    expect(loop.isActive).toBe(true);
    loop.onLeadership(false);
    await settle(loop);
    expect(effects.calls).toEqual(['start', 'stop']);
    expect(loop.isActive).toBe(false);
  });

  it('coalesces triggers that arrive during an action into one follow-up round', async () => {
    const effects = new RecordingEffects();
    effects.delayMs = 30;
    const loop = loopWith(effects);
    loop.start();
    loop.onLeadership(true);
    for (let i = 0; i < 10; i++) loop.onHealth(null);
    loop.onLeadership(true);
    await settle(loop);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(effects.calls).toEqual(['start']);
  });

  it('retries a failed start after a back-off until it succeeds', async () => {
    const effects = new RecordingEffects();
    effects.startFailures = 2;
    const loop = loopWith(effects);
    loop.start();
    loop.onLeadership(true);
    await settle(loop);
    expect(effects.calls).toEqual(['start', 'start', 'start']);
    expect(loop.isActive).toBe(true);
  });

  it('an unhealthy active leader stops and hands leadership on', async () => {
    const effects = new RecordingEffects();
    const loop = loopWith(effects);
    loop.start();
    loop.onLeadership(true);
    await settle(loop);
    loop.onHealth('other');
    await settle(loop);
    expect(effects.calls).toEqual(['start', 'transfer', 'stop']);
    expect(loop.snapshot()).toMatchObject({ leader: false, active: false, healthy: false });
  });

  it('keeps sequencing when unhealthy but no member can take over (no chain-wide halt)', async () => {
    const effects = new RecordingEffects();
    effects.noTarget = true;
    const loop = loopWith(effects);
    loop.start();
    loop.onLeadership(true);
    await settle(loop);
    loop.onHealth('other');
    await settle(loop);
    expect(effects.calls.slice(0, 2)).toEqual(['start', 'transfer']);
    expect(effects.calls).not.toContain('stop');
    expect(loop.snapshot()).toMatchObject({ leader: true, active: true });
    // Once another member can take over, the unhealthy leader hands off and then stops.
    effects.noTarget = false;
    effects.calls = [];
    loop.onHealth('other');
    await settle(loop);
    expect(effects.calls).toEqual(['transfer', 'stop']);
  });

  it('an unhealthy inactive leader with nobody to hand off to starts sequencing itself', async () => {
    const effects = new RecordingEffects();
    effects.noTarget = true;
    const loop = loopWith(effects);
    loop.start();
    loop.onLeadership(true);
    await settle(loop);
    loop.onLeadership(false);
    await settle(loop);
    effects.calls = [];
    loop.onHealth('other');
    // prev is (follower, inactive) only right after being a follower; make it a plain transfer case.
    loop.onLeadership(true);
    await settle(loop);
    expect(effects.calls[0]).toBe('start');
    expect(loop.snapshot()).toMatchObject({ leader: true, active: true });
  });

  it('does not start an unreachable sequencer when nobody can take over; it retries', async () => {
    const effects = new RecordingEffects();
    effects.noTarget = true;
    const loop = loopWith(effects);
    loop.start();
    loop.onHealth('connectionDown');
    await settle(loop);
    loop.onLeadership(true);
    await settle(loop);
    expect(effects.calls.filter((call) => call === 'start')).toEqual([]);
    expect(effects.calls.filter((call) => call === 'transfer').length).toBeGreaterThan(1);
    await loop.stop();
  });

  it('a new leader that is unhealthy right after being a follower tries to start before giving up', async () => {
    const effects = new RecordingEffects();
    effects.startFailures = 1;
    const loop = loopWith(effects);
    loop.start();
    loop.onHealth('other');
    await settle(loop);
    loop.onLeadership(true);
    await settle(loop);
    expect(effects.calls).toEqual(['start', 'transfer']);
  });

  it('does nothing while paused; resume refreshes the active flag and acts', async () => {
    const effects = new RecordingEffects();
    const loop = loopWith(effects, true);
    loop.start();
    loop.onLeadership(true);
    await settle(loop);
    expect(effects.calls).toEqual([]);
    effects.active = true;
    await loop.resume();
    await settle(loop);
    // The sequencer reported itself active, so a healthy leader has nothing to do.
    expect(effects.calls).toEqual(['sequencerActive']);
    await loop.pause();
    loop.onLeadership(false);
    await settle(loop);
    expect(effects.calls).toEqual(['sequencerActive']);
  });

  it('resume fails with op-conductor’s message when op-node cannot be asked', async () => {
    const effects = new RecordingEffects();
    effects.sequencerActive = async () => {
      throw new Error('connection refused');
    };
    const loop = loopWith(effects, true);
    await expect(loop.resume()).rejects.toThrow(
      'cannot resume because failed to get sequencer active status: connection refused',
    );
    expect(loop.isPaused).toBe(true);
  });

  it('stop ends the loop: later triggers are ignored', async () => {
    const effects = new RecordingEffects();
    const loop = loopWith(effects);
    loop.start();
    await loop.stop();
    loop.onLeadership(true);
    await settle(loop);
    expect(effects.calls).toEqual([]);
    expect(loop.isStopped).toBe(true);
  });
});

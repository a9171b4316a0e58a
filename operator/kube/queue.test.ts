/** The work queue on a fake clock: de-duplication, one worker per key, back-off, rate limit, delays. */
import { WorkQueue, type Clock } from './queue.js';

class FakeClock implements Clock {
  time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 0;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }
  get pending(): number {
    return this.timers.length;
  }
}

const make = (opts: ConstructorParameters<typeof WorkQueue>[0] = {}) => {
  const clock = new FakeClock();
  return { clock, q: new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1_000, ...opts, clock }) };
};

it('de-duplicates keys waiting in the queue', async () => {
  const { q } = make();
  q.add('a');
  q.add('b');
  q.add('a');
  expect(q.length).toBe(2);
  expect(await q.get()).toBe('a');
  expect(await q.get()).toBe('b');
});

it('never hands one key to two workers; an add during processing re-queues it once afterwards', async () => {
  const { q } = make();
  q.add('a');
  const key = await q.get();
  q.add('a');
  q.add('a');
  expect(q.length).toBe(0); // dirty, not queued, while a worker holds it
  q.done(key!);
  expect(q.length).toBe(1);
  expect(await q.get()).toBe('a');
});

it('wakes an idle worker when a key arrives', async () => {
  const { q } = make();
  const waiting = q.get();
  q.add('x');
  expect(await waiting).toBe('x');
});

it('backs off exponentially per key up to the cap, and forget resets it', () => {
  const { q, clock } = make();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    delays.push(q.backoffMs('a'));
    q.addRateLimited('a');
    clock.advance(q.backoffMs('a'));
  }
  expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  expect(q.failuresOf('a')).toBe(6);
  q.forget('a');
  expect(q.backoffMs('a')).toBe(100);
});

it('a rate-limited key is queued only after its back-off', async () => {
  const { q, clock } = make();
  q.addRateLimited('a');
  clock.advance(99);
  expect(q.length).toBe(0);
  clock.advance(1);
  expect(q.length).toBe(1);
});

it('the overall token bucket spreads a burst of failures', () => {
  const { q, clock } = make({ qps: 10, burst: 2, baseDelayMs: 1, maxDelayMs: 1 });
  for (const k of ['a', 'b', 'c', 'd']) q.addRateLimited(k);
  clock.advance(1);
  expect(q.length).toBe(2); // the burst
  clock.advance(99);
  expect(q.length).toBe(3); // one more token after 100 ms at 10 qps
  clock.advance(100);
  expect(q.length).toBe(4);
});

it('addAfter keeps the earliest pending re-add and an add cancels it', () => {
  const { q, clock } = make();
  q.addAfter('a', 500);
  q.addAfter('a', 2_000); // later: ignored
  q.addAfter('a', 300); // earlier: replaces
  clock.advance(300);
  expect(q.length).toBe(1);
  q.addAfter('b', 100);
  q.add('b'); // immediate add supersedes the delayed one
  expect(clock.pending).toBe(0);
  expect(q.length).toBe(2);
});

it('shutdown releases idle workers and drops pending work', async () => {
  const { q, clock } = make();
  const waiting = q.get();
  q.addAfter('a', 100);
  q.shutdown();
  expect(await waiting).toBeUndefined();
  clock.advance(1_000);
  expect(q.length).toBe(0);
  q.add('b');
  expect(await q.get()).toBeUndefined();
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Registry } from 'prom-client';

import { createConductorMetrics } from '../../metrics/metrics.js';
import { OpNodeClient } from '../op-node.js';
import { startTestRpcServer } from '../testing/test-server.js';
import type { HealthCheckConfig } from './config.js';
import {
  ErrRollupBoostPartiallyHealthy,
  ErrSequencerConnectionDown,
  ErrSequencerNotHealthy,
} from './errors.js';
import {
  healthCallTimeoutMs,
  healthSources,
  SequencerHealthMonitor,
  type Clock,
  type HealthSources,
  type HealthUpdate,
} from './monitor.js';
import { rollupBoostLegacyHealth, rollupBoostNextHealth } from './rollup-boost.js';
import { TimeBoundedRotatingCounter } from './time-bound-counter.js';

/** A manual clock: timers fire only when the test advances time. */
class FakeClock implements Clock {
  private t: number;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  constructor(startMs: number) {
    this.t = startMs;
  }
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  pending() {
    return this.timers.length;
  }
  /** Advance, firing due timers in order and letting the async checks they start settle. */
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const START_S = 1_700_000_000;
const config: HealthCheckConfig = {
  intervalS: 2,
  unsafeIntervalS: 10,
  safeEnabled: false,
  safeIntervalS: 1200,
  minPeerCount: 1,
  executionP2pEnabled: false,
  executionP2pMinPeerCount: 0,
};

/** A node whose unsafe head is stamped `lagS` seconds before the clock, with `peers` peers. */
function fakeNode(clock: FakeClock, state: { lagS: number; peers: number; down?: boolean }): HealthSources {
  const ref = () => ({ number: 1, timestamp: Math.floor(clock.now() / 1000) - state.lagS });
  return {
    syncStatus: async () => {
      if (state.down) throw new Error('down');
      return { unsafe_l2: ref(), safe_l2: ref() };
    },
    peerStats: async () => ({ connected: state.peers }),
  };
}

describe('SequencerHealthMonitor', () => {
  it('checks first after one interval, then every interval, publishing every result', async () => {
    const clock = new FakeClock(START_S * 1000);
    const state: { lagS: number; peers: number; down?: boolean } = { lagS: 1, peers: 3 };
    const monitor = new SequencerHealthMonitor({ config, sources: fakeNode(clock, state), clock });
    const updates: HealthUpdate[] = [];
    monitor.subscribe((u) => updates.push(u));
    monitor.start();
    await clock.advance(1999);
    expect(updates).toHaveLength(0);
    expect(monitor.latest()).toBeUndefined();
    await clock.advance(1);
    expect(updates.map((u) => u.error)).toEqual([null]);
    await clock.advance(4000);
    expect(updates.map((u) => u.error)).toEqual([null, null, null]); // unchanged results are published too
    state.lagS = 11;
    await clock.advance(2000);
    expect(updates[3]?.error).toBe(ErrSequencerNotHealthy);
    expect(updates[3]?.failedCheck).toBe('unsafe-lag');
    state.down = true;
    await clock.advance(2000);
    expect(updates[4]?.error).toBe(ErrSequencerConnectionDown);
    expect(monitor.latest()?.error).toBe(ErrSequencerConnectionDown);
    await monitor.stop();
    expect(clock.pending()).toBe(0);
    await clock.advance(10_000);
    expect(updates).toHaveLength(5);
  });

  it('records op_conductor_healthchecks_count with the error text', async () => {
    const clock = new FakeClock(START_S * 1000);
    const registry = new Registry();
    const metrics = createConductorMetrics(registry);
    const state = { lagS: 1, peers: 0 };
    const monitor = new SequencerHealthMonitor({ config, sources: fakeNode(clock, state), clock, metrics });
    await monitor.checkNow();
    state.peers = 5;
    await monitor.checkNow();
    const text = await registry.metrics();
    expect(text).toContain(
      'op_conductor_healthchecks_count{success="false",error="sequencer is not healthy"} 1',
    );
    expect(text).toContain('op_conductor_healthchecks_count{success="true",error=""} 1');
  });

  it('counts tolerated rollup-boost partial results per fixed window', async () => {
    const clock = new FakeClock(START_S * 1000); // START_S is a multiple of 20
    const sources: HealthSources = {
      ...fakeNode(clock, { lagS: 0, peers: 2 }),
      rollupBoostHealth: async () => 'partial',
    };
    const monitor = new SequencerHealthMonitor({
      config: { ...config, rollupBoostPartialTolerance: { limit: 2, intervalS: 20 } },
      sources,
      clock,
    });
    const errors: (Error | null)[] = [];
    for (let i = 0; i < 4; i++) errors.push((await monitor.checkNow()).error);
    expect(errors).toEqual([null, null, ErrRollupBoostPartiallyHealthy, ErrRollupBoostPartiallyHealthy]);
    await clock.advance(20_000); // next window
    expect((await monitor.checkNow()).error).toBeNull();
  });

  it('requires an EL peer source when the EL p2p check is enabled, and uses it', async () => {
    const clock = new FakeClock(START_S * 1000);
    const cfg = { ...config, executionP2pEnabled: true, executionP2pMinPeerCount: 3 };
    expect(
      () =>
        new SequencerHealthMonitor({ config: cfg, sources: fakeNode(clock, { lagS: 0, peers: 5 }), clock }),
    ).toThrow(/execution p2p/);
    const monitor = new SequencerHealthMonitor({
      config: cfg,
      sources: { ...fakeNode(clock, { lagS: 0, peers: 5 }), elPeerCount: async () => 2 },
      clock,
    });
    expect((await monitor.checkNow()).error).toBe(ErrSequencerNotHealthy);
  });

  it('reports a hung op-node within half an interval, not after the 10 s RPC default', async () => {
    // A socket that accepts and never answers: what a SIGSTOPped op-node looks like from outside.
    const hung: Server = createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      const timeoutMs = healthCallTimeoutMs(1);
      expect(timeoutMs).toBe(500);
      const monitor = new SequencerHealthMonitor({
        config: { ...config, intervalS: 1 },
        sources: healthSources(new OpNodeClient(url), timeoutMs),
      });
      const started = performance.now();
      const update = await monitor.checkNow();
      const took = performance.now() - started;
      expect(update.error).toBe(ErrSequencerConnectionDown);
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(2000);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('bounds health calls by half the interval, between 250 ms and 10 s', () => {
    expect(healthCallTimeoutMs(0.1)).toBe(250);
    expect(healthCallTimeoutMs(5)).toBe(2500);
    expect(healthCallTimeoutMs(60)).toBe(10_000);
  });

  it('works against a real op-node JSON-RPC endpoint', async () => {
    const now = Math.floor(Date.now() / 1000);
    const ref = (timestamp: number) => ({
      hash: `0x${'11'.repeat(32)}`,
      number: 10,
      parentHash: `0x${'22'.repeat(32)}`,
      timestamp,
      l1origin: { hash: `0x${'33'.repeat(32)}`, number: 1 },
      sequenceNumber: 0,
    });
    const server = await startTestRpcServer({
      optimism_syncStatus: () => ({ unsafe_l2: ref(now), safe_l2: ref(now - 100) }),
      opp2p_peerStats: () => ({ connected: 1 }),
    });
    try {
      const node = new OpNodeClient(server.url, { timeoutMs: 1000 });
      const monitor = new SequencerHealthMonitor({ config, sources: healthSources(node, 1000) });
      expect((await monitor.checkNow()).error).toBeNull();
      await server.close();
      expect((await monitor.checkNow()).error).toBe(ErrSequencerConnectionDown);
    } finally {
      await server.close();
    }
  });
});

describe('TimeBoundedRotatingCounter', () => {
  it('counts within a fixed window and resets at the next multiple of the interval', () => {
    let now = 119;
    const counter = new TimeBoundedRotatingCounter(60, () => now);
    expect(counter.currentValue()).toBe(0);
    expect(counter.increment()).toBe(1);
    expect(counter.increment()).toBe(2);
    now = 120; // window floor(120/60)=2 starts
    expect(counter.currentValue()).toBe(0);
    expect(counter.increment()).toBe(1);
  });

  it('rejects a zero interval', () => {
    expect(() => new TimeBoundedRotatingCounter(0)).toThrow('reset interval seconds must be more than 0');
  });
});

describe('rollup-boost probes', () => {
  let server: Server;
  let status = 200;
  let body = '';
  beforeAll(async () => {
    server = createServer((req, res) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(body),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  it.each([
    [200, 'healthy'],
    [206, 'partial'],
    [503, 'unhealthy'],
  ])('legacy /healthz %i → %s', async (code, expected) => {
    status = code;
    await expect(rollupBoostLegacyHealth(url())).resolves.toBe(expected);
  });

  it('legacy: other statuses are errors', async () => {
    status = 500;
    await expect(rollupBoostLegacyHealth(url())).rejects.toThrow('unexpected status code: 500');
  });

  it.each([
    ['Healthy', 'healthy'],
    ['PartialContent', 'partial'],
    ['ServiceUnavailable', 'unhealthy'],
  ])('next %s → %s', async (health, expected) => {
    status = 200;
    body = JSON.stringify({ version: '0.1', rollup_boost_health: health });
    await expect(rollupBoostNextHealth(`${url()}/health`)).resolves.toBe(expected);
  });

  it('next: non-200 is an error', async () => {
    status = 503;
    await expect(rollupBoostNextHealth(url())).rejects.toThrow('unexpected status code: 503');
  });
});

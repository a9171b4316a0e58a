/**
 * The real-stack benchmarks run end to end (one short round each): every member switches between Baton's
 * conductor and upstream op-conductor on one devnet and the chain stays one chain; each side yields its own
 * samples. The figures themselves are reported by `npm run bench -- failover|commit --opstack`, not asserted.
 */
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import {
  runOpStackCommitBench,
  runOpStackFailoverBench,
  type OpStackBenchBinaries,
} from '../bench/opstack.js';

const bin = process.env.BATON_OPSTACK_BIN;
if (!bin) throw new Error('BATON_OPSTACK_BIN is not set: run this suite with `npm run test:opstack`');

const binaries: OpStackBenchBinaries = {
  dir: bin,
  geth: path.join(bin, 'geth'),
  opNode: path.join(bin, 'op-node'),
  opBatcher: path.join(bin, 'op-batcher'),
  opConductor: path.join(bin, 'op-conductor'),
};
const progress = (line: string): void => void process.stderr.write(`${line}\n`);
/** What both benchmark runs share: the binaries, op-conductor's default Raft timing, progress on stderr. */
const common = { binaries, heartbeatTimeoutMs: 1000, leaseTimeoutMs: 500, progress };

describe('benchmarks on the real OP Stack, Baton against upstream op-conductor', () => {
  it('failover: both implementations fail over and hand off on the same devnet, which stays one chain', async () => {
    const result = await runOpStackFailoverBench({ ...common, trials: 1 });
    for (const side of [result.baton, result.opConductor]) {
      expect(side.crash.trials).toBe(1);
      // Detection alone takes a heartbeat timeout; a gap below that would be a measurement error.
      expect(side.crash.p50Ms).toBeGreaterThan(result.heartbeatTimeoutMs / 2);
      expect(side.transfer.trials + side.transfer.failed).toBe(1);
      expect(side.resources.rssMaxMiB).toBeGreaterThan(10);
      // The killed conductor came back; a start below 20 ms would mean the old process answered.
      expect(side.start.trials).toBe(1);
      expect(side.start.p50Ms).toBeGreaterThan(20);
    }
    expect(result.p50Ms).toBe(result.baton.crash.p50Ms);
    expect(result.ratio.crashP50).toBeCloseTo(result.baton.crash.p50Ms / result.opConductor.crash.p50Ms, 2);
    expect(result.audit).toMatchObject({ reorgs: 0, doubleSequenced: 0, withheldPublished: 0 });
    expect(result.audit.blocks).toBeGreaterThan(10);
  }, 600_000);

  it("commit: op-node's client commits every size to both, the envelopes growing with the filler", async () => {
    const result = await runOpStackCommitBench({ ...common, rounds: 1, commitsPerRound: 5 });
    expect(result.sizes.map((s) => s.fillerBytes)).toEqual([0, 100_000, 1_000_000]);
    expect([result.cold.baton.commits, result.cold.opConductor.commits]).toEqual([200, 200]);
    for (const size of result.sizes) {
      expect(size.envelopeBytes).toBeGreaterThan(size.fillerBytes);
      expect([size.baton.commits, size.opConductor.commits]).toEqual([5, 5]);
      expect(size.baton.p50Ms).toBeGreaterThan(0);
      expect(size.opConductor.p50Ms).toBeGreaterThan(0);
    }
  }, 600_000);
});

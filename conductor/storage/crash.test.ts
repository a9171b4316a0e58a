/**
 * Crash at every persistence boundary: a child process runs a seeded workload and prints each step as
 * soon as it is acknowledged; we SIGKILL it at a random moment (after a random number of acks plus a
 * random delay, so kills land inside writes, fsyncs, renames and segment rotations), reopen the
 * directory and require that the recovered state equals the model after exactly the acknowledged steps
 * or after one more (the step in flight may have become durable before the kill).
 *
 * CRASH_ITERATIONS (default 40) and CRASH_SEED make longer soaks reproducible.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RaftStorage } from './index.js';
import { entryData, prng, recordingLogger, tempDir } from './testing/helpers.js';
import { Workload } from './testing/workload.js';
import type { View } from './testing/workload.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 'testing', 'crash-child.ts');
const ITERATIONS = Number(process.env.CRASH_ITERATIONS ?? 40);
const BASE_SEED = Number(process.env.CRASH_SEED ?? 20240601);

interface RunResult {
  acked: number;
  stderr: string;
}

function runAndKill(dir: string, seed: number, killAfterAcks: number, delayMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(seed)], {
      cwd: path.resolve(here, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let armed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const acked = out.split('\n').length - 1;
      if (!armed && acked >= killAfterAcks) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`child exited with ${code} ${signal}: ${stderr}`));
        return;
      }
      resolve({ acked: out.split('\n').filter((l) => l.length > 0).length, stderr });
    });
  });
}

function candidateViews(seed: number, acked: number): View[] {
  const w = new Workload(seed);
  const views: View[] = [{ hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] }];
  let before = views[0]!;
  let inFlightSnapshotOnly: View | null = null;
  for (let n = 1; n <= acked + 1; n++) {
    const step = w.next();
    if (n === acked + 1) inFlightSnapshotOnly = Workload.snapshotOnly(before, step);
    before = w.view();
    views.push(before);
  }
  const out = [views[acked]!, views[acked + 1]!];
  if (inFlightSnapshotOnly) out.push(inFlightSnapshotOnly);
  return out;
}

async function recoveredView(dir: string): Promise<{ view: View; tornTails: number }> {
  const logger = recordingLogger();
  const storage = await RaftStorage.open({ dir, logger });
  const tornTails = logger.warnings.filter((w) => w.msg.includes('torn')).length;
  try {
    const r = storage.restored();
    for (const e of r.entries) {
      if (!entryData(e.index, e.term, e.data.length).equals(e.data)) {
        throw new Error(`entry ${e.index} has the wrong content`);
      }
    }
    // Prove the directory is usable afterwards: one more batch must persist.
    const next = (r.entries.at(-1)?.index ?? r.snapshot?.meta.index ?? 0) + 1;
    const hardState = r.hardState;
    await storage.persist({
      snapshot: null,
      entries: [{ index: next, term: Math.max(1, hardState.term), type: 0, data: Buffer.from('after') }],
      hardState: null,
    });
    const view: View = {
      hardState,
      snapshot: r.snapshot ? { index: r.snapshot.meta.index, term: r.snapshot.meta.term } : null,
      entries: r.entries.map((e) => ({ index: e.index, term: e.term, size: e.data.length })),
    };
    return { view, tornTails };
  } finally {
    await storage.close();
  }
}

describe('crash consistency (SIGKILL of a real child process)', () => {
  const rand = prng(BASE_SEED);
  const plans = Array.from({ length: ITERATIONS }, (_, i) => ({
    seed: BASE_SEED + i,
    killAfterAcks: 1 + Math.floor(rand() * 40),
    delayMs: Math.floor(rand() * 6),
  }));

  it(`recovers exactly the acknowledged state after ${ITERATIONS} random kills`, async () => {
    const failures: string[] = [];
    let maxAcked = 0;
    // Which candidate matched: [acknowledged, in-flight step landed, only its snapshot landed], torn tails.
    const outcomes = [0, 0, 0];
    let tornTails = 0;
    // Two children at a time: the machine has two cores and the child spends most time in fsync.
    for (let i = 0; i < plans.length; i += 2) {
      await Promise.all(
        plans.slice(i, i + 2).map(async (plan) => {
          const dir = await tempDir('baton-crash-');
          try {
            const { acked } = await runAndKill(dir, plan.seed, plan.killAfterAcks, plan.delayMs);
            maxAcked = Math.max(maxAcked, acked);
            const { view: got, tornTails: torn } = await recoveredView(dir);
            tornTails += torn;
            const candidates = candidateViews(plan.seed, acked);
            const match = candidates.findIndex((c) => JSON.stringify(c) === JSON.stringify(got));
            if (match >= 0) outcomes[match]!++;
            else {
              failures.push(
                `seed ${plan.seed}, ${acked} acked: recovered ${summarize(got)}; expected one of ` +
                  candidates.map(summarize).join(' | '),
              );
            }
          } finally {
            await fs.rm(dir, { recursive: true, force: true });
          }
        }),
      );
    }
    console.log(
      `crash outcomes: ${outcomes[0]} at the acknowledged step, ${outcomes[1]} with the in-flight step, ` +
        `${outcomes[2]} with only its snapshot; ${tornTails} torn tails repaired; max acks ${maxAcked}`,
    );
    expect(failures).toEqual([]);
    expect(maxAcked).toBeGreaterThan(0);
  }, 120_000);
});

function summarize(v: View): string {
  const first = v.entries[0];
  const last = v.entries.at(-1);
  return (
    `{hs ${JSON.stringify(v.hardState)}, snap ${JSON.stringify(v.snapshot)}, ` +
    `entries ${first ? `${first.index}..${last!.index} (${v.entries.length})` : 'none'}}`
  );
}

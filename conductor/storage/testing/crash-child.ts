/**
 * Crash-test child: executes the seeded workload against a storage directory and prints the number of
 * each step on stdout as soon as it is durable (pipes are synchronous on Linux, so a printed number was
 * acknowledged). The parent SIGKILLs it at a random moment. Usage: crash-child.ts <dir> <seed>
 */
import { RaftStorage } from '../index.js';
import { Workload } from './workload.js';

async function main(): Promise<void> {
  const [dir, seedArg] = process.argv.slice(2);
  if (!dir || !seedArg) throw new Error('usage: crash-child.ts <dir> <seed>');
  const storage = await RaftStorage.open({ dir, segmentBytes: 256 * 1024, logger: { warn() {}, info() {} } });
  const workload = new Workload(Number(seedArg));
  for (let n = 1; ; n++) {
    const step = workload.next();
    if (step.kind === 'persist') await storage.persist(step);
    else if (step.kind === 'saveSnapshot') await storage.saveSnapshot(step.snapshot);
    else await storage.compact(step.through);
    process.stdout.write(`${n}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});

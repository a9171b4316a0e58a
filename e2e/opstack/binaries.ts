/**
 * Where the OP Stack binaries built by e2e/opstack/build.sh are: its `--check` prints the directory when all
 * of them are built. null when they are not (the caller says how to build them, or falls back to the
 * simulator).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { OpStackBinaries } from './lab.js';

export const BUILD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build.sh');

export async function findOpStackBinaries(): Promise<
  (OpStackBinaries & { dir: string; opConductor: string }) | null
> {
  try {
    const { stdout } = await promisify(execFile)('bash', [BUILD_SCRIPT, '--check']);
    const dir = stdout.trim().split('\n').pop()!;
    return {
      dir,
      geth: path.join(dir, 'geth'),
      opNode: path.join(dir, 'op-node'),
      opBatcher: path.join(dir, 'op-batcher'),
      opConductor: path.join(dir, 'op-conductor'),
    };
  } catch {
    return null;
  }
}

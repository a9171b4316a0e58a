/**
 * Where the OP Stack binaries built by e2e/opstack/build.sh are: its `--check` prints the directory when all
 * of them are built. null when they are not (the caller says how to build them, or falls back to the
 * simulator).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { OpStackBinaries } from './lab.js';

/**
 * The build script stays in the source tree: `npm run build` compiles this module into dist/e2e/opstack/, where
 * tsc copies no shell script. So look for it beside this file, then at the same place under the package root.
 */
export const BUILD_SCRIPT = locateBuildScript(path.dirname(fileURLToPath(import.meta.url)));

function locateBuildScript(here: string): string {
  const beside = path.join(here, 'build.sh');
  if (existsSync(beside)) return beside;
  const root = path.resolve(here, '..', '..', '..'); // dist/e2e/opstack → the package root
  const source = path.join(root, 'e2e', 'opstack', 'build.sh');
  return existsSync(source) ? source : beside;
}

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

/**
 * Writes e2e/sim/flags/real-flags.ts from the `--help` of the real op-node and op-geth built by
 * e2e/opstack/build.sh (`npm run opstack:build` first):
 *
 *   npx tsx e2e/sim/flags/generate.ts
 *
 * The simulator refuses any flag the real binary would refuse, so a configuration that starts the
 * simulator starts the real thing too; e2e/opstack/sim-flags.opstack.ts fails when the pinned binaries'
 * flags and this file drift apart.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findOpStackBinaries } from '../../opstack/binaries.js';
import { parseHelpFlags, type FlagSpec } from './help.js';

const OUTPUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'real-flags.ts');

/** A binary's `--help`. urfave/cli prints it on stdout and exits 0. */
export async function helpOf(binary: string): Promise<string> {
  const { stdout } = await promisify(execFile)(binary, ['--help'], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export function renderModule(
  versions: string,
  opNode: readonly FlagSpec[],
  opGeth: readonly FlagSpec[],
): string {
  const list = (flags: readonly FlagSpec[]): string =>
    flags.map((f) => `  { names: ${JSON.stringify(f.names)}, takesValue: ${f.takesValue} },`).join('\n');
  return [
    '/**',
    ' * Every flag the real op-node and op-geth accept, read from their `--help` by e2e/sim/flags/generate.ts',
    ` * (${versions}). Generated: do not edit; regenerate after changing the pinned versions.`,
    ' */',
    "import type { FlagSpec } from './help.js';",
    '',
    `export const REAL_FLAGS_VERSIONS = ${JSON.stringify(versions)};`,
    '',
    'export const OP_NODE_FLAGS: readonly FlagSpec[] = [',
    list(opNode),
    '];',
    '',
    'export const OP_GETH_FLAGS: readonly FlagSpec[] = [',
    list(opGeth),
    '];',
    '',
  ].join('\n');
}

export async function generate(): Promise<string> {
  const binaries = await findOpStackBinaries();
  if (!binaries) throw new Error('the OP Stack binaries are not built: run `npm run opstack:build` first');
  const versions = path
    .basename(path.dirname(binaries.dir))
    .replace(/^opstack-/, '')
    .replace(/-[0-9a-f]{16}$/, '');
  const [opNode, opGeth] = await Promise.all([helpOf(binaries.opNode), helpOf(binaries.geth)]);
  return renderModule(versions, parseHelpFlags(opNode), parseHelpFlags(opGeth));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const text = await generate();
  await writeFile(OUTPUT, text);
  console.error(`wrote ${OUTPUT}`);
}

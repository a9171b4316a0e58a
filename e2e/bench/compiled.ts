/**
 * The benchmarks measure Baton as it runs in production: the image and the chart run the compiled output
 * (`node dist/cli/baton.js`), not tsx, whose on-the-fly compilation costs seconds at start and memory for as
 * long as the process lives. Run from sources, a benchmark first compiles the tree with tsc into
 * .baton-data/bench-build (incremental, so a second run only recompiles what changed).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batonEntry } from '../../conductor/localcluster/cluster.js';

/** The node entry (what follows process.execPath) that runs a compiled `baton`. */
export async function compiledBatonEntry(progress: (line: string) => void): Promise<string[]> {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return batonEntry();
  const root = path.resolve(path.dirname(here), '..', '..');
  // Inside the tree, so the compiled modules find node_modules and proto/ as dist/ does.
  const out = path.join(root, '.baton-data', 'bench-build');
  const started = Date.now();
  progress(`compiling Baton into ${path.relative(root, out)} (the conductors run compiled, as in the image)`);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc,
    '-p',
    path.join(root, 'tsconfig.build.json'),
    '--outDir',
    out,
    '--incremental',
    '--tsBuildInfoFile',
    path.join(out, '.tsbuildinfo'),
    '--sourceMap',
    'false',
  ];
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    throw new Error(
      `tsc failed (exit ${code}) compiling Baton for the benchmark:\n${output.join('').slice(-4000)}`,
    );
  }
  progress(`compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return [path.join(out, 'cli', 'baton.js')];
}

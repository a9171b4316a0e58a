/**
 * Builds the OP Stack binaries (cached: a second run only checks) before the real-stack suites, with the
 * build's progress on the terminal, and hands their directory to the suites in BATON_OPSTACK_BIN.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function globalSetup() {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build.sh');
  const built = spawnSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (built.status !== 0)
    throw new Error(`e2e/opstack/build.sh failed (exit ${built.status}); see its output above`);
  process.env.BATON_OPSTACK_BIN = built.stdout.trim().split('\n').pop();
}

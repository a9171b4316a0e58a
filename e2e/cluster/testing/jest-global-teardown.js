/** jest globalTeardown: stops the run's shared control plane (if a suite started one) and removes its directory. */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'control-plane.sh');

export default async function globalTeardown() {
  const dir = process.env.BATON_JEST_CP_DIR;
  if (!dir) return;
  try {
    await promisify(execFile)('bash', [script, 'down', '--dir', dir], { timeout: 60_000 });
  } finally {
    await rm(dirname(dir), { recursive: true, force: true });
  }
}

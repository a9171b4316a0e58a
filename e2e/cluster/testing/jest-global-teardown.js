/** jest globalTeardown: stops the run's shared control plane, if a suite started one, and removes its directory. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'control-plane.sh');

export default async function globalTeardown() {
  const dir = process.env.BATON_JEST_CP_DIR;
  if (!dir || !existsSync(dir)) return;
  await promisify(execFile)('bash', [script, 'down', '--dir', dir], { timeout: 60_000 });
}

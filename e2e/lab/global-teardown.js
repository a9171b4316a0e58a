/** jest globalTeardown of `npm run test:e2e`: removes the lab that global-setup.js started (BATON_LAB_KEEP=1 keeps it). */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default function globalTeardown() {
  if (process.env.BATON_LAB_STARTED_BY_JEST !== '1') return;
  if (process.env.BATON_LAB_KEEP === '1') {
    process.stderr.write(
      `[test:e2e] BATON_LAB_KEEP=1: the lab stays up (export KUBECONFIG=${process.env.BATON_LAB_KUBECONFIG})\n`,
    );
    return;
  }
  spawnSync('bash', [join(repo, 'e2e/cluster/down.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
}

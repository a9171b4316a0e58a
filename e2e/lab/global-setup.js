/**
 * jest globalSetup of `npm run test:e2e`: brings the lab up with e2e/cluster/up.sh (idempotent; progress on stderr)
 * and hands its kubeconfig to the tests as BATON_LAB_KUBECONFIG. With BATON_LAB_KUBECONFIG already set, the lab is
 * the caller's: nothing is started here and nothing is stopped afterwards.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default function globalSetup() {
  if (process.env.BATON_LAB_KUBECONFIG) return;
  if (process.getuid && process.getuid() !== 0) {
    throw new Error('npm run test:e2e needs root: the lab runs containerd, a kubelet and network namespaces');
  }
  const t0 = Date.now();
  const up = spawnSync('bash', [join(repo, 'e2e/cluster/up.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (up.status !== 0) {
    throw new Error(`e2e/cluster/up.sh failed (exit ${up.status}); its progress and error are above`);
  }
  const last = up.stdout.trim().split('\n').pop() ?? '';
  const m = /^export KUBECONFIG=(.+)$/.exec(last);
  if (!m) throw new Error(`e2e/cluster/up.sh did not end with "export KUBECONFIG=<path>": ${up.stdout}`);
  process.env.BATON_LAB_KUBECONFIG = m[1];
  process.env.BATON_LAB_STARTED_BY_JEST = '1';
  process.stderr.write(`[test:e2e] lab up in ${((Date.now() - t0) / 1000).toFixed(0)}s\n`);
}

/**
 * jest globalSetup: names a state directory for one shared control plane per jest run. It starts nothing: the first
 * suite that calls useControlPlane() starts the control plane there (see control-plane.ts), so a run that selects no
 * such suite pays nothing. The environment set here reaches the test workers.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup() {
  if (process.env.BATON_KUBECONFIG) return; // an external cluster was given: nothing to manage
  // control-plane.sh creates the directory (and `down` removes it) only if a suite needs a control plane.
  process.env.BATON_JEST_CP_DIR = join(
    tmpdir(),
    `baton-jest-cp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  // A watchdog started with the control plane stops it if this jest process dies without running globalTeardown.
  process.env.BATON_JEST_CP_OWNER_PID = String(process.pid);
}

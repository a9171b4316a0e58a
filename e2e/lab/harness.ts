/**
 * What the lab's end-to-end tests share: kubectl and helm against the lab (BATON_LAB_KUBECONFIG, set by the
 * global setup), polling with a state dump on timeout, and the pod fields they read.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const execFileP = promisify(execFile);
export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LAB_DIR = process.env['BATON_LAB_DIR'] ?? '/var/lib/baton-lab';

const kubeconfig = (): string => {
  const k = process.env['BATON_LAB_KUBECONFIG'];
  if (!k)
    throw new Error(
      'BATON_LAB_KUBECONFIG is not set: run through `npm run test:e2e` (its global setup starts the lab)',
    );
  return k;
};

export const log = (msg: string): void => {
  process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

export async function run(cmd: string, args: readonly string[], input?: string): Promise<string> {
  const child = execFileP(cmd, [...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig() },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    return (await child).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

export const kubectl = (args: readonly string[], input?: string): Promise<string> =>
  run('kubectl', ['--request-timeout=30s', ...args], input);

let helmBin = '';
/** helm from the pinned tools (e2e/cluster/build-tools.sh), found once. */
export async function helm(args: readonly string[]): Promise<string> {
  if (!helmBin) {
    const check = await execFileP('bash', [join(repo, 'e2e/cluster/build-tools.sh'), '--check']);
    helmBin = join(check.stdout.trim(), 'helm');
  }
  return run(helmBin, args);
}

export async function json<T>(args: readonly string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined); on timeout throws with the last `describe()` output. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  describeState?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const state = describeState ? await describeState().catch((e: unknown) => String(e)) : '';
      throw new Error(
        `timed out after ${timeoutMs / 1000}s waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}\n${state}`,
      );
    }
    await sleep(2000);
  }
}

export interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string; creationTimestamp?: string };
  spec?: { containers?: { name: string; image: string }[] };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number }[];
  };
}
export const ready = (p: PodJson): boolean =>
  !p.metadata.deletionTimestamp &&
  p.status.phase === 'Running' &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/**
 * Which conductors `baton ctl` talks to. Sources, first non-empty wins: `--rpc [ID=]URL` (repeatable),
 * `--cluster-file` (YAML or JSON), env BATON_CONDUCTORS (comma- or space-separated `[ID=]URL`).
 *
 * The id is optional but useful: the conductor API never says which member a URL is (only the leader can be
 * recognised, through conductor_leaderWithID), so follower ids, suffrage and transfer pre-checks need it.
 * op-conductor-ops has the same requirement ("the sequencer id must equal the Raft server id").
 *
 * Cluster file shapes: a list, or `{conductors: [...]}`; each entry a `[ID=]URL` string or
 * `{id?, rpc (or url), raftAddr?}`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface ConductorTarget {
  url: string;
  /** The Raft server id, when the user told us. */
  id?: string;
}

export class CtlError extends Error {
  override readonly name = 'CtlError';
}

export interface TargetSources {
  rpc?: string[];
  clusterFile?: string;
  env?: string;
}

export function resolveTargets({ rpc, clusterFile, env }: TargetSources): ConductorTarget[] {
  let targets: ConductorTarget[] = [];
  if (rpc !== undefined && rpc.length > 0) targets = rpc.map(parseTargetSpec);
  else if (clusterFile !== undefined) targets = readClusterFile(clusterFile);
  else if (env !== undefined && env.trim() !== '')
    targets = env
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(parseTargetSpec);
  if (targets.length === 0) {
    throw new CtlError(
      'no conductors given: pass --rpc URL (repeat it for each conductor; ID=URL names the member), ' +
        '--cluster-file FILE, or set BATON_CONDUCTORS',
    );
  }
  const seen = new Set<string>();
  for (const t of targets) {
    if (t.id !== undefined && seen.has(t.id)) throw new CtlError(`conductor id ${t.id} is listed twice`);
    if (t.id !== undefined) seen.add(t.id);
  }
  return targets;
}

/** `URL` or `ID=URL`. */
export function parseTargetSpec(spec: string): ConductorTarget {
  const eq = spec.indexOf('=');
  const schemeAt = spec.indexOf('://');
  const hasId = eq > 0 && (schemeAt === -1 || eq < schemeAt);
  const id = hasId ? spec.slice(0, eq) : undefined;
  const url = checkUrl(hasId ? spec.slice(eq + 1) : spec);
  return id === undefined ? { url } : { id, url };
}

function checkUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new CtlError(
      `"${url}" is not an http(s) URL; give conductor RPC URLs like http://seq-0-conductor:8547`,
    );
  }
  return url.replace(/\/+$/, '');
}

function readClusterFile(path: string): ConductorTarget[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CtlError(`cannot read cluster file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const list = Array.isArray(doc) ? doc : (doc as { conductors?: unknown } | null)?.conductors;
  if (!Array.isArray(list)) {
    throw new CtlError(`cluster file ${path} must be a list of conductors or {conductors: [...]}`);
  }
  return list.map((entry, i) => {
    if (typeof entry === 'string') return parseTargetSpec(entry);
    const e = (entry ?? {}) as { id?: unknown; rpc?: unknown; url?: unknown };
    const url = typeof e.rpc === 'string' ? e.rpc : typeof e.url === 'string' ? e.url : undefined;
    if (url === undefined) throw new CtlError(`cluster file ${path}: entry ${i} has no rpc URL`);
    return typeof e.id === 'string' ? { id: e.id, url: checkUrl(url) } : { url: checkUrl(url) };
  });
}

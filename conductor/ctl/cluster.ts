/**
 * A snapshot of the conductors `baton ctl` was pointed at: each one's status, the leader, and the membership
 * as the leader (or any reachable member) reports it. Like op-conductor-ops, every command first probes all
 * conductors in parallel and acts on the leader it found.
 */
import { Suffrage, type ClusterMembership, type RaftStatusReport, type ServerInfo } from '../rpc/backend.js';
import { describeRpcFailure, RpcError } from '../jsonrpc/errors.js';
import { ConductorClient, type ConductorClientOptions } from '../rpc/client.js';
import { CtlError, type ConductorTarget } from './targets.js';

export interface ConductorStatus {
  url: string;
  /** From the target list, or learnt from conductor_leaderWithID when this node is the leader. */
  id?: string;
  client: ConductorClient;
  /** Set when the conductor could not be queried; the other fields are then absent. */
  error?: string;
  leader?: boolean;
  overridden?: boolean;
  active?: boolean;
  paused?: boolean;
  stopped?: boolean;
  healthy?: boolean;
  leaderInfo?: ServerInfo;
  membership?: ClusterMembership;
  /** baton_raftStatus; null from a conductor without it (op-conductor) or when that call failed. */
  raft?: RaftStatusReport | null;
}

export interface ClusterView {
  conductors: ConductorStatus[];
  /** The Raft leader: a conductor reporting leader without an override, else an overridden one. */
  leader?: ConductorStatus;
  membership?: ClusterMembership;
}

export async function probeCluster(
  targets: ConductorTarget[],
  options: ConductorClientOptions,
): Promise<ClusterView> {
  const conductors = await Promise.all(targets.map((t) => probe(t, options)));
  const reporting = conductors.filter((c) => c.leader === true);
  const leader = reporting.find((c) => c.overridden !== true) ?? reporting[0];
  for (const c of conductors) {
    // op-conductor's API never tells a node its own id (Baton's baton_raftStatus does); otherwise the
    // leader is the one node whose id we can learn.
    if (c.id === undefined && c.raft?.id) c.id = c.raft.id;
    if (c.id === undefined && c === leader && c.overridden !== true && c.leaderInfo?.id)
      c.id = c.leaderInfo.id;
  }
  const membership = leader?.membership ?? conductors.find((c) => c.membership !== undefined)?.membership;
  return { conductors, ...(leader ? { leader } : {}), ...(membership ? { membership } : {}) };
}

async function probe(target: ConductorTarget, options: ConductorClientOptions): Promise<ConductorStatus> {
  const client = new ConductorClient(target.url, options);
  const base: ConductorStatus = { url: target.url, client, ...(target.id ? { id: target.id } : {}) };
  try {
    const [leader, overridden, active, paused, stopped, healthy, leaderInfo, membership, raft] =
      await Promise.all([
        client.leader(),
        client.leaderOverridden(),
        client.active(),
        client.paused(),
        client.stopped(),
        client.sequencerHealthy(),
        client.leaderWithID(),
        client.clusterMembership(),
        client.raftStatus().catch(() => null),
      ]);
    return { ...base, leader, overridden, active, paused, stopped, healthy, leaderInfo, membership, raft };
  } catch (err) {
    return { ...base, error: describeRpcFailure(err) };
  }
}

export function requireLeader(view: ClusterView): ConductorStatus {
  if (view.leader !== undefined) return view.leader;
  const reachable = view.conductors.filter((c) => c.error === undefined).length;
  throw new CtlError(
    `no conductor reports itself as leader (${reachable} of ${view.conductors.length} reachable). ` +
      'Check `baton ctl status`: an election may be in progress (retry in a few seconds) or the cluster has ' +
      'lost quorum (see the disaster-recovery runbook).',
  );
}

/**
 * Raft log entries `c` is behind the leader's last entry, from the leader's baton_raftStatus (0 for the
 * leader itself); undefined when unknown.
 */
export function raftLagOf(view: ClusterView, c: ConductorStatus): number | undefined {
  const report = view.leader?.raft;
  if (!report || report.state !== 'leader' || c.id === undefined) return undefined;
  if (c.id === report.id) return 0;
  return report.peers.find((p) => p.id === c.id)?.lag;
}

export function memberOf(view: ClusterView, id: string): ServerInfo | undefined {
  return view.membership?.servers.find((s) => s.id === id);
}

export function suffrageName(s: Suffrage | undefined): string {
  if (s === undefined) return '-';
  return s === Suffrage.Voter ? 'voter' : s === Suffrage.Nonvoter ? 'nonvoter' : `suffrage-${s}`;
}

/** A client error as a ctl user should read it, with a next step for the errors we recognise. */
export function explain(err: unknown): string {
  const message = describeRpcFailure(err);
  if (!(err instanceof RpcError)) return message;
  if (err.message.includes('configuration changed since')) {
    return `${message}. The membership changed meanwhile: check \`baton ctl status\` and retry with the new --version (or without --version).`;
  }
  if (err.message.includes('node is not the leader')) {
    return `${message}. Leadership moved during the call: retry.`;
  }
  if (err.code === -32001) return `${message}. Pass the admin token with --token or BATON_CONDUCTOR_TOKEN.`;
  return message;
}

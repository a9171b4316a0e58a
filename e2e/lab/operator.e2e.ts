/**
 * The user story on a real (local) Kubernetes: `helm install` the operator, `kubectl apply` a SequencerCluster that
 * runs the OP Stack simulator, watch it form and sequence, kill the leader's pod, and remove it all again.
 *
 * Runs on the lab (e2e/cluster/up.sh; see jest.config.js here): real kubelet, containerd, pod network, Services,
 * cluster DNS and volumes. The test reaches pods by their IPs (the host routes the pod network into the lab) and
 * checks the chain with the simulator's auditor (`sim_history` of every op-node, docs/design.md §2 invariants 1 and 2).
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditChain, type AuditNodeHistory, type AuditReport } from '../sim/audit/audit.js';
import { rpcCall } from '../sim/rpc/client.js';
import { CONDUCTOR_RPC_PORT, OP_NODE_RPC_PORT } from '../../operator/api/names.js';
import { helm, json, LAB_DIR, log, kubectl, ready, repo, waitFor, type PodJson } from './harness.js';

const OPERATOR_NS = 'baton-e2e';
const CHAIN_NS = 'chain-e2e';
const CLUSTER = 'sim';

interface ClusterJson {
  status?: {
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    phase?: string;
    leader?: { pod?: string };
    members?: {
      pod: string;
      suffrage?: string;
      leader?: boolean;
      raftLag?: number;
      unsafeHead?: { number?: number } | number;
    }[];
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      observedGeneration?: number;
    }[];
  };
}

/**
 * The cluster is formed: the Ready condition is True (every member a healthy voter, the leader sequencing),
 * which is what `kubectl wait --for=condition=Ready` reports. Pods being Ready is not enough: while the
 * operator is still adding members, the first member can be the only voter, and losing it stops the chain.
 */
async function formedCluster(): Promise<ClusterJson | undefined> {
  const c = await json<ClusterJson>(['-n', CHAIN_NS, 'get', 'sequencercluster', CLUSTER]);
  const readyCond = c.status?.conditions?.find((x) => x.type === 'Ready');
  const voters = c.status?.members?.filter((m) => m.suffrage === 'Voter') ?? [];
  return readyCond?.status === 'True' && voters.length === 3 ? c : undefined;
}

async function memberPods(): Promise<PodJson[]> {
  const list = await json<{ items: PodJson[] }>([
    '-n',
    CHAIN_NS,
    'get',
    'pods',
    '-l',
    `baton.dev/cluster=${CLUSTER}`,
  ]);
  return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

async function clusterState(): Promise<string> {
  const out = await kubectl(['-n', CHAIN_NS, 'get', 'sequencerclusters,pods', '-o', 'wide']).catch(
    (e: unknown) => String(e),
  );
  const cond = await kubectl([
    '-n',
    CHAIN_NS,
    'get',
    'sequencercluster',
    CLUSTER,
    '-o',
    'jsonpath={.status.conditions}',
  ]).catch((e: unknown) => String(e));
  const op = await kubectl(['-n', OPERATOR_NS, 'logs', 'deploy/baton', '--tail=15']).catch((e: unknown) =>
    String(e),
  );
  return `${out}\nconditions: ${cond}\noperator log (tail):\n${op}`;
}

const conductorLeader = (ip: string): Promise<boolean> =>
  rpcCall<boolean>(`http://${ip}:${CONDUCTOR_RPC_PORT}`, 'conductor_leader', [], { timeoutMs: 3000 });

async function leaders(pods: readonly PodJson[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of pods) {
    if (p.status.podIP && (await conductorLeader(p.status.podIP).catch(() => false)))
      out.push(p.metadata.name);
  }
  return out;
}

async function history(p: PodJson): Promise<AuditNodeHistory> {
  const h = await rpcCall<AuditNodeHistory>(
    `http://${p.status.podIP}:${OP_NODE_RPC_PORT}`,
    'sim_history',
    [],
    {
      timeoutMs: 10_000,
    },
  );
  return { ...h, id: `${p.metadata.name}@${p.metadata.uid.slice(0, 8)}` };
}

describe('the operator on the lab: helm install, kubectl apply, failover, uninstall', () => {
  const pastHistories: AuditNodeHistory[] = [];
  let leaderBefore = '';

  beforeAll(async () => {
    // A clean start: leftovers of an interrupted earlier run are removed.
    await helm(['uninstall', 'baton', '-n', OPERATOR_NS, '--wait']).catch(() => '');
    await kubectl([
      'delete',
      'namespace',
      CHAIN_NS,
      OPERATOR_NS,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=120s',
    ]);
  });

  afterAll(async () => {
    // Keep nothing behind even when a step failed (the last test checks this on the success path).
    await helm(['uninstall', 'baton', '-n', OPERATOR_NS, '--wait']).catch(() => '');
    await kubectl(['delete', 'namespace', CHAIN_NS, OPERATOR_NS, '--ignore-not-found', '--wait=false']).catch(
      () => '',
    );
  });

  it('helm install: the operator is Running and Ready', async () => {
    await helm([
      'install',
      'baton',
      join(repo, 'charts/baton'),
      '-n',
      OPERATOR_NS,
      '--create-namespace',
      '--set',
      'image.tag=dev-a',
      '--wait',
      '--timeout',
      '180s',
    ]);
    const pods = await json<{ items: PodJson[] }>([
      '-n',
      OPERATOR_NS,
      'get',
      'pods',
      '-l',
      'app.kubernetes.io/instance=baton',
    ]);
    expect(pods.items).toHaveLength(1);
    expect(pods.items.every(ready)).toBe(true);
    log(`operator ${pods.items[0]?.metadata.name} Running and Ready`);
  });

  it('kubectl apply: 3 pods Ready, one Raft leader, blocks committed, `kubectl get sequencerclusters` shows it', async () => {
    await kubectl(['create', 'namespace', CHAIN_NS]);
    const example = await readFile(join(repo, 'charts/baton/examples/sequencercluster-sim.yaml'), 'utf8');
    const manifest = example
      .replaceAll('GENESIS_TIME', String(Math.floor(Date.now() / 1000)))
      .replaceAll('image: baton:0.1.0', 'image: baton:dev-a');
    await kubectl(['-n', CHAIN_NS, 'apply', '-f', '-'], manifest);

    const pods = await waitFor(
      '3 member pods Running and Ready',
      300_000,
      async () => {
        const p = await memberPods();
        return p.length === 3 && p.every(ready) ? p : undefined;
      },
      clusterState,
    );
    log(`pods Ready: ${pods.map((p) => `${p.metadata.name} ${p.status.podIP}`).join(', ')}`);

    const leader = await waitFor(
      'exactly one conductor reporting conductor_leader=true and the status naming it',
      300_000,
      async () => {
        const l = await leaders(await memberPods());
        const c = await json<ClusterJson>(['-n', CHAIN_NS, 'get', 'sequencercluster', CLUSTER]);
        return l.length === 1 && c.status?.leader?.pod === l[0] && c.status?.readyReplicas === 3
          ? l[0]
          : undefined;
      },
      clusterState,
    );
    leaderBefore = leader ?? '';
    log(`Raft leader: ${leaderBefore}`);

    // Blocks are produced and committed: the heads advance, and the auditor finds no violation.
    const report = await waitFor('at least 10 audited blocks', 120_000, async () => {
      const r = auditChain(await Promise.all((await memberPods()).map(history)));
      return r.blocks >= 10 ? r : undefined;
    });
    expectClean(report);
    log(`audit: ${JSON.stringify(summary(report))}`);

    const table = await waitFor('LEADER and HEAD in `kubectl get sequencerclusters`', 90_000, async () => {
      const out = await kubectl(['-n', CHAIN_NS, 'get', 'sequencerclusters']);
      const [header, ...rows] = out
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/));
      const row = rows.find((r) => r[0] === CLUSTER);
      const col = (name: string): string | undefined => row?.[header?.indexOf(name) ?? -1];
      return col('LEADER') === leaderBefore && Number(col('HEAD')) > 0 ? out : undefined;
    });
    log(`kubectl get sequencerclusters:\n${table.trim()}`);
    expect(table).toMatch(/READY\s+LEADER\s+HEAD/);

    // The operator finishes forming: all three are voters, so the cluster survives losing its leader.
    const formed = await waitFor(
      'the Ready condition True with 3 voters',
      300_000,
      formedCluster,
      clusterState,
    );
    log(
      `formed: phase ${formed.status?.phase}, ${formed.status?.conditions?.find((x) => x.type === 'Ready')?.message}`,
    );

    // Every member's Raft lag, as the leader's conductor reports it (baton_raftStatus), is known and small.
    const lags = await waitFor('every member’s Raft lag in status', 60_000, async () => {
      const c = await formedCluster();
      const members = c?.status?.members ?? [];
      return members.length === 3 && members.every((m) => typeof m.raftLag === 'number')
        ? members.map((m) => [m.pod, m.raftLag] as const)
        : undefined;
    });
    for (const [, lag] of lags) expect(lag).toBeLessThanOrEqual(64);
    log(`raft lags: ${lags.map(([pod, lag]) => `${pod} ${lag}`).join(', ')}`);

    // The members' op-nodes peer with each other through the operator's static peer list: each is
    // connected to the two others (not to itself), and is listed under the peer id it reports.
    const list = await json<{ data?: Record<string, string> }>([
      '-n',
      CHAIN_NS,
      'get',
      'configmap',
      `${CLUSTER}-p2p`,
    ]);
    const staticPeers = (list.data?.['static-peers'] ?? '').split(',');
    expect(staticPeers).toHaveLength(3);
    const peering = await waitFor('every op-node connected to the two others', 60_000, async () => {
      const rows = await Promise.all(
        (await memberPods()).map(async (p) => {
          const url = `http://${p.status.podIP}:${OP_NODE_RPC_PORT}`;
          const self = await rpcCall<{ peerID: string }>(url, 'opp2p_self', []);
          const stats = await rpcCall<{ connected: number }>(url, 'opp2p_peerStats', []);
          return { pod: p.metadata.name, peerID: self.peerID, connected: stats.connected };
        }),
      );
      return rows.length === 3 && rows.every((r) => r.connected === 2) ? rows : undefined;
    });
    for (const r of peering) {
      expect(staticPeers).toContain(
        `/dns4/${r.pod}.${CLUSTER}-peers.${CHAIN_NS}.svc.cluster.local/tcp/9222/p2p/${r.peerID}`,
      );
    }
    log(`p2p: ${peering.map((r) => `${r.pod} ${r.peerID.slice(0, 16)}… ${r.connected} peers`).join(', ')}`);
  });

  it('deleting the leader pod: a new leader takes over, the pod rejoins, 0 double-published heights and 0 reorgs', async () => {
    expect(leaderBefore).not.toBe('');
    const before = await memberPods();
    // Leadership may have moved while the cluster formed: delete whoever leads now.
    const [current] = await leaders(before);
    if (current !== undefined) leaderBefore = current;
    for (const p of before) pastHistories.push(await history(p));
    const oldUid = before.find((p) => p.metadata.name === leaderBefore)?.metadata.uid;
    const headBefore = Math.max(...pastHistories.flatMap((h) => h.inserted.map((b) => b.number)));
    log(`deleting ${leaderBefore} (head ${headBefore})`);
    await kubectl(['-n', CHAIN_NS, 'delete', 'pod', leaderBefore, '--wait=false']);

    const newLeader = await waitFor(
      'a new leader among the other members',
      120_000,
      async () => {
        const pods = (await memberPods()).filter((p) => p.metadata.name !== leaderBefore);
        const l = await leaders(pods);
        return l.length === 1 ? l[0] : undefined;
      },
      clusterState,
    );
    log(`new leader: ${newLeader}`);

    await waitFor(
      `${leaderBefore} recreated, Ready, and the cluster formed again (3 voters, Ready) with one leader`,
      300_000,
      async () => {
        const pods = await memberPods();
        const back = pods.find((p) => p.metadata.name === leaderBefore);
        if (!back || back.metadata.uid === oldUid || !ready(back) || !pods.every(ready)) return undefined;
        const c = await formedCluster();
        const l = await leaders(pods);
        return c?.status?.readyReplicas === 3 && l.length === 1 ? true : undefined;
      },
      clusterState,
    );

    // The chain moved on under the new leader, and the rejoined member follows it.
    const report = await waitFor('10 more blocks on every member, audited', 180_000, async () => {
      const current = await Promise.all((await memberPods()).map(history));
      const heads = current.map((h) => Math.max(0, ...h.inserted.map((b) => b.number)));
      return heads.every((n) => n >= headBefore + 10)
        ? auditChain([...pastHistories, ...current])
        : undefined;
    });
    log(`audit after failover: ${JSON.stringify(summary(report))}`);
    expectClean(report);
  });

  it('an image tag bump rolls the members one at a time, followers first, the leader last after a hand-off; the chain never forks', async () => {
    const before = await memberPods();
    const [oldLeader] = await leaders(before);
    expect(oldLeader).toBeDefined();
    const start = await json<ClusterJson>(['-n', CHAIN_NS, 'get', 'sequencercluster', CLUSTER]);
    const uids = new Map(before.map((p) => [p.metadata.name, p.metadata.uid]));
    // Each incarnation's history, last read before it went away (the simulator keeps it in memory).
    const incarnations = new Map<string, AuditNodeHistory>();
    for (const p of before) incarnations.set(p.metadata.uid, await history(p));
    const headBefore = Math.max(
      ...[...incarnations.values()].flatMap((h) => h.inserted.map((b) => b.number)),
    );
    const replaced: string[] = [];
    let mostDown = 0;
    let stall = { head: 0, since: Date.now(), dumped: false };

    log(`bumping every image baton:dev-a -> baton:dev-b (leader ${oldLeader}, head ${headBefore})`);
    await kubectl([
      '-n',
      CHAIN_NS,
      'patch',
      'sequencercluster',
      CLUSTER,
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: {
          opNode: { image: 'baton:dev-b' },
          opGeth: { image: 'baton:dev-b' },
          conductor: { image: 'baton:dev-b' },
        },
      }),
    ]);

    const done = await waitFor(
      'the rollout to finish: 3 members on the new revision, Ready',
      420_000,
      async () => {
        const pods = await memberPods();
        for (const p of pods) {
          if (uids.get(p.metadata.name) !== p.metadata.uid) {
            replaced.push(p.metadata.name);
            uids.set(p.metadata.name, p.metadata.uid);
          }
          if (ready(p)) {
            const h = await history(p).catch(() => undefined);
            if (h) incarnations.set(p.metadata.uid, h);
          }
        }
        // Never more than one member down at a time: the other two keep the quorum.
        mostDown = Math.max(mostDown, 3 - pods.filter(ready).length);
        // A stall (no new height for 3 s) is kept with every member's conductor log, for diagnosis.
        const head = Math.max(
          0,
          ...[...incarnations.values()].flatMap((h) => h.inserted.map((b) => b.number)),
        );
        if (head > stall.head) stall = { head, since: Date.now(), dumped: stall.dumped };
        else if (Date.now() - stall.since > 3_000 && !stall.dumped) {
          stall.dumped = true;
          const dump = [`stalled at height ${head} since ${new Date(stall.since).toISOString()}`];
          for (const p of pods) {
            dump.push(`--- ${p.metadata.name} (${p.metadata.uid}) conductor ---`);
            dump.push(
              await kubectl(['-n', CHAIN_NS, 'logs', p.metadata.name, '-c', 'conductor', '--tail=60']).catch(
                (e: unknown) => String(e),
              ),
            );
          }
          const file = join(tmpdir(), `baton-e2e-stall-${Date.now()}.log`);
          await writeFile(file, dump.join('\n'));
          log(`the chain stalled at height ${head}: conductor logs in ${file}`);
        }
        const c = await formedCluster();
        return c &&
          c.status?.updateRevision !== start.status?.updateRevision &&
          c.status?.updatedReplicas === 3 &&
          c.status.currentRevision === c.status.updateRevision
          ? c
          : undefined;
      },
      clusterState,
    );
    log(
      `rolled: ${replaced.join(' -> ')}; at most ${mostDown} member(s) down at once; leader ${done.status?.leader?.pod}`,
    );

    expect(replaced).toHaveLength(3);
    expect(new Set(replaced)).toEqual(new Set(['sim-0', 'sim-1', 'sim-2']));
    expect(replaced[2]).toBe(oldLeader); // the leader last
    expect(mostDown).toBeLessThanOrEqual(1);
    for (const p of await memberPods()) {
      expect(p.spec?.containers?.map((c) => c.image)).toEqual(['baton:dev-b', 'baton:dev-b', 'baton:dev-b']);
    }
    // The operator handed leadership off before it restarted the old leader (its log is in action order).
    const opLog = (await kubectl(['-n', OPERATOR_NS, 'logs', 'deploy/baton'])).split('\n');
    const actions = opLog.flatMap((line) => {
      try {
        const e = JSON.parse(line) as { code?: string; msg?: string; cluster?: string };
        return e.cluster === `${CHAIN_NS}/${CLUSTER}` && e.code !== undefined
          ? [`${e.code}: ${e.msg ?? ''}`]
          : [];
      } catch {
        return [];
      }
    });
    const handOff = actions.findIndex(
      (a) => a.startsWith('TransferringLeadership:') && a.includes(`from ${oldLeader} to`),
    );
    const restartLeader = actions.findIndex((a) => a.startsWith(`UpgradingMember: restarting ${oldLeader} `));
    expect(handOff).toBeGreaterThanOrEqual(0);
    expect(restartLeader).toBeGreaterThan(handOff);
    expect(done.status?.leader?.pod).not.toBe(oldLeader);

    const report = await waitFor(
      '10 more blocks on every member after the rollout, audited',
      180_000,
      async () => {
        const current = await Promise.all((await memberPods()).map(history));
        const heads = current.map((h) => Math.max(0, ...h.inserted.map((b) => b.number)));
        return heads.every((n) => n >= headBefore + 10)
          ? auditChain([...pastHistories, ...incarnations.values(), ...current])
          : undefined;
      },
    );
    log(`audit after the rollout: ${JSON.stringify(summary(report))}`);
    // Liveness during the rollout alone: the heights produced from the bump on.
    const since = (h: AuditNodeHistory): AuditNodeHistory => ({
      ...h,
      inserted: h.inserted.filter((b) => b.number >= headBefore),
      published: h.published.filter((b) => b.number >= headBefore),
    });
    const rollout = auditChain(
      [...incarnations.values(), ...(await Promise.all((await memberPods()).map(history)))].map(since),
    );
    log(`longest gap during the rollout: ${rollout.maxGapMs} ms after height ${rollout.maxGapAfter?.number}`);
    if (rollout.maxGapAfter) {
      const at = rollout.maxGapAfter.atMs;
      for (const line of opLog) {
        try {
          const e = JSON.parse(line) as { time?: number; code?: string; msg?: string };
          if (e.time !== undefined && Math.abs(e.time - at) < 10_000 && e.code !== undefined)
            log(`  ${((e.time - at) / 1000).toFixed(1)} s: ${e.code}: ${e.msg ?? ''}`);
        } catch {
          // not a JSON line
        }
      }
    }
    expectClean(report);
    // A planned rollout costs at most the hand-off (about one slot at these 1 s blocks), never an election.
    expect(rollout.maxGapMs).toBeLessThan(5_000);
  });

  it('helm uninstall and namespace deletion leave nothing behind', async () => {
    const pvNames = async (): Promise<string[]> => {
      const pvs = await json<{
        items: { metadata: { name: string }; spec: { claimRef?: { namespace?: string } } }[];
      }>(['get', 'pv']);
      return pvs.items.filter((p) => p.spec.claimRef?.namespace === CHAIN_NS).map((p) => p.metadata.name);
    };
    const volumes = await pvNames();
    expect(volumes.length).toBeGreaterThanOrEqual(6); // geth-data and raft-data per member
    await kubectl(['-n', CHAIN_NS, 'delete', 'sequencercluster', CLUSTER, '--wait=true', '--timeout=120s']);
    await helm(['uninstall', 'baton', '-n', OPERATOR_NS, '--wait', '--timeout', '120s']);
    await kubectl(['delete', 'namespace', CHAIN_NS, OPERATOR_NS, '--wait=true', '--timeout=180s']);

    await waitFor('the namespaces, their pods and volumes to be gone', 120_000, async () => {
      const ns = await kubectl(['get', 'namespaces', '-o', 'name']);
      if (ns.includes(`namespace/${CHAIN_NS}`) || ns.includes(`namespace/${OPERATOR_NS}`)) return undefined;
      return (await pvNames()).length === 0 ? true : undefined;
    });
    const left = await kubectl([
      'get',
      'clusterroles,clusterrolebindings',
      '-l',
      'app.kubernetes.io/instance=baton',
      '-o',
      'name',
    ]);
    expect(left.trim()).toBe('');
    // The provisioner removed each volume's directory on the host.
    const dirs = await readdir(join(LAB_DIR, 'volumes')).catch(() => [] as string[]);
    expect(dirs.filter((d) => volumes.includes(d))).toEqual([]);
    // Only the CRD stays (helm never deletes CRDs it installed from crds/).
    log(`removed: ${volumes.length} volumes, both namespaces, the operator's cluster RBAC`);
  });
});

function summary(r: AuditReport): Record<string, number> {
  return { blocks: r.blocks, doubleSequenced: r.doubleSequenced, reorgs: r.reorgs, maxGapMs: r.maxGapMs };
}

function expectClean(r: AuditReport): void {
  if (r.doubleSequenced !== 0 || r.reorgs !== 0)
    log(`audit issues: ${JSON.stringify(r.issues.slice(0, 10))}`);
  expect(r.doubleSequenced).toBe(0);
  expect(r.reorgs).toBe(0);
  expect(r.blocks).toBeGreaterThan(0);
}

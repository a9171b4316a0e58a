/**
 * The operator running the real OP Stack on the lab: unmodified op-geth, op-node and op-batcher (built from their
 * pinned Go modules by e2e/opstack/build.sh, packed into images by e2e/cluster/images.sh) in member pods, an L1 dev
 * chain in a pod, and Baton's conductor. Nothing here is simulated: if the rendered pods lack something the real
 * binaries need, a member does not start or does not sync, and the test says which.
 *
 * The chain is audited from the outside: every member's op-geth is read every 300 ms (e2e/opstack/chain-watcher.ts)
 * and every block any of them ever made canonical is checked (no height with two hashes, no reorg), with the longest
 * wait between new heights reported for each fault.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { CONDUCTOR_RPC_PORT, OP_GETH_HTTP_PORT, OP_NODE_RPC_PORT } from '../../operator/api/names.js';
import { ChainWatcher } from '../opstack/chain-watcher.js';
import { l2Genesis, rollupConfig } from '../opstack/devnet/genesis.js';
import { genesisBlockHash, prepareDevL1 } from '../opstack/devnet/l1.js';
import { jsonRpc } from '../opstack/process.js';
import { auditChain, type AuditNodeHistory, type AuditReport } from '../sim/audit/audit.js';
import { execFileP, helm, json, kubectl, log, ready, repo, sleep, waitFor, type PodJson } from './harness.js';

const OPERATOR_NS = 'baton-real';
const NS = 'chain-real';
const CLUSTER = 'real';
const BLOCK_TIME_S = 2;
const GETH_IMAGE = 'baton.local/op-geth:v1.101702.3-rc.7';
const OP_NODE_IMAGE = 'baton.local/op-node:v1.19.6';
const OP_BATCHER_IMAGE = 'baton.local/op-batcher:v1.19.6';
const L2_CHAIN_ID = 901;
const L1_CHAIN_ID = 1337;

const sequencerKey = generatePrivateKey();
const batcherKey = generatePrivateKey();

interface ClusterJson {
  status?: {
    leader?: { pod?: string };
    members?: { pod: string; suffrage?: string }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

async function memberPods(): Promise<PodJson[]> {
  const list = await json<{ items: PodJson[] }>([
    '-n',
    NS,
    'get',
    'pods',
    '-l',
    `baton.dev/cluster=${CLUSTER}`,
  ]);
  return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

async function state(): Promise<string> {
  const out = await kubectl(['-n', NS, 'get', 'sequencerclusters,pods', '-o', 'wide']).catch(String);
  const cond = await kubectl([
    '-n',
    NS,
    'get',
    'sequencercluster',
    CLUSTER,
    '-o',
    'jsonpath={.status.conditions}',
  ]).catch(String);
  const events = await kubectl(['-n', NS, 'get', 'events', '--sort-by=.lastTimestamp']).catch(String);
  const logs: string[] = [];
  for (const p of await memberPods().catch(() => [])) {
    for (const c of ['op-geth-init', 'op-geth', 'op-node', 'conductor'])
      logs.push(
        `--- ${p.metadata.name}/${c}\n${await kubectl(['-n', NS, 'logs', p.metadata.name, '-c', c, '--tail=8']).catch(String)}`,
      );
  }
  const op = await kubectl(['-n', OPERATOR_NS, 'logs', 'deploy/baton', '--tail=15']).catch(String);
  return `${out}\nconditions: ${cond}\nevents (tail):\n${events.split('\n').slice(-25).join('\n')}\n${logs.join('\n')}\noperator log (tail):\n${op}`;
}

/** Pod name → current IP, refreshed in the background: pods get new IPs when they are recreated. */
const podIps = new Map<string, string>();
let ipRefresher: NodeJS.Timeout | null = null;
async function refreshIps(): Promise<void> {
  for (const p of await memberPods())
    if (p.status.podIP && !p.metadata.deletionTimestamp) podIps.set(p.metadata.name, p.status.podIP);
}
const gethUrl = (pod: string): string | null => {
  const ip = podIps.get(pod);
  return ip ? `http://${ip}:${OP_GETH_HTTP_PORT}` : null;
};
const rpcOf = (pod: string, port: number): string => {
  const ip = podIps.get(pod);
  if (!ip) throw new Error(`no IP known for ${pod}`);
  return `http://${ip}:${port}`;
};

async function leaderPod(): Promise<string | undefined> {
  const found: string[] = [];
  for (const pod of podIps.keys()) {
    const leading = await jsonRpc(rpcOf(pod, CONDUCTOR_RPC_PORT), 'conductor_leader', [], 2000).catch(
      () => false,
    );
    if (leading === true) found.push(pod);
  }
  return found.length === 1 ? found[0] : undefined;
}

const head = async (pod: string): Promise<number> =>
  Number(await jsonRpc(rpcOf(pod, OP_GETH_HTTP_PORT), 'eth_blockNumber', [], 3000));

/** The longest wait between new heights first seen in [fromMs, toMs]: what a fault in that window cost. */
function gapIn(histories: readonly AuditNodeHistory[], fromMs: number, toMs: number): number {
  const first = new Map<number, number>();
  for (const h of histories)
    for (const e of h.inserted) first.set(e.number, Math.min(first.get(e.number) ?? Infinity, e.atMs));
  const times = [...first.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, t]) => t)
    .filter((t) => t >= fromMs - BLOCK_TIME_S * 3000 && t <= toMs);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

/**
 * The issue's goals are at most one block slot lost (a gap of two block times); the watcher polls every 300 ms
 * and heights are stamped when first read, so a gap can read up to one poll longer than it was.
 */
const GAP_LIMIT_MS = 2 * BLOCK_TIME_S * 1000 + 600;

const created = (p: PodJson): number => Date.parse(p.metadata.creationTimestamp ?? '');

async function patchSpec(spec: Record<string, unknown>): Promise<void> {
  await kubectl([
    '-n',
    NS,
    'patch',
    'sequencercluster',
    CLUSTER,
    '--type=merge',
    '-p',
    JSON.stringify({ spec }),
  ]);
}

async function votersReady(n: number): Promise<true | undefined> {
  const c = await json<ClusterJson>(['-n', NS, 'get', 'sequencercluster', CLUSTER]);
  const readyCond = c.status?.conditions?.find((x) => x.type === 'Ready');
  const voters = c.status?.members?.filter((m) => m.suffrage === 'Voter') ?? [];
  return readyCond?.status === 'True' && voters.length === n ? true : undefined;
}

/** Every member runs `opNodeImage`, is Ready, and the cluster is Ready. */
async function rolledTo(opNodeImage: string): Promise<true | undefined> {
  const pods = await memberPods();
  const on = pods.filter((p) =>
    (p.spec?.containers ?? []).some((c) => c.name === 'op-node' && c.image === opNodeImage),
  );
  return on.length === pods.length && pods.every(ready) ? votersReady(pods.length) : undefined;
}

function expectClean(r: AuditReport): void {
  if (r.doubleSequenced !== 0 || r.reorgs !== 0)
    log(`audit issues: ${JSON.stringify(r.issues.slice(0, 10))}`);
  expect(r.doubleSequenced).toBe(0);
  expect(r.reorgs).toBe(0);
  expect(r.blocks).toBeGreaterThan(0);
}

describe('real op-geth, op-node and op-batcher pods under the operator', () => {
  const watcher = new ChainWatcher();
  let scratch = '';
  let gethBinary = '';

  beforeAll(async () => {
    const built = await execFileP('bash', [join(repo, 'e2e/opstack/build.sh'), '--check']).catch(() => null);
    if (!built)
      throw new Error(
        'the OP Stack binaries are not built: run `npm run opstack:build` (then e2e/cluster/up.sh imports their images)',
      );
    gethBinary = join(built.stdout.trim(), 'geth');
    scratch = await mkdtemp(join(tmpdir(), 'baton-real-pods-'));
    await helm(['uninstall', 'baton', '-n', OPERATOR_NS, '--wait']).catch(() => '');
    await kubectl([
      'delete',
      'namespace',
      NS,
      OPERATOR_NS,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=180s',
    ]);
  });

  afterAll(async () => {
    watcher.stop();
    if (ipRefresher) clearInterval(ipRefresher);
    await helm(['uninstall', 'baton', '-n', OPERATOR_NS, '--wait']).catch(() => '');
    await kubectl(['delete', 'namespace', NS, OPERATOR_NS, '--ignore-not-found', '--wait=false']).catch(
      () => '',
    );
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('an L1 dev chain pod, and the chain inputs as ConfigMaps and Secrets (genesis gzip-compressed)', async () => {
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
    await kubectl(['create', 'namespace', NS]);
    await kubectl(
      ['-n', NS, 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'l1', labels: { app: 'l1' } },
            spec: {
              securityContext: { runAsUser: 10002, runAsGroup: 10002, fsGroup: 10002, runAsNonRoot: true },
              containers: [
                {
                  name: 'geth',
                  image: GETH_IMAGE,
                  imagePullPolicy: 'Never',
                  args: [
                    '--dev',
                    `--dev.period=${BLOCK_TIME_S}`,
                    // The default 2 s recommit can stop the dev chain for good (op-geth issue 288).
                    '--miner.recommit=400ms',
                    '--datadir=/data/l1',
                    '--http',
                    '--http.addr=0.0.0.0',
                    '--http.port=8545',
                    '--http.vhosts=*',
                    '--http.api=eth,net,web3,debug,txpool',
                    '--nodiscover',
                    '--maxpeers=0',
                    '--nat=none',
                    '--ipcdisable',
                    '--cache=128',
                  ],
                  ports: [{ name: 'http', containerPort: 8545 }],
                  readinessProbe: { tcpSocket: { port: 8545 }, periodSeconds: 2 },
                  volumeMounts: [{ name: 'data', mountPath: '/data' }],
                },
              ],
              volumes: [{ name: 'data', emptyDir: {} }],
            },
          },
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'l1' },
            spec: { selector: { app: 'l1' }, ports: [{ name: 'http', port: 8545, targetPort: 8545 }] },
          },
        ],
      }),
    );
    const l1Ip = await waitFor(
      'the L1 pod Ready',
      180_000,
      async () => {
        const p = await json<PodJson>(['-n', NS, 'get', 'pod', 'l1']);
        return ready(p) ? p.status.podIP : undefined;
      },
      state,
    );
    const l1Url = `http://${l1Ip}:8545`;
    const { l1Genesis, l1ChainConfig } = await prepareDevL1(l1Url, {
      sequencer: privateKeyToAccount(sequencerKey).address,
      batcher: privateKeyToAccount(batcherKey).address,
      logHint: `kubectl -n ${NS} logs l1`,
    });
    const l2Time = Math.max(Math.floor(Date.now() / 1000), l1Genesis.timestamp);
    const genesis = l2Genesis({ l2ChainId: L2_CHAIN_ID, timestamp: l2Time, gasLimit: 30_000_000 });
    const l2GenesisHash = await genesisBlockHash(gethBinary, genesis, scratch);
    const rollup = rollupConfig({
      l1ChainId: L1_CHAIN_ID,
      l2ChainId: L2_CHAIN_ID,
      l1Genesis,
      l2GenesisHash,
      l2GenesisTime: l2Time,
      blockTimeSeconds: BLOCK_TIME_S,
      gasLimit: 30_000_000,
      batcher: privateKeyToAccount(batcherKey).address as Address,
      systemConfig: l1Genesis.systemConfig,
    });
    const gz = gzipSync(JSON.stringify(genesis));
    await kubectl(
      ['-n', NS, 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'real-rollup' },
            data: { 'rollup.json': JSON.stringify(rollup) },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'real-genesis' },
            binaryData: { 'genesis.json.gz': gz.toString('base64') },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'real-l1-chain' },
            data: { 'l1.json': JSON.stringify(l1ChainConfig) },
          },
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'real-l1' },
            stringData: { rpc: `http://l1.${NS}.svc.cluster.local:8545` },
          },
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'real-sequencer' },
            stringData: { key: sequencerKey.slice(2) },
          },
        ],
      }),
    );
    log(`L1 at ${l1Url} (block ${l1Genesis.number}); L2 genesis ${l2GenesisHash}, ${gz.length} bytes gzip`);
  });

  it('kubectl apply 3 real members: formed, blocks committed and gossiped, op-geths peered, `kubectl get seqc`', async () => {
    const t0 = Date.now();
    await kubectl(
      ['-n', NS, 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'baton.dev/v1alpha1',
        kind: 'SequencerCluster',
        metadata: { name: CLUSTER },
        spec: {
          replicas: 3,
          chain: {
            rollupConfig: { name: 'real-rollup', key: 'rollup.json' },
            genesis: { name: 'real-genesis', key: 'genesis.json.gz' },
            l1: {
              rpcUrl: { name: 'real-l1', key: 'rpc' },
              beaconIgnore: true,
              chainConfig: { name: 'real-l1-chain', key: 'l1.json' },
            },
          },
          sequencerKey: { name: 'real-sequencer', key: 'key' },
          opNode: {
            image: OP_NODE_IMAGE,
            imagePullPolicy: 'Never',
            args: ['--l1.http-poll-interval=1s', '--sequencer.l1-confs=0', '--verifier.l1-confs=0'],
          },
          opGeth: {
            image: GETH_IMAGE,
            imagePullPolicy: 'Never',
            args: ['--cache=128'],
            storage: { size: '2Gi' },
          },
          conductor: {
            image: 'baton:dev-a',
            imagePullPolicy: 'Never',
            healthCheck: { interval: 1, unsafeInterval: 10, minPeerCount: 1 },
          },
          updateStrategy: { minReadySeconds: 5 },
        },
      }),
    );
    await waitFor(
      'the cluster Ready with 3 voters',
      600_000,
      async () => {
        const c = await json<ClusterJson>(['-n', NS, 'get', 'sequencercluster', CLUSTER]);
        const readyCond = c.status?.conditions?.find((x) => x.type === 'Ready');
        const voters = c.status?.members?.filter((m) => m.suffrage === 'Voter') ?? [];
        return readyCond?.status === 'True' && voters.length === 3 ? c : undefined;
      },
      state,
    );
    log(
      `formed in ${Math.round((Date.now() - t0) / 1000)}s (cold: includes geth init of a gzip genesis on 3 PVCs)`,
    );
    await refreshIps();
    ipRefresher = setInterval(() => void refreshIps().catch(() => {}), 1000);
    watcher.start([...podIps.keys()].map((pod) => ({ id: pod, url: () => gethUrl(pod) })));

    const start = await Promise.all([...podIps.keys()].map(head));
    await waitFor(
      '5 more blocks on every member',
      120_000,
      async () => {
        const now = await Promise.all([...podIps.keys()].map(head));
        return now.every((h) => h >= Math.max(...start) + 5) ? now : undefined;
      },
      state,
    );
    // Execution-layer peering: each op-geth has the other two as devp2p peers. A member that started before
    // another's pod had a DNS name connects on a later dial round (geth redials static nodes with backoff;
    // CI once sampled 2, 1, 1 here), so wait for it rather than take one sample.
    const peerCounts = () =>
      Promise.all(
        [...podIps.keys()].map(async (pod) =>
          Number(await jsonRpc(rpcOf(pod, OP_GETH_HTTP_PORT), 'net_peerCount', [])),
        ),
      );
    const peers = await waitFor(
      'every op-geth to have the other two as devp2p peers',
      90_000,
      async () => {
        const counts = await peerCounts();
        return counts.every((n) => n >= 2) ? counts : undefined;
      },
      async () => `devp2p peers per member: ${(await peerCounts()).join(', ')}`,
    );
    log(`op-geth devp2p peers per member: ${peers.join(', ')}`);
    expect(peers.every((n) => n >= 2)).toBe(true);

    const table = await kubectl(['-n', NS, 'get', 'seqc']);
    log(`kubectl get seqc:\n${table}`);
    const leader = await leaderPod();
    expect(leader).toBeDefined();
    expect(table).toContain(leader!);
    await watcher.pollOnce();
    expectClean(auditChain(watcher.histories()));
  });

  it('op-batcher in a pod moves the safe head', async () => {
    const members = [0, 1, 2].map((i) => `${CLUSTER}-${i}.${CLUSTER}-peers.${NS}.svc.cluster.local`);
    await kubectl(
      ['-n', NS, 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'op-batcher' },
        spec: {
          securityContext: { runAsUser: 10002, runAsGroup: 10002, runAsNonRoot: true },
          containers: [
            {
              name: 'op-batcher',
              image: OP_BATCHER_IMAGE,
              imagePullPolicy: 'Never',
              args: [
                `--l1-eth-rpc=http://l1.${NS}.svc.cluster.local:8545`,
                `--l2-eth-rpc=${members.map((m) => `http://${m}:${OP_GETH_HTTP_PORT}`).join(',')}`,
                `--rollup-rpc=${members.map((m) => `http://${m}:${OP_NODE_RPC_PORT}`).join(',')}`,
                `--private-key=${batcherKey.slice(2)}`,
                '--data-availability-type=calldata',
                '--max-channel-duration=1',
                '--sub-safety-margin=4',
                '--num-confirmations=1',
                '--poll-interval=1s',
                '--resubmission-timeout=30s',
                '--safe-abort-nonce-too-low-count=3',
                '--rpc.addr=127.0.0.1',
              ],
            },
          ],
        },
      }),
    );
    const safe = await waitFor(
      'a safe head above 0 on the members',
      240_000,
      async () => {
        const pod = [...podIps.keys()][0]!;
        const status = (await jsonRpc(rpcOf(pod, OP_NODE_RPC_PORT), 'optimism_syncStatus', [])) as {
          safe_l2: { number: number };
        };
        return status.safe_l2.number > 0 ? status.safe_l2.number : undefined;
      },
      async () =>
        `${await state()}\nop-batcher:\n${await kubectl(['-n', NS, 'logs', 'op-batcher', '--tail=20']).catch(String)}`,
    );
    log(`safe head ${safe}`);
  });

  /** Audits every block seen so far; returns the largest gap since `fromMs`. */
  async function auditedGap(fromMs: number): Promise<number> {
    await refreshIps();
    await sleep(BLOCK_TIME_S * 2000);
    await watcher.pollOnce();
    const report = auditChain(watcher.histories());
    expectClean(report);
    log(
      `audit: ${JSON.stringify({ blocks: report.blocks, reorgs: report.reorgs, doubleSequenced: report.doubleSequenced })}`,
    );
    return gapIn(watcher.histories(), fromMs, Date.now());
  }

  it('delete the leader pod: another member leads, the deleted one comes back and catches up; audit clean', async () => {
    const leader = await waitFor('one leader', 60_000, leaderPod, state);
    const t0 = Date.now();
    await kubectl(['-n', NS, 'delete', 'pod', leader, '--wait=false']);
    const next = await waitFor(
      'a new leader',
      120_000,
      async () => {
        const l = await leaderPod();
        return l && l !== leader ? l : undefined;
      },
      state,
    );
    await waitFor(
      'the deleted member back, Ready, and within 2 blocks of the leader',
      600_000,
      async () => {
        const pods = await memberPods();
        if (pods.length !== 3 || !pods.every(ready)) return undefined;
        await refreshIps();
        const [mine, theirs] = await Promise.all([head(leader), head(next)]);
        return theirs - mine <= 2 ? true : undefined;
      },
      state,
    );
    const gap = await auditedGap(t0);
    log(`leader ${leader} deleted → ${next} leads; largest gap ${gap} ms (${BLOCK_TIME_S} s blocks)`);
    expect(gap).toBeLessThanOrEqual(GAP_LIMIT_MS);
  });

  it('image bump of the conductor, op-node and op-geth: one member at a time, leader last; audit clean', async () => {
    const leaderBefore = await waitFor('one leader', 60_000, leaderPod, state);
    const t0 = Date.now();
    await patchSpec({
      opNode: { image: `${OP_NODE_IMAGE}-b` },
      opGeth: { image: `${GETH_IMAGE}-b` },
      conductor: { image: 'baton:dev-b' },
    });
    await waitFor(
      'every member on the -b images and the cluster Ready',
      900_000,
      () => rolledTo(`${OP_NODE_IMAGE}-b`),
      state,
    );
    const elapsed = Date.now() - t0;
    const pods = await memberPods();
    for (const p of pods)
      expect(p.spec?.containers?.map((c) => c.image).sort()).toEqual(
        ['baton:dev-b', `${GETH_IMAGE}-b`, `${OP_NODE_IMAGE}-b`].sort(),
      );
    // The leader is restarted last: its pod is the newest.
    const newest = [...pods].sort((a, b) => created(b) - created(a))[0]!;
    expect(newest.metadata.name).toBe(leaderBefore);
    const gap = await auditedGap(t0);
    log(
      `rolled in ${Math.round(elapsed / 1000)}s, ${leaderBefore} (leader) last; largest gap ${gap} ms (${BLOCK_TIME_S} s blocks)`,
    );
    expect(gap).toBeLessThanOrEqual(GAP_LIMIT_MS);
  });

  it('scale 3 → 5 → 3: members join as voters and leave again, the chain keeps going; audit clean', async () => {
    const t0 = Date.now();
    await patchSpec({ replicas: 5 });
    await waitFor('5 voters, the cluster Ready', 600_000, () => votersReady(5), state);
    await refreshIps();
    watcher.add([3, 4].map((i) => `${CLUSTER}-${i}`).map((pod) => ({ id: pod, url: () => gethUrl(pod) })));
    await waitFor(
      'the new members within 2 blocks of the others',
      300_000,
      async () => {
        const heads = await Promise.all([...podIps.keys()].map(head));
        return Math.max(...heads) - Math.min(...heads) <= 2 ? true : undefined;
      },
      state,
    );
    log(`3 → 5 in ${Math.round((Date.now() - t0) / 1000)}s`);
    const t1 = Date.now();
    await patchSpec({ replicas: 3 });
    await waitFor(
      '3 voters, 3 pods, the cluster Ready',
      600_000,
      async () => {
        const pods = await memberPods();
        return pods.length === 3 ? votersReady(3) : undefined;
      },
      state,
    );
    for (const pod of [3, 4].map((i) => `${CLUSTER}-${i}`)) podIps.delete(pod);
    log(`5 → 3 in ${Math.round((Date.now() - t1) / 1000)}s`);
    const gap = await auditedGap(t0);
    log(`largest gap while scaling ${gap} ms`);
    expect(gap).toBeLessThanOrEqual(GAP_LIMIT_MS);
  });

  it('a bad image tag stalls the roll with quorum intact, and the corrected tag finishes it', async () => {
    const t0 = Date.now();
    await patchSpec({
      opNode: { image: 'baton.local/op-node:no-such-tag' },
      updateStrategy: { memberRestartTimeout: '45s' },
    });
    const stalled = await waitFor(
      'Stalled=True naming the member that does not come back',
      300_000,
      async () => {
        const c = await json<ClusterJson>(['-n', NS, 'get', 'sequencercluster', CLUSTER]);
        const cond = c.status?.conditions?.find((x) => x.type === 'Stalled');
        return cond?.status === 'True' ? cond : undefined;
      },
      state,
    );
    log(`stalled: ${stalled.reason}: ${stalled.message}`);
    expect(stalled.reason).toBe('MemberRestartTimeout');
    // Only one member was taken down for it: the other two still sequence and commit.
    const pods = await memberPods();
    expect(pods.filter((p) => !ready(p))).toHaveLength(1);
    const before = Math.max(...(await Promise.all(pods.filter(ready).map((p) => head(p.metadata.name)))));
    await sleep(BLOCK_TIME_S * 3000);
    const after = Math.max(...(await Promise.all(pods.filter(ready).map((p) => head(p.metadata.name)))));
    expect(after).toBeGreaterThanOrEqual(before + 2);

    await patchSpec({ opNode: { image: OP_NODE_IMAGE } });
    await waitFor(
      'every member on the corrected image and the cluster Ready',
      900_000,
      () => rolledTo(OP_NODE_IMAGE),
      state,
    );
    const c = await json<ClusterJson>(['-n', NS, 'get', 'sequencercluster', CLUSTER]);
    expect(c.status?.conditions?.find((x) => x.type === 'Stalled')?.status).toBe('False');
    const gap = await auditedGap(t0);
    log(
      `bad tag → stalled → corrected → rolled in ${Math.round((Date.now() - t0) / 1000)}s; largest gap ${gap} ms`,
    );
    expect(gap).toBeLessThanOrEqual(GAP_LIMIT_MS);
  });
});

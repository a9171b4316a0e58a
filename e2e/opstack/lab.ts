/**
 * The real OP Stack on loopback: an L1 dev chain (op-geth `--dev`), and per member an unmodified op-geth,
 * an unmodified op-node (`--sequencer.enabled --sequencer.stopped --conductor.enabled`) and a Baton
 * conductor, plus op-batcher so the safe head moves. The devnet is generated here (devnet/genesis.ts):
 * nothing is deployed on L1 but the unsafe-block signer slot. Every fact this relies on is in
 * docs/opstack.md.
 *
 * The cluster forms as the operator forms it: member 0 bootstraps Raft, the others join as non-voters and
 * are promoted. The chain watcher records every block each op-geth makes canonical, for the auditor.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1';
import { type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { batonEntry, freePort, sleep } from '../../conductor/localcluster/cluster.js';
import { ConductorClient } from '../../conductor/rpc/client.js';
import { p2pPeerId } from '../../operator/render/p2p.js';
import { auditChain, type AuditReport } from '../sim/audit/audit.js';
import { ChainWatcher } from './chain-watcher.js';
import { l2Genesis, rollupConfig } from './devnet/genesis.js';
import { prepareDevL1, type L1Genesis } from './devnet/l1.js';
import { publishedWithoutCommit, readSealedBlocks, type SealedBlock } from './op-node-log.js';
import { jsonRpc, LabProcess, runToCompletion } from './process.js';

export interface OpStackBinaries {
  readonly geth: string;
  readonly opNode: string;
  readonly opBatcher: string;
  /** Upstream op-conductor, for the benchmarks that compare Baton with it on the same devnet. */
  readonly opConductor?: string;
}

/** Which conductor the members run: Baton's, or upstream op-conductor v1.19.6 (the benchmarks' reference). */
export type ConductorKind = 'baton' | 'op-conductor';

export interface OpStackLabOptions {
  readonly nodes: number;
  readonly binaries: OpStackBinaries;
  readonly heartbeatTimeoutMs?: number;
  readonly leaseTimeoutMs?: number;
  readonly batcher?: boolean;
  /** More flags for one member's conductor (either implementation), e.g. `--pprof.enabled` when profiling. */
  readonly extraConductorArgs?: (memberId: string) => readonly string[];
  /** Default 'baton'; switchConductors() changes it on a running devnet. */
  readonly conductor?: ConductorKind;
  /**
   * How to run `baton` (a node entry: what follows process.execPath, before `conductor`). Default: this source
   * tree as it runs (tsx from sources, or the compiled output); the benchmarks pass a compiled build, as the
   * image runs.
   */
  readonly batonEntry?: readonly string[];
  readonly progress?: (line: string) => void;
}

export type Role = 'geth' | 'node' | 'conductor';

interface Ports {
  gethHttp: number;
  gethAuth: number;
  gethP2p: number;
  nodeRpc: number;
  nodeP2p: number;
  raft: number;
  conductorRpc: number;
}

export interface OpStackMember {
  readonly id: string;
  readonly index: number;
  readonly ports: Ports;
  readonly dir: string;
  readonly gethKey: Hex;
  readonly p2pKey: Hex;
  readonly processes: Map<Role, LabProcess>;
}

export interface OpStackView {
  readonly id: string;
  readonly up: boolean;
  readonly leader: boolean;
  readonly active: boolean;
  readonly healthy: boolean;
  readonly head: number | null;
  readonly safeHead: number | null;
}

export interface OpStackAudit extends AuditReport {
  /** Highest safe head any op-node reports (the batcher's batches derived back from L1). */
  safeHead: number;
  /** Blocks an op-node sealed whose conductor commit failed: none of them may be on any op-geth. */
  withheld: number;
  withheldPublished: number;
}

const L1_CHAIN_ID = 1337;
const L2_CHAIN_ID = 901;
const L2_GAS_LIMIT = 30_000_000;
/** A clean geth shutdown journals its in-memory state; killed sooner, it restarts on older state and rewinds. */
const GETH_SHUTDOWN_GRACE_MS = 60_000;

export class OpStackLab {
  readonly members: OpStackMember[] = [];
  dir = '';
  private l1: LabProcess | null = null;
  private batcher: LabProcess | null = null;
  private l1Port = 0;
  private readonly sequencerKey = generatePrivateKey();
  private readonly batcherKey = generatePrivateKey();
  private readonly watcher = new ChainWatcher();
  /** The conductor implementation the members run now, and how many Raft clusters this devnet has had. */
  private conductorKind: ConductorKind;
  private raftGeneration = 0;
  private conductorsPaused = false;

  constructor(private readonly options: OpStackLabOptions) {
    this.conductorKind = options.conductor ?? 'baton';
  }

  get conductor(): ConductorKind {
    return this.conductorKind;
  }

  private progress(line: string): void {
    this.options.progress?.(line);
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  async start(): Promise<void> {
    const started = Date.now();
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'baton-opstack-'));
    await writeFile(this.file('jwt.hex'), randomBytes(32).toString('hex'));
    for (let index = 0; index < this.options.nodes; index++) {
      const id = `node-${index}`;
      const dir = this.file(id);
      await mkdir(dir, { recursive: true });
      const p2pKey = generatePrivateKey();
      await writeFile(path.join(dir, 'p2p.key'), p2pKey.slice(2));
      this.members.push({
        id,
        index,
        dir,
        gethKey: generatePrivateKey(),
        p2pKey,
        ports: {
          gethHttp: await freePort(),
          gethAuth: await freePort(),
          gethP2p: await freePort(),
          nodeRpc: await freePort(),
          nodeP2p: await freePort(),
          raft: await freePort(),
          conductorRpc: await freePort(),
        },
        processes: new Map(),
      });
    }
    this.progress(`devnet in ${this.dir}: starting the L1 dev chain`);
    await this.startL1();
    const l1Genesis = await this.prepareL1();
    this.progress(
      `L1 ready at block ${l1Genesis.number}; writing the L2 genesis and initialising ${this.members.length} op-geths`,
    );
    const l2Time = Math.max(Math.floor(Date.now() / 1000), l1Genesis.timestamp);
    await writeFile(
      this.file('genesis.json'),
      JSON.stringify(
        l2Genesis({ l2ChainId: L2_CHAIN_ID, timestamp: l2Time, gasLimit: L2_GAS_LIMIT }),
        null,
        2,
      ),
    );
    await Promise.all(
      this.members.map((member) =>
        runToCompletion(
          `${member.id} geth init`,
          this.options.binaries.geth,
          [
            'init',
            `--datadir=${path.join(member.dir, 'geth')}`,
            '--state.scheme=path',
            this.file('genesis.json'),
          ],
          path.join(member.dir, 'geth-init.log'),
        ),
      ),
    );
    for (const member of this.members) await this.startRole(member, 'geth');
    const l2GenesisHash = await this.genesisHash();
    await writeFile(
      this.file('rollup.json'),
      JSON.stringify(
        rollupConfig({
          l1ChainId: L1_CHAIN_ID,
          l2ChainId: L2_CHAIN_ID,
          l1Genesis,
          l2GenesisHash,
          l2GenesisTime: l2Time,
          blockTimeSeconds: 1,
          gasLimit: L2_GAS_LIMIT,
          batcher: privateKeyToAccount(this.batcherKey).address,
          systemConfig: l1Genesis.systemConfig,
        }),
        null,
        2,
      ),
    );
    this.progress(`L2 genesis ${l2GenesisHash}; starting op-nodes and conductors`);
    for (const member of this.members) await this.startRole(member, 'node');
    for (const member of this.members) await this.startRole(member, 'conductor');
    await this.form();
    if (this.options.batcher ?? true) await this.startBatcher();
    this.watcher.start(this.members.map((m) => ({ id: m.id, url: `http://127.0.0.1:${m.ports.gethHttp}` })));
    this.progress(`devnet up in ${Math.round((Date.now() - started) / 1000)}s`);
  }

  private async startL1(): Promise<void> {
    this.l1Port = await freePort();
    this.l1 = new LabProcess({
      name: 'L1 geth --dev',
      command: this.options.binaries.geth,
      args: [
        '--dev',
        '--dev.period=2',
        // With the default 2 s recommit the dev chain can stop for good after ~40 blocks (op-geth issue 288).
        '--miner.recommit=400ms',
        `--datadir=${this.file('l1')}`,
        '--http',
        '--http.addr=127.0.0.1',
        `--http.port=${this.l1Port}`,
        '--http.api=eth,net,web3,debug,txpool',
        `--authrpc.port=${await freePort()}`,
        `--port=${await freePort()}`,
        '--nodiscover',
        '--maxpeers=0',
        '--nat=none',
        '--ipcdisable',
        '--cache=128',
      ],
      logFile: this.file('l1.log'),
      readyUrl: this.l1Url,
    });
    await this.l1.start((line) => this.progress(line));
  }

  get l1Url(): string {
    return `http://127.0.0.1:${this.l1Port}`;
  }

  private async prepareL1(): Promise<L1Genesis> {
    const { l1Genesis, l1ChainConfig } = await prepareDevL1(this.l1Url, {
      sequencer: privateKeyToAccount(this.sequencerKey).address,
      batcher: privateKeyToAccount(this.batcherKey).address,
      logHint: this.file('l1.log'),
    });
    await writeFile(this.file('l1-chain-config.json'), JSON.stringify(l1ChainConfig, null, 2));
    return l1Genesis;
  }

  /** Every op-geth must have written the same genesis block. */
  private async genesisHash(): Promise<Hex> {
    const hashes = await Promise.all(
      this.members.map(
        async (m) => ((await this.gethRpc(m, 'eth_getBlockByNumber', ['0x0', false])) as { hash: Hex }).hash,
      ),
    );
    if (new Set(hashes).size !== 1)
      throw new Error(`the op-geths disagree on the L2 genesis: ${hashes.join(', ')}`);
    return hashes[0]!;
  }

  private spec(member: OpStackMember, role: Role): LabProcess {
    const { ports } = member;
    const others = this.members.filter((other) => other !== member);
    const jwt = this.file('jwt.hex');
    switch (role) {
      case 'geth':
        return new LabProcess({
          name: `${member.id} op-geth`,
          command: this.options.binaries.geth,
          args: [
            `--datadir=${path.join(member.dir, 'geth')}`,
            '--state.scheme=path',
            '--syncmode=full',
            '--http',
            '--http.addr=127.0.0.1',
            `--http.port=${ports.gethHttp}`,
            '--http.api=eth,net,web3,debug,admin,txpool,miner',
            '--authrpc.addr=127.0.0.1',
            `--authrpc.port=${ports.gethAuth}`,
            `--authrpc.jwtsecret=${jwt}`,
            `--port=${ports.gethP2p}`,
            `--nodekeyhex=${member.gethKey.slice(2)}`,
            '--nodiscover',
            '--netrestrict=127.0.0.0/8',
            '--nat=none',
            '--maxpeers=16',
            '--ipcdisable',
            '--cache=128',
            '--rollup.disabletxpoolgossip',
          ],
          logFile: path.join(member.dir, 'op-geth.log'),
          readyUrl: `http://127.0.0.1:${ports.gethHttp}`,
        });
      case 'node':
        return new LabProcess({
          name: `${member.id} op-node`,
          command: this.options.binaries.opNode,
          args: [
            `--l1=${this.l1Url}`,
            '--l1.beacon.ignore',
            '--l1.http-poll-interval=1s',
            `--rollup.config=${this.file('rollup.json')}`,
            `--rollup.l1-chain-config=${this.file('l1-chain-config.json')}`,
            `--l2=http://127.0.0.1:${ports.gethAuth}`,
            `--l2.jwt-secret=${jwt}`,
            '--l2.enginekind=geth',
            '--rpc.addr=127.0.0.1',
            `--rpc.port=${ports.nodeRpc}`,
            '--rpc.enable-admin',
            '--sequencer.enabled',
            '--sequencer.stopped',
            '--sequencer.l1-confs=0',
            '--verifier.l1-confs=0',
            '--conductor.enabled',
            `--conductor.rpc=http://127.0.0.1:${ports.conductorRpc}`,
            `--p2p.sequencer.key=${this.sequencerKey.slice(2)}`,
            `--p2p.priv.path=${path.join(member.dir, 'p2p.key')}`,
            '--p2p.listen.ip=127.0.0.1',
            `--p2p.listen.tcp=${ports.nodeP2p}`,
            `--p2p.listen.udp=${ports.nodeP2p}`,
            '--p2p.no-discovery',
            // Without bootnodes op-node resolves its public defaults by DNS, which fails offline.
            `--p2p.bootnodes=${enode(member.gethKey, ports.nodeP2p)}`,
            `--p2p.static=${others.map((o) => `/ip4/127.0.0.1/tcp/${o.ports.nodeP2p}/p2p/${p2pPeerId(o.p2pKey)}`).join(',')}`,
            '--p2p.netrestrict=127.0.0.0/8',
            '--p2p.peerstore.path=memory',
            '--p2p.discovery.path=memory',
            '--log.format=json',
          ],
          logFile: path.join(member.dir, 'op-node.log'),
          readyUrl: `http://127.0.0.1:${ports.nodeRpc}`,
          readyMethod: 'optimism_version',
        });
      case 'conductor':
        return this.conductorSpec(member);
    }
  }

  /**
   * The same settings for either implementation, so a benchmark compares the conductors and nothing else:
   * Raft timeouts, health check interval and thresholds, the op-node and op-geth it watches.
   */
  private conductorSpec(member: OpStackMember): LabProcess {
    const { ports } = member;
    const common = [
      '--consensus.addr=127.0.0.1',
      `--consensus.port=${ports.raft}`,
      `--raft.server.id=${member.id}`,
      `--raft.storage.dir=${path.join(member.dir, this.raftGeneration === 0 ? 'raft' : `raft-${this.raftGeneration}`)}`,
      `--raft.heartbeat-timeout=${this.options.heartbeatTimeoutMs ?? 500}ms`,
      `--raft.lease-timeout=${this.options.leaseTimeoutMs ?? 250}ms`,
      ...(member.index === 0 && !this.formed ? ['--raft.bootstrap'] : []),
      ...(this.conductorsPaused ? ['--paused'] : []),
      `--node.rpc=http://127.0.0.1:${ports.nodeRpc}`,
      `--execution.rpc=http://127.0.0.1:${ports.gethHttp}`,
      '--healthcheck.interval=1',
      // Ten block times: a member that restarts a few blocks behind is still healthy enough to lead and be
      // caught up by its conductor, as on a production chain with 2 s blocks and a 10–20 s interval.
      '--healthcheck.unsafe-interval=10',
      '--healthcheck.min-peer-count=1',
      '--rpc.addr=127.0.0.1',
      `--rpc.port=${ports.conductorRpc}`,
      // info: leadership changes, control actions and catch-up are the evidence a failed test needs.
      '--log.level=info',
      ...(this.options.extraConductorArgs?.(member.id) ?? []),
    ];
    const rpc = `http://127.0.0.1:${ports.conductorRpc}`;
    if (this.conductorKind === 'op-conductor') {
      const binary = this.options.binaries.opConductor;
      if (!binary)
        throw new Error('the lab runs upstream op-conductor, but no op-conductor binary was given');
      return new LabProcess({
        name: `${member.id} op-conductor`,
        command: binary,
        // op-conductor needs the rollup config (Baton does not); no proxy: op-batcher talks to op-node itself.
        args: [...common, `--rollup.config=${this.file('rollup.json')}`, '--rpc.enable-proxy=false'],
        logFile: path.join(member.dir, `op-conductor-${this.raftGeneration}.log`),
        readyUrl: rpc,
        readyMethod: 'conductor_active',
      });
    }
    return new LabProcess({
      name: `${member.id} conductor`,
      command: process.execPath,
      args: [...(this.options.batonEntry ?? batonEntry()), 'conductor', ...common],
      logFile: path.join(member.dir, 'conductor.log'),
      readyUrl: rpc,
      // The same readiness request as op-conductor's above: the bench compares the two start times.
      readyMethod: 'conductor_active',
    });
  }

  /**
   * Replaces every member's conductor with a fresh Raft cluster of `kind` on the same devnet (same op-geths,
   * op-nodes, ports and timeouts): stops the conductors, stops every sequencer, starts the new conductors on
   * empty Raft storage and forms the cluster. Unless `paused`, sequencing resumes: Baton starts the sequencer
   * itself on an empty log; op-conductor cannot (its leader needs a committed head, ErrNoUnsafeHead), so it is
   * started paused, the leader's op-node is started by hand as op-conductor's runbook does, and the conductors
   * are resumed once the first block is committed.
   */
  async switchConductors(kind: ConductorKind, options: { paused?: boolean } = {}): Promise<void> {
    await Promise.all(this.members.map((m) => m.processes.get('conductor')?.stop(10_000)));
    for (const member of this.members)
      await this.nodeRpc(member, 'admin_stopSequencer').catch(() => undefined); // not sequencing: nothing to stop
    this.conductorKind = kind;
    this.raftGeneration++;
    this.formed = false;
    const bootstrapByHand = kind === 'op-conductor' && !options.paused;
    this.conductorsPaused = (options.paused ?? false) || bootstrapByHand;
    for (const member of this.members) await this.startRole(member, 'conductor');
    await this.form();
    if (bootstrapByHand) {
      const leader = await this.leader();
      if (!leader) throw new Error(`the ${kind} cluster formed but reports no leader`);
      const status = (await this.nodeRpc(leader, 'optimism_syncStatus')) as { unsafe_l2: { hash: Hex } };
      await this.nodeRpc(leader, 'admin_startSequencer', [status.unsafe_l2.hash]);
      await this.waitFor(
        async () =>
          (await this.nodeRpc(leader, 'optimism_syncStatus').then((s) => s as { unsafe_l2: { hash: Hex } }))
            .unsafe_l2.hash !== status.unsafe_l2.hash,
        30_000,
        `${leader.id}'s first block under ${kind}`,
      );
      for (const member of this.members) await this.client(member).resume();
    }
    // A later restart of a conductor must come back as it runs now (a restarted paused conductor stays paused).
    this.conductorsPaused = options.paused ?? false;
  }

  private formed = false;

  /** Starts (or restarts) one process of a member and waits until it answers. */
  async startRole(member: OpStackMember, role: Role): Promise<void> {
    const process = this.spec(member, role);
    member.processes.set(role, process);
    await process.start((line) => this.progress(line));
    // Execution-layer peering: op-node v1.19 has no req-resp sync, so a restarted member fills a gap only
    // through op-geth's own sync from its peers. admin_addPeer makes a static peer that geth keeps redialling.
    if (role === 'geth')
      for (const other of this.members)
        if (other !== member)
          await this.gethRpc(member, 'admin_addPeer', [enode(other.gethKey, other.ports.gethP2p)]);
  }

  /** Adds every member after the first to Raft — non-voter, then voter — through the current leader. */
  private async form(): Promise<void> {
    const deadline = Date.now() + 90_000;
    let lastError = '';
    while (Date.now() < deadline) {
      try {
        const leader = await this.leader();
        if (!leader) throw new Error('no leader yet');
        const client = this.client(leader);
        const membership = await client.clusterMembership();
        const missing = this.members.find(
          (m) => !membership.servers.some((s) => s.id === m.id && s.suffrage === 0),
        );
        if (!missing) {
          this.formed = true;
          return;
        }
        const address = `127.0.0.1:${missing.ports.raft}`;
        if (!membership.servers.some((s) => s.id === missing.id))
          await client.addServerAsNonvoter(missing.id, address, membership.version);
        else {
          await client.addServerAsVoter(missing.id, address, membership.version);
          this.progress(`${missing.id} joined the Raft cluster as a voter`);
        }
      } catch (error) {
        lastError = (error as Error).message;
        await sleep(250);
      }
    }
    throw new Error(`the Raft cluster did not form within 90s: ${lastError}`);
  }

  private async startBatcher(): Promise<void> {
    this.batcher = new LabProcess({
      name: 'op-batcher',
      command: this.options.binaries.opBatcher,
      args: [
        `--l1-eth-rpc=${this.l1Url}`,
        // Every member: the batcher follows whichever op-node is the active sequencer.
        `--l2-eth-rpc=${this.members.map((m) => `http://127.0.0.1:${m.ports.gethHttp}`).join(',')}`,
        `--rollup-rpc=${this.members.map((m) => `http://127.0.0.1:${m.ports.nodeRpc}`).join(',')}`,
        `--private-key=${this.batcherKey.slice(2)}`,
        '--data-availability-type=calldata',
        '--max-channel-duration=1',
        '--sub-safety-margin=4',
        '--num-confirmations=1',
        '--poll-interval=1s',
        '--resubmission-timeout=30s',
        '--safe-abort-nonce-too-low-count=3',
        '--rpc.addr=127.0.0.1',
        `--rpc.port=${await freePort()}`,
        '--log.format=json',
      ],
      logFile: this.file('op-batcher.log'),
      readyUrl: null,
    });
    await this.batcher.start((line) => this.progress(line));
  }

  // --- faults ---

  /** SIGKILL (or SIGSTOP/SIGCONT) one process of a member. */
  async signal(member: OpStackMember, role: Role, signal: NodeJS.Signals): Promise<void> {
    await member.processes.get(role)?.signal(signal);
  }

  /**
   * Cuts (false) or restores (true) one member's execution-layer peering, both ways. With it cut, a restarted
   * op-node cannot fill a gap in its chain through op-geth's sync, so only its conductor's catch-up can.
   */
  async setExecutionPeering(member: OpStackMember, connected: boolean): Promise<void> {
    const method = connected ? 'admin_addPeer' : 'admin_removePeer';
    for (const other of this.members) {
      if (other === member) continue;
      await this.gethRpc(member, method, [enode(other.gethKey, other.ports.gethP2p)]);
      await this.gethRpc(other, method, [enode(member.gethKey, member.ports.gethP2p)]);
    }
  }

  /** Each member's op-node unsafe head, asked of the op-node alone (null: not answering). */
  async unsafeHeads(): Promise<(number | null)[]> {
    return Promise.all(
      this.members.map((member) =>
        this.nodeRpc(member, 'optimism_syncStatus').then(
          (s) => (s as { unsafe_l2: { number: number } }).unsafe_l2.number,
          () => null,
        ),
      ),
    );
  }

  async restartRole(member: OpStackMember, role: Role): Promise<void> {
    await this.startRole(member, role);
  }

  /**
   * Stops every member the way an operator restarts a whole cluster (SIGTERM; conductors first so no one hands
   * leadership to a member about to stop, op-geths last with time to write their state) and starts them again
   * from their disks, op-geths first.
   */
  async restartAll(): Promise<void> {
    for (const role of ['conductor', 'node', 'geth'] as const)
      await Promise.all(this.members.map((m) => m.processes.get(role)?.stop(GETH_SHUTDOWN_GRACE_MS)));
    for (const member of this.members) await this.startRole(member, 'geth');
    for (const member of this.members) await this.startRole(member, 'node');
    for (const member of this.members) await this.startRole(member, 'conductor');
  }

  // --- observation ---

  client(member: OpStackMember): ConductorClient {
    return new ConductorClient(`http://127.0.0.1:${member.ports.conductorRpc}`, { timeoutMs: 2000 });
  }

  isUp(member: OpStackMember, role: Role = 'conductor'): boolean {
    return member.processes.get(role)?.running ?? false;
  }

  gethRpc(member: OpStackMember, method: string, params: unknown[] = []): Promise<unknown> {
    return jsonRpc(`http://127.0.0.1:${member.ports.gethHttp}`, method, params, 3000);
  }

  nodeRpc(member: OpStackMember, method: string, params: unknown[] = []): Promise<unknown> {
    return jsonRpc(`http://127.0.0.1:${member.ports.nodeRpc}`, method, params, 3000);
  }

  async leader(): Promise<OpStackMember | null> {
    for (const member of this.members) {
      if (!this.isUp(member)) continue;
      if (
        await this.client(member)
          .leader()
          .catch(() => false)
      )
        return member;
    }
    return null;
  }

  async view(member: OpStackMember): Promise<OpStackView> {
    const client = this.client(member);
    const [leader, healthy, status, active] = await Promise.all([
      this.isUp(member) ? client.leader().catch(() => false) : false,
      this.isUp(member) ? client.sequencerHealthy().catch(() => false) : false,
      this.nodeRpc(member, 'optimism_syncStatus').then(
        (s) => s as { unsafe_l2: { number: number }; safe_l2: { number: number } },
        () => null,
      ),
      this.nodeRpc(member, 'admin_sequencerActive').then(
        (v) => v === true,
        () => false,
      ),
    ]);
    return {
      id: member.id,
      up: this.isUp(member) || this.isUp(member, 'node'),
      leader,
      active,
      healthy,
      head: status?.unsafe_l2.number ?? null,
      safeHead: status?.safe_l2.number ?? null,
    };
  }

  /** Canonical block number → hash on one op-geth, for heights 1..`upTo`. */
  async canonicalHashes(member: OpStackMember, upTo: number): Promise<Map<number, Hex>> {
    const hashes = new Map<number, Hex>();
    for (let n = 1; n <= upTo; n++) {
      const block = (await this.gethRpc(member, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as {
        hash: Hex;
      } | null;
      if (block) hashes.set(n, block.hash);
    }
    return hashes;
  }

  /** Blocks each op-node sealed, read from its log, with whether its conductor commit succeeded. */
  async sealedBlocks(): Promise<SealedBlock[]> {
    const all: SealedBlock[] = [];
    for (const member of this.members) {
      const text = await readFile(path.join(member.dir, 'op-node.log'), 'utf8').catch(() => '');
      all.push(...readSealedBlocks(member.id, text));
    }
    return all;
  }

  /**
   * The chain auditor over what every op-geth made canonical (watched all along) and every op-node's log:
   * no height with two hashes, nothing canonical replaced, and no block whose commit failed published.
   */
  async audit(): Promise<OpStackAudit> {
    await this.watcher.pollOnce();
    const sealed = await this.sealedBlocks();
    const committed = sealed.filter((b) => b.committed);
    const report = auditChain([
      ...this.watcher.histories(),
      {
        id: 'sealed-and-committed',
        inserted: [],
        published: committed.map((b) => ({ ...b, parentHash: b.hash })),
      },
    ]);
    delete report.heads['sealed-and-committed'];
    const onChain = new Set(this.watcher.allHashes());
    const withheld = sealed.filter((b) => !b.committed);
    const withheldPublished = publishedWithoutCommit(sealed, onChain);
    for (const b of withheldPublished)
      report.issues.push({
        kind: 'doubleSequenced',
        node: b.node,
        number: b.number,
        detail: `${b.hash}: its commit failed, yet it is on an op-geth`,
      });
    const views = await Promise.all(this.members.map((m) => this.view(m)));
    return {
      ...report,
      safeHead: Math.max(0, ...views.map((v) => v.safeHead ?? 0)),
      withheld: withheld.length,
      withheldPublished: withheldPublished.length,
    };
  }

  async waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await condition().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
  }

  async stop(options: { keep?: boolean } = {}): Promise<void> {
    this.watcher.stop();
    await this.batcher?.stop(3000);
    await Promise.all(this.members.flatMap((m) => [...m.processes.values()].map((p) => p.stop(5000))));
    await this.l1?.stop(5000);
    if (this.dir && !options.keep) await rm(this.dir, { recursive: true, force: true });
  }
}

/** A devp2p enode URL on loopback for a secp256k1 node key. */
function enode(nodeKey: Hex, port: number): string {
  const publicKey = Buffer.from(secp256k1.getPublicKey(nodeKey.slice(2), false)).toString('hex');
  return `enode://${publicKey.slice(2)}@127.0.0.1:${port}`;
}

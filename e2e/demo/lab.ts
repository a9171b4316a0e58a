/**
 * A local HA sequencer cluster of real processes: per member a simulated op-geth, a simulated op-node
 * (conductor-enabled, gossiping to the others) and a Baton conductor — wired exactly as the operator
 * wires a pod. The cluster forms the way a real one does: member 0 bootstraps, the others are added
 * through `conductor_addServerAsNonvoter` / `conductor_addServerAsVoter`.
 *
 * Used by `npm run demo`, `npm run bench -- failover` and the end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { randomBytes } from 'node:crypto';
import { batonEntry, freePort, sleep } from '../../conductor/localcluster/cluster.js';
import { LinkProxy } from '../../conductor/localcluster/proxy.js';
import { ConductorClient } from '../../conductor/rpc/client.js';
import { auditChain, type AuditNodeHistory, type AuditReport } from '../sim/audit/audit.js';

export interface LabOptions {
  readonly nodes: number;
  readonly blockTimeMs?: number;
  readonly payloadBytes?: number;
  readonly heartbeatTimeoutMs?: number;
  readonly leaseTimeoutMs?: number;
  readonly logLevel?: string;
  readonly progress?: (line: string) => void;
  /** Where a member keeps its Raft log (default: under the lab's temporary directory). */
  readonly raftStorageDir?: (memberId: string) => string | undefined;
  /**
   * How old the unsafe head may be before a member reports unhealthy, in seconds (default: 5, or three block
   * times when that is longer — a chain whose block takes longer to build than the interval allows would
   * otherwise never be healthy).
   */
  readonly unsafeIntervalS?: number;
  /** More `baton conductor` flags for a member (rollup-boost health checks, profiling, …). */
  readonly extraConductorArgs?: (memberId: string) => readonly string[];
  /** How long one process may take to answer on its RPC port after it is spawned (default 120 s). */
  readonly startTimeoutMs?: number;
}

const ROLE_NAMES = {
  geth: 'op-geth (baton sim op-geth)',
  node: 'op-node (baton sim op-node)',
  conductor: 'conductor',
};

/** What a failed connection attempt says, in a few words (fetch wraps the socket error in `cause`). */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if ((error as Error).name === 'TimeoutError') return 'no answer within 2s';
  return (cause?.message ?? (error as Error).message) || String(error);
}

interface Ports {
  gethHttp: number;
  gethAuth: number;
  nodeRpc: number;
  nodeP2p: number;
  raft: number;
  conductorRpc: number;
  conductorMetrics: number;
}

export interface Member {
  readonly id: string;
  readonly ports: Ports;
  readonly processes: Map<'geth' | 'node' | 'conductor', ChildProcess>;
  readonly specs: Map<'geth' | 'node' | 'conductor', { args: string[]; url: string }>;
  /** Histories of earlier incarnations (a restart starts a new history); kept for the audit. */
  readonly pastHistories: AuditNodeHistory[];
  incarnation: number;
  logTail: string[];
  /** True while launch() is bringing its processes up (a status line says "starting", not "down"). */
  starting: boolean;
}

export interface MemberView {
  readonly id: string;
  readonly up: boolean;
  readonly starting: boolean;
  readonly leader: boolean;
  readonly active: boolean;
  readonly healthy: boolean;
  readonly head: number | null;
}

export class SequencerLab {
  readonly members: Member[] = [];
  /** proxies.get(from).get(to): the Raft link `from` dials to reach `to`, cuttable for partitions. */
  private readonly proxies = new Map<string, Map<string, LinkProxy>>();
  private dir = '';
  private jwtFile = '';
  /** The chain's p2p sequencer key: every member signs its gossip with it, and accepts only its blocks. */
  private readonly sequencerKey = `0x${randomBytes(32).toString('hex')}`;
  private genesisTime = 0;

  constructor(private readonly options: LabOptions) {}

  private unsafeIntervalS(): number {
    return (
      this.options.unsafeIntervalS ?? Math.max(5, Math.ceil((3 * (this.options.blockTimeMs ?? 250)) / 1000))
    );
  }

  private progress(line: string): void {
    this.options.progress?.(line);
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'baton-lab-'));
    this.jwtFile = path.join(this.dir, 'jwt.hex');
    await writeFile(this.jwtFile, randomBytes(32).toString('hex'));
    this.genesisTime = Math.floor(Date.now() / 1000);
    for (let i = 0; i < this.options.nodes; i++) {
      this.members.push({
        id: `node-${i}`,
        ports: {
          gethHttp: await freePort(),
          gethAuth: await freePort(),
          nodeRpc: await freePort(),
          nodeP2p: await freePort(),
          raft: await freePort(),
          conductorRpc: await freePort(),
          conductorMetrics: await freePort(),
        },
        processes: new Map(),
        specs: new Map(),
        pastHistories: [],
        incarnation: 0,
        logTail: [],
        starting: false,
      });
    }
    for (const from of this.members) {
      const links = new Map<string, LinkProxy>();
      for (const to of this.members) {
        if (from === to) continue;
        const proxy = new LinkProxy({ host: '127.0.0.1', port: to.ports.raft });
        await proxy.start();
        links.set(to.id, proxy);
      }
      this.proxies.set(from.id, links);
    }
    this.progress(`starting ${this.members.length} members (op-geth, op-node, conductor each)…`);
    await Promise.all(this.members.map((member, i) => this.launch(member, i === 0)));
    await this.form();
  }

  /**
   * Adds every member after the first to the Raft cluster — non-voter first, then voter — through
   * whichever member currently leads, retrying while leadership moves (as an operator would).
   */
  private async form(): Promise<void> {
    const deadline = Date.now() + 60_000;
    let lastError = '';
    while (Date.now() < deadline) {
      try {
        const leader = await this.leader();
        if (!leader) throw new Error('no leader yet');
        const client = this.client(leader);
        const membership = await client.clusterMembership();
        const missing = this.members.find(
          (member) => !membership.servers.some((server) => server.id === member.id && server.suffrage === 0),
        );
        if (!missing) return;
        const address = `127.0.0.1:${missing.ports.raft}`;
        const known = membership.servers.some((server) => server.id === missing.id);
        if (!known) await client.addServerAsNonvoter(missing.id, address, membership.version);
        else await client.addServerAsVoter(missing.id, address, membership.version);
        if (known) this.progress(`${missing.id} joined the Raft cluster as a voter`);
      } catch (error) {
        lastError = (error as Error).message;
        await sleep(200);
      }
    }
    throw new Error(`the Raft cluster did not form within 60s: ${lastError}`);
  }

  async launch(member: Member, bootstrap: boolean): Promise<void> {
    member.starting = true;
    try {
      await this.launchProcesses(member, bootstrap);
    } finally {
      member.starting = false;
    }
  }

  private async launchProcesses(member: Member, bootstrap: boolean): Promise<void> {
    member.incarnation++;
    const { ports } = member;
    const dataDir = path.join(this.dir, member.id);
    const peers = this.members
      .filter((other) => other !== member)
      .map((other) => `127.0.0.1:${other.ports.nodeP2p}`)
      .join(',');
    await this.spawnReady(
      member,
      'geth',
      [
        'sim',
        'op-geth',
        `--http.port=${ports.gethHttp}`,
        `--authrpc.port=${ports.gethAuth}`,
        `--authrpc.jwtsecret=${this.jwtFile}`,
        `--datadir=${path.join(dataDir, 'geth')}`,
        `--sim.genesis-time=${this.genesisTime}`,
      ],
      `http://127.0.0.1:${ports.gethHttp}`,
    );
    await this.spawnReady(
      member,
      'node',
      [
        'sim',
        'op-node',
        `--l2=http://127.0.0.1:${ports.gethAuth}`,
        `--l2.jwt-secret=${this.jwtFile}`,
        '--rpc.addr=127.0.0.1',
        `--rpc.port=${ports.nodeRpc}`,
        '--rpc.enable-admin',
        '--sequencer.enabled',
        '--conductor.enabled',
        `--conductor.rpc=http://127.0.0.1:${ports.conductorRpc}`,
        '--p2p.listen.ip=127.0.0.1',
        `--p2p.listen.tcp=${ports.nodeP2p}`,
        `--p2p.static=${peers}`,
        `--p2p.sequencer.key=${this.sequencerKey}`,
        `--sim.block-time=${this.options.blockTimeMs ?? 250}ms`,
        `--sim.payload-bytes=${this.options.payloadBytes ?? 2000}`,
        `--sim.node-id=${member.id}`,
      ],
      `http://127.0.0.1:${ports.nodeRpc}`,
    );
    await this.spawnReady(
      member,
      'conductor',
      [
        'conductor',
        '--consensus.addr=127.0.0.1',
        `--consensus.port=${ports.raft}`,
        `--raft.server.id=${member.id}`,
        `--raft.storage.dir=${this.options.raftStorageDir?.(member.id) ?? path.join(dataDir, 'raft')}`,
        `--raft.heartbeat-timeout=${this.options.heartbeatTimeoutMs ?? 500}ms`,
        `--raft.lease-timeout=${this.options.leaseTimeoutMs ?? 250}ms`,
        ...(bootstrap ? ['--raft.bootstrap'] : []),
        `--node.rpc=http://127.0.0.1:${ports.nodeRpc}`,
        `--execution.rpc=http://127.0.0.1:${ports.gethHttp}`,
        '--healthcheck.interval=1',
        `--healthcheck.unsafe-interval=${this.unsafeIntervalS()}`,
        '--healthcheck.min-peer-count=1',
        '--rpc.addr=127.0.0.1',
        `--rpc.port=${ports.conductorRpc}`,
        `--log.level=${this.options.logLevel ?? 'warn'}`,
        `--raft.dial-override=${this.dialOverrides(member)}`,
        '--metrics.enabled',
        '--metrics.addr=127.0.0.1',
        `--metrics.port=${ports.conductorMetrics}`,
        ...(this.options.extraConductorArgs?.(member.id) ?? []),
      ],
      `http://127.0.0.1:${ports.conductorRpc}`,
    );
  }

  /** Every peer's Raft address mapped to the proxy this member must dial instead. */
  private dialOverrides(member: Member): string {
    const links = this.proxies.get(member.id) ?? new Map<string, LinkProxy>();
    return this.members
      .filter((other) => other !== member)
      .map((other) => `127.0.0.1:${other.ports.raft}=127.0.0.1:${links.get(other.id)!.port}`)
      .join(',');
  }

  /** Cuts every Raft link to and from `member` (its op-node gossip is untouched). */
  partition(member: Member): void {
    for (const [from, links] of this.proxies) {
      for (const [to, proxy] of links) if (from === member.id || to === member.id) proxy.block();
    }
  }

  heal(): void {
    for (const links of this.proxies.values()) for (const proxy of links.values()) proxy.unblock();
  }

  /** SIGKILL (or `signal`) one process of a member (e.g. only its op-node), and wait for it to exit. */
  async killProcess(
    member: Member,
    role: 'geth' | 'node' | 'conductor',
    signal: NodeJS.Signals = 'SIGKILL',
  ): Promise<void> {
    const child = member.processes.get(role);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Starts one process of a member again with the arguments it was first started with. */
  async restartProcess(member: Member, role: 'geth' | 'node' | 'conductor'): Promise<void> {
    const spec = member.specs.get(role);
    if (!spec) throw new Error(`${member.id} has no ${role} to restart`);
    await this.spawnReady(member, role, spec.args, spec.url);
  }

  /**
   * Starts one process and waits until its HTTP endpoint answers. Under tsx a process compiles its sources
   * first, which takes several seconds on a busy two-core machine, so the wait is long (startTimeoutMs,
   * default 120 s) and reports itself every 10 s; a failure says which process, what the last attempt got,
   * and the process's own last lines.
   */
  private async spawnReady(
    member: Member,
    role: 'geth' | 'node' | 'conductor',
    args: string[],
    url: string,
  ): Promise<void> {
    member.specs.set(role, { args, url });
    const child = spawn(process.execPath, [...batonEntry(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    member.processes.set(role, child);
    const keep = (line: string): void => {
      member.logTail.push(`[${role}] ${line}`);
      if (member.logTail.length > 80) member.logTail.shift();
    };
    readline.createInterface({ input: child.stdout! }).on('line', keep);
    readline.createInterface({ input: child.stderr! }).on('line', keep);
    const what = `${member.id} ${ROLE_NAMES[role]}`;
    const timeoutMs = this.options.startTimeoutMs ?? 120_000;
    const started = Date.now();
    let nextReport = started + 10_000;
    let lastAttempt = 'no attempt yet';
    while (Date.now() - started < timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const how =
          child.exitCode !== null
            ? `exited with code ${child.exitCode}`
            : `was killed by ${child.signalCode}`;
        throw new Error(`${what} ${how} before answering on ${url}${this.tail(member, role)}`);
      }
      try {
        await fetch(url, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(2000),
        });
        return;
      } catch (error) {
        lastAttempt = describeFetchError(error);
        if (Date.now() >= nextReport) {
          this.progress(
            `waiting for ${what} on ${url} (${Math.round((Date.now() - started) / 1000)}s: ${lastAttempt})`,
          );
          nextReport += 10_000;
        }
        await sleep(100);
      }
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    throw new Error(
      `${what} did not answer on ${url} within ${timeoutMs / 1000}s (last attempt: ${lastAttempt}); ` +
        `it was still running and was killed. Is the machine overloaded? Retry, or raise the limit.` +
        this.tail(member, role),
    );
  }

  /** The last lines a member's process printed, for an error message. */
  private tail(member: Member, role: 'geth' | 'node' | 'conductor'): string {
    const lines = member.logTail.filter((line) => line.startsWith(`[${role}]`)).slice(-30);
    return lines.length === 0
      ? `\n(${ROLE_NAMES[role]} printed nothing)`
      : `\nlast lines of ${ROLE_NAMES[role]}:\n${lines.join('\n')}`;
  }

  /** SIGKILL every process of a member (a machine or pod crash); its history so far is kept. */
  async kill(member: Member): Promise<void> {
    const history = await this.history(member).catch(() => null);
    if (history) member.pastHistories.push(history);
    await Promise.all(
      [...member.processes.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    member.processes.clear();
  }

  async restart(member: Member): Promise<void> {
    await this.launch(member, false);
  }

  isUp(member: Member): boolean {
    return member.processes.size > 0;
  }

  client(member: Member): ConductorClient {
    return new ConductorClient(`http://127.0.0.1:${member.ports.conductorRpc}`, { timeoutMs: 2000 });
  }

  async view(member: Member): Promise<MemberView> {
    if (!this.isUp(member))
      return {
        id: member.id,
        up: false,
        starting: member.starting,
        leader: false,
        active: false,
        healthy: false,
        head: null,
      };
    const client = this.client(member);
    const [leader, healthy, head] = await Promise.all([
      client.leader().catch(() => false),
      client.sequencerHealthy().catch(() => false),
      this.rpc(member.ports.nodeRpc, 'optimism_syncStatus', []).then(
        (status) => (status as { unsafe_l2: { number: number } }).unsafe_l2.number,
        () => null,
      ),
    ]);
    const active = await this.rpc(member.ports.nodeRpc, 'admin_sequencerActive', []).then(
      (value) => value === true,
      () => false,
    );
    return { id: member.id, up: true, starting: member.starting, leader, active, healthy, head };
  }

  async leader(): Promise<Member | null> {
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

  async history(member: Member): Promise<AuditNodeHistory> {
    const history = (await this.rpc(member.ports.nodeRpc, 'sim_history', [])) as AuditNodeHistory;
    return { ...history, id: `${member.id}#${member.incarnation}` };
  }

  /** The chain auditor over every node's history, including the incarnations that were killed. */
  async audit(): Promise<AuditReport> {
    const histories: AuditNodeHistory[] = [];
    for (const member of this.members) {
      histories.push(...member.pastHistories);
      if (this.isUp(member)) histories.push(await this.history(member));
    }
    return auditChain(histories);
  }

  logs(member: Member): string {
    return member.logTail.join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((member) => this.kill(member).catch(() => {})));
    for (const links of this.proxies.values()) for (const proxy of links.values()) await proxy.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  async waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await condition().catch(() => false)) return;
      await sleep(25);
    }
    throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
  }

  async rpc(port: number, method: string, params: unknown[]): Promise<unknown> {
    const response = await fetch(`http://127.0.0.1:${port}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(3000),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(body.error.message);
    return body.result;
  }
}

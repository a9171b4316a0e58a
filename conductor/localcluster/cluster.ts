/**
 * Drives a Raft cluster of real member processes on loopback: spawn, find the leader, propose, kill -9,
 * restart, partition. Every ordered pair of members talks through its own LinkProxy, so a test can cut
 * one member off (or any single link) without touching the processes.
 *
 * Used by the integration tests, `npm run bench -- commit` and `baton local-cluster`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LinkProxy } from './proxy.js';

export interface MemberStatus {
  readonly id: string;
  readonly role: string;
  readonly leader: string | null;
  readonly term: number;
  readonly commit: number;
  readonly lastIndex: number;
  readonly version: number;
  readonly count: number;
  readonly digest: string;
  readonly snapshotsInstalled: number;
  readonly snapshotsTaken: number;
  readonly servers: readonly { readonly id: string; readonly address: string; readonly suffrage: number }[];
}

export interface ClusterOptions {
  readonly size: number;
  /** Where members keep their data; a fresh temporary directory by default (removed on stop). */
  readonly dataDir?: string;
  readonly heartbeatTimeoutMs?: number;
  readonly leaseTimeoutMs?: number;
  readonly snapshotThreshold?: number;
  readonly trailingLogs?: number;
  readonly snapshotBytes?: number;
  readonly trailingBytes?: number;
  /** Bytes added to every snapshot of the members' state machine (see DigestFsm). */
  readonly snapshotPadding?: number;
  readonly logLevel?: string;
  /** Route member-to-member traffic through cuttable proxies (default true). */
  readonly proxies?: boolean;
}

interface Member {
  readonly id: string;
  readonly raftPort: number;
  readonly adminPort: number;
  process: ChildProcess | null;
  stderrTail: string[];
}

export class LocalCluster {
  private readonly members = new Map<string, Member>();
  /** proxies.get(from).get(to) carries traffic that `from` sends to `to`. */
  private readonly proxies = new Map<string, Map<string, LinkProxy>>();
  private dataDir = '';
  private ownsDataDir = false;

  constructor(private readonly options: ClusterOptions) {}

  get ids(): string[] {
    return [...this.members.keys()];
  }

  async start(): Promise<void> {
    this.ownsDataDir = !this.options.dataDir;
    this.dataDir = this.options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'baton-cluster-')));
    const ids = Array.from({ length: this.options.size }, (_, i) => `node-${i}`);
    for (const id of ids) {
      this.members.set(id, {
        id,
        raftPort: await freePort(),
        adminPort: await freePort(),
        process: null,
        stderrTail: [],
      });
    }
    if (this.options.proxies ?? true) {
      for (const from of ids) {
        const links = new Map<string, LinkProxy>();
        for (const to of ids) {
          if (from === to) continue;
          const proxy = new LinkProxy({ host: '127.0.0.1', port: this.member(to).raftPort });
          await proxy.start();
          links.set(to, proxy);
        }
        this.proxies.set(from, links);
      }
    }
    await Promise.all(ids.map((id) => this.launch(id)));
  }

  /** Starts (or restarts) a member process and waits for its ready line. */
  async launch(id: string): Promise<void> {
    const member = this.member(id);
    const peers = [...this.members.values()].map((m) => `${m.id}=127.0.0.1:${m.raftPort}`).join(',');
    const dialMap = [...(this.proxies.get(id) ?? new Map<string, LinkProxy>())]
      .map(([to, proxy]) => `127.0.0.1:${this.member(to).raftPort}=127.0.0.1:${proxy.port}`)
      .join(',');
    const args = [
      'raft-node',
      `--id=${id}`,
      `--data-dir=${this.dataDir}`,
      `--raft-port=${member.raftPort}`,
      `--admin-port=${member.adminPort}`,
      `--bootstrap-peers=${peers}`,
      `--heartbeat-timeout=${this.options.heartbeatTimeoutMs ?? 1000}ms`,
      `--lease-timeout=${this.options.leaseTimeoutMs ?? 500}ms`,
      `--snapshot-threshold=${this.options.snapshotThreshold ?? 8192}`,
      `--trailing-logs=${this.options.trailingLogs ?? 10240}`,
      ...(this.options.snapshotBytes !== undefined ? [`--snapshot-bytes=${this.options.snapshotBytes}`] : []),
      ...(this.options.trailingBytes !== undefined ? [`--trailing-bytes=${this.options.trailingBytes}`] : []),
      ...(this.options.snapshotPadding !== undefined
        ? [`--snapshot-padding=${this.options.snapshotPadding}`]
        : []),
      `--log-level=${this.options.logLevel ?? 'warn'}`,
      ...(dialMap ? [`--dial-map=${dialMap}`] : []),
    ];
    const child = spawn(process.execPath, [...batonEntry(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    member.process = child;
    member.stderrTail = [];
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      member.stderrTail.push(line);
      if (member.stderrTail.length > 50) member.stderrTail.shift();
    });
    await new Promise<void>((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout! });
      const timer = setTimeout(() => reject(new Error(`member ${id} did not start within 20s`)), 20_000);
      lines.once('line', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`member ${id} exited with ${code} before ready:\n${member.stderrTail.join('\n')}`));
      });
    });
  }

  /** Kills a member with SIGKILL (no shutdown path runs: whatever was not fsynced is lost). */
  async kill(id: string): Promise<void> {
    const member = this.member(id);
    const child = member.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    member.process = null;
  }

  /** Cuts every link to and from `id` (both directions), as a network partition would. */
  isolate(id: string): void {
    for (const [from, links] of this.proxies) {
      for (const [to, proxy] of links) if (from === id || to === id) proxy.block();
    }
  }

  heal(): void {
    for (const links of this.proxies.values()) for (const proxy of links.values()) proxy.unblock();
  }

  async status(id: string): Promise<MemberStatus> {
    return (await this.request(id, 'GET', '/status')) as MemberStatus;
  }

  /** Polls until exactly one live member is leader and every live member agrees; returns its id. */
  async waitForLeader(timeoutMs = 10_000, exclude: readonly string[] = []): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const live = this.ids.filter((id) => this.member(id).process && !exclude.includes(id));
      const statuses = await Promise.all(live.map((id) => this.status(id).catch(() => null)));
      const leaders = statuses.filter((s): s is MemberStatus => s !== null && s.role === 'leader');
      if (leaders.length === 1) return leaders[0]!.id;
      await sleep(20);
    }
    throw new Error(`no leader elected within ${timeoutMs}ms`);
  }

  /** Proposes `data` on member `id` (which must be leader); resolves with the commit latency. */
  async propose(id: string, data: Uint8Array): Promise<{ ms: number; count: number; digest: string }> {
    return (await this.request(id, 'POST', '/propose', data)) as {
      ms: number;
      count: number;
      digest: string;
    };
  }

  /** `count` proposals made inside member `id`, `concurrency` at a time (see member.ts). */
  async proposeSeries(
    id: string,
    data: Uint8Array,
    count: number,
    options: { concurrency?: number; gapMs?: number } = {},
  ): Promise<{ latenciesMs: number[]; elapsedMs: number }> {
    const { concurrency = 1, gapMs = 0 } = options;
    return (await this.request(
      id,
      'POST',
      `/propose-series?count=${count}&concurrency=${concurrency}&gapMs=${gapMs}`,
      data,
      120_000,
    )) as { latenciesMs: number[]; elapsedMs: number };
  }

  async barrier(id: string): Promise<{ count: number; digest: string }> {
    return (await this.request(id, 'POST', '/barrier')) as { count: number; digest: string };
  }

  async transfer(id: string, to?: string): Promise<void> {
    await this.request(id, 'POST', to ? `/transfer?to=${encodeURIComponent(to)}` : '/transfer');
  }

  async membership(
    id: string,
    change: { op: string; id: string; address?: string; version?: number },
  ): Promise<void> {
    await this.request(id, 'POST', '/membership', Buffer.from(JSON.stringify(change)));
  }

  stderr(id: string): string {
    return this.member(id).stderrTail.join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.kill(id)));
    for (const links of this.proxies.values()) for (const proxy of links.values()) await proxy.close();
    if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  private async request(
    id: string,
    method: string,
    route: string,
    body?: Uint8Array,
    timeoutMs = 15_000,
  ): Promise<unknown> {
    const member = this.member(id);
    const response = await fetch(`http://127.0.0.1:${member.adminPort}${route}`, {
      method,
      ...(body ? { body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await response.json()) as { error?: string };
    if (!response.ok) throw new Error(json.error ?? `HTTP ${response.status}`);
    return json;
  }

  private member(id: string): Member {
    const member = this.members.get(id);
    if (!member) throw new Error(`no member ${id}`);
    return member;
  }
}

/** How to run the `baton` CLI in a child process: from sources under tsx, or from the build. */
export function batonEntry(): string[] {
  const here = fileURLToPath(import.meta.url);
  const root = path.resolve(path.dirname(here), '..', '..');
  if (here.endsWith('.ts')) return ['--import', 'tsx', path.join(root, 'cli', 'baton.ts')];
  return [path.join(root, 'cli', 'baton.js')];
}

/** Ports handed out by this process, so two callers never get the same one. */
const handedOut = new Set<number>();

/**
 * A free TCP port for a process we are about to start. Chosen below the kernel's ephemeral range
 * (32768+ on Linux): a port from `listen(0)` is itself ephemeral, and between our probe and the child's
 * bind an outgoing connection may take it as its local port.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free TCP port found in 20000-32000');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Scripted conductors (and their op-nodes) for controller tests on a control plane without a kubelet:
 * one loopback JSON-RPC server per member pod, all sharing one model of the Raft configuration. The
 * membership methods change that model exactly as a leader would (version checks included), so a test
 * can watch the operator form a cluster through the same RPCs it uses against real conductors. What the
 * model does not do on its own — bootstrapping, which a real conductor does at start-up when
 * --raft.bootstrap-member names it — the test triggers explicitly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MemberEndpoints, ConductorResolver } from '../observe.js';

interface Server {
  id: string;
  addr: string;
  suffrage: 0 | 1;
}

export interface RecordedCall {
  readonly pod: string;
  readonly method: string;
  readonly params: unknown[];
}

const HASH = `0x${'ab'.repeat(32)}`;
const ref = (n: number) => ({
  hash: HASH,
  number: n,
  parentHash: HASH,
  timestamp: 1_700_000_000 + n,
  l1origin: { hash: HASH, number: 1 },
  sequenceNumber: 0,
});

/** geth's answer to an unknown method (code -32601). */
class MethodNotFound extends Error {
  constructor(method: string) {
    super(`the method ${method} does not exist/is not available`);
  }
}

export class FakeConductors {
  servers: Server[] = [];
  /** Raft lag the leader reports for a follower in baton_raftStatus (default 0). */
  readonly raftLags = new Map<string, number>();
  /** How long ago the leader last heard from a follower, in baton_raftStatus (default 50 ms). */
  readonly silences = new Map<string, number>();
  /** false: answer baton_raftStatus like op-conductor (method not found). */
  raftStatusSupported = true;
  version = 0;
  head = 100;
  readonly calls: RecordedCall[] = [];
  private readonly http = new Map<string, http.Server>();
  private readonly urls = new Map<string, string>();

  /** Set by bootstrap and by leadership transfers (a scripted stand-in for elections). */
  private leaderId: string | null = null;

  get leader(): string | null {
    return this.servers.some((s) => s.id === this.leaderId && s.suffrage === 0) ? this.leaderId : null;
  }

  /** What a conductor started with --raft.bootstrap-member=<pod> does when its Raft directory is empty. */
  bootstrap(pod: string, addr: string): void {
    this.servers = [{ id: pod, addr, suffrage: 0 }];
    this.version = 1;
    this.leaderId = pod;
  }

  async start(pods: readonly string[]): Promise<void> {
    for (const pod of pods) {
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
            id?: number;
            method?: string;
            params?: unknown[];
          };
          const reply = (payload: object) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id ?? 1, ...payload }));
          };
          try {
            reply({ result: this.answer(pod, body.method ?? '', body.params ?? []) });
          } catch (e) {
            const code = e instanceof MethodNotFound ? -32601 : -32000;
            reply({ error: { code, message: (e as Error).message } });
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      this.http.set(pod, server);
      this.urls.set(pod, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.http.values()].map(
        (s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))),
      ),
    );
  }

  /** Maps member pods to these servers (conductor and op-node methods on one port). */
  resolver(): ConductorResolver {
    return {
      resolve: (_cluster, pod): MemberEndpoints | { unreachable: string } => {
        const url = this.urls.get(pod.metadata?.name ?? '');
        return url
          ? { conductorUrl: url, opNodeUrl: url }
          : { unreachable: 'no fake conductor for this pod' };
      },
    };
  }

  private member(pod: string): Server | undefined {
    return this.servers.find((s) => s.id === pod);
  }

  private answer(pod: string, method: string, params: unknown[]): unknown {
    if (/Server|demote|transfer/.test(method)) this.calls.push({ pod, method, params });
    const inConfig = this.member(pod) !== undefined;
    const leader = this.leader;
    const checkLeader = () => {
      if (pod !== leader) throw new Error('node is not the leader');
    };
    const checkVersion = (v: unknown) => {
      if (typeof v === 'number' && v !== 0 && v !== this.version)
        throw new Error(`configuration changed since ${v} (latest is ${this.version})`);
    };
    switch (method) {
      case 'conductor_leader':
        return pod === leader;
      case 'conductor_leaderWithID': {
        const s = leader !== null && inConfig ? this.member(leader) : undefined;
        return s ? { id: s.id, addr: s.addr, suffrage: 0 } : { id: '', addr: '', suffrage: 0 };
      }
      case 'conductor_active':
      case 'conductor_sequencerHealthy':
        return true;
      case 'conductor_paused':
      case 'conductor_stopped':
        return false;
      case 'conductor_clusterMembership':
        return inConfig ? { servers: this.servers, version: this.version } : { servers: [], version: 0 };
      case 'conductor_addServerAsNonvoter': {
        checkLeader();
        checkVersion(params[2]);
        const [id, addr] = params as [string, string];
        if (!this.member(id)) this.servers.push({ id, addr, suffrage: 1 });
        this.version++;
        return null;
      }
      case 'conductor_addServerAsVoter': {
        checkLeader();
        checkVersion(params[2]);
        const [id, addr] = params as [string, string];
        const s = this.member(id);
        if (s) s.suffrage = 0;
        else this.servers.push({ id, addr, suffrage: 0 });
        this.version++;
        return null;
      }
      case 'conductor_removeServer': {
        checkLeader();
        checkVersion(params[1]);
        this.servers = this.servers.filter((s) => s.id !== params[0]);
        this.version++;
        return null;
      }
      case 'conductor_transferLeaderToServer': {
        checkLeader();
        const target = this.member(params[0] as string);
        if (!target || target.suffrage !== 0) throw new Error('cannot transfer to a non-voter');
        this.leaderId = target.id;
        return null;
      }
      case 'baton_raftStatus': {
        if (!this.raftStatusSupported) throw new MethodNotFound(method);
        const last = 10_000 + this.version;
        const lagOf = (id: string) => this.raftLags.get(id) ?? 0;
        return {
          id: pod,
          state: pod === leader ? 'leader' : 'follower',
          term: 1,
          leader: leader ?? '',
          firstIndex: 1,
          lastIndex: pod === leader ? last : last - lagOf(pod),
          commitIndex: last,
          appliedIndex: pod === leader ? last : last - lagOf(pod),
          peers:
            pod === leader
              ? this.servers
                  .filter((s) => s.id !== pod)
                  .map((s) => ({
                    id: s.id,
                    matchIndex: last - lagOf(s.id),
                    lag: lagOf(s.id),
                    lastContactMs: this.silences.get(s.id) ?? 50,
                  }))
              : [],
        };
      }
      case 'optimism_syncStatus':
        return { unsafe_l2: ref(this.head), safe_l2: ref(this.head - 10) };
      case 'admin_sequencerActive':
        return pod === leader;
      default:
        throw new MethodNotFound(method);
    }
  }
}

/**
 * RaftNode on the in-memory ports (consensus/testing/memory.ts): the production node and its Ready
 * driver, with storage and network that cost nothing, so elections, commits, full disks, restarts,
 * snapshots and storage damage run in milliseconds. The same node over the WAL and gRPC is covered by
 * localcluster/ and the conductor suites.
 */
import { DigestFsm, type DigestState } from '../localcluster/digest-fsm.js';
import { Suffrage, type Configuration } from '../raft/types.js';
import { RaftNode } from './node.js';
import { MemoryNetwork, MemoryStorage } from './testing/memory.js';

const TIMING = { heartbeatTimeoutMs: 100, leaseTimeoutMs: 50 };
const IDS = ['a', 'b', 'c'];
const CONFIG: Configuration = {
  servers: IDS.map((id, i) => ({ id, address: `${id}:${i + 1}`, suffrage: Suffrage.Voter })),
};

interface Member {
  readonly id: string;
  node: RaftNode<DigestState>;
  fsm: DigestFsm;
}

class Cluster {
  readonly network = new MemoryNetwork();
  readonly disks = new Map<string, MemoryStorage>();
  readonly members = new Map<string, Member>();

  async start(
    id: string,
    bootstrap: Configuration | undefined = CONFIG,
    snapshotThreshold = 8192,
  ): Promise<Member> {
    const fsm = new DigestFsm();
    const port = Number(CONFIG.servers.find((s) => s.id === id)?.address.split(':')[1] ?? 0);
    const node = new RaftNode({
      id,
      dataDir: `/mem/${id}`,
      listenHost: id,
      listenPort: port,
      ...(bootstrap ? { bootstrap } : {}),
      timing: TIMING,
      snapshotThreshold,
      trailingLogs: 2,
      fsm,
      openStorage: MemoryStorage.opener(this.disks),
      createTransport: this.network.create,
    });
    await node.start();
    const member = { id, node, fsm };
    this.members.set(id, member);
    return member;
  }

  disk(id: string): MemoryStorage {
    const disk = this.disks.get(`/mem/${id}`);
    if (!disk) throw new Error(`no disk for ${id}`);
    return disk;
  }

  async leader(): Promise<Member> {
    return waitFor(() => [...this.members.values()].find((m) => m.node.isLeader()));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.node.stop()));
  }
}

async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('RaftNode on in-memory storage and network', () => {
  let cluster: Cluster;
  beforeEach(() => {
    cluster = new Cluster();
  });
  afterEach(async () => {
    await cluster.stopAll();
  });

  test('three members elect one leader and apply every proposal in the same order', async () => {
    for (const id of IDS) await cluster.start(id);
    const leader = await cluster.leader();
    for (let i = 0; i < 20; i++) await leader.node.propose(bytes(`block ${i}`));
    const digest = leader.fsm.current().digest;
    await waitFor(() => [...cluster.members.values()].every((m) => m.fsm.current().digest === digest));
    expect([...cluster.members.values()].filter((m) => m.node.isLeader())).toHaveLength(1);
    expect(leader.fsm.current().count).toBe(20);
    // Every member's storage holds the twenty entries (after the bootstrap configuration).
    for (const id of IDS) expect(cluster.disk(id).restored().entries.length).toBeGreaterThanOrEqual(21);
    await expect(
      [...cluster.members.values()].find((m) => !m.node.isLeader())!.node.propose(bytes('x')),
    ).rejects.toThrow('node is not the leader');
  });

  test('a follower whose disk is full pauses and reports it, then catches up once there is room', async () => {
    for (const id of IDS) await cluster.start(id);
    const leader = await cluster.leader();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    cluster.disk(follower.id).full = true;
    for (let i = 0; i < 5; i++) await leader.node.propose(bytes(`while full ${i}`));
    await waitFor(() => follower.node.storageProblem());
    expect(follower.node.storageProblem()).toContain('ENOSPC');
    expect(cluster.disk(follower.id).refused).toBeGreaterThan(0);
    cluster.disk(follower.id).full = false;
    await waitFor(() => follower.node.storageProblem() === null && follower.fsm.current().count === 5);
    expect(follower.fsm.current().digest).toBe(leader.fsm.current().digest);
  });

  test('a write failing for another reason stops the member instead of lying about durability', async () => {
    for (const id of IDS) await cluster.start(id);
    const leader = await cluster.leader();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    const disk = cluster.disk(follower.id);
    disk.persist = async () => {
      throw new Error('EIO: input/output error');
    };
    await leader.node.propose(bytes('one'));
    await waitFor(() => {
      try {
        follower.node.status();
        follower.node.campaign();
        return false;
      } catch (error) {
        return (error as Error).message.includes('raft storage failed: EIO');
      }
    });
    // The other two still form a majority; stop() still releases the failed member's storage.
    await leader.node.propose(bytes('two'));
    await follower.node.stop();
    expect(disk.open).toBe(false);
  });

  test('a restarted member keeps what it persisted and catches up on the rest', async () => {
    for (const id of IDS) await cluster.start(id);
    const leader = await cluster.leader();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    for (let i = 0; i < 5; i++) await leader.node.propose(bytes(`before ${i}`));
    await waitFor(() => follower.fsm.current().count === 5);
    await follower.node.stop();
    const persistedTerm = cluster.disk(follower.id).restored().hardState.term;
    expect(persistedTerm).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) await leader.node.propose(bytes(`after ${i}`));
    const restarted = await cluster.start(follower.id);
    await waitFor(() => restarted.fsm.current().count === 10);
    expect(restarted.fsm.current().digest).toBe(leader.fsm.current().digest);
  });

  test('a member that lost its log tail does not vote until caught up, then clears the mark', async () => {
    for (const id of IDS) await cluster.start(id);
    const leader = await cluster.leader();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    await leader.node.propose(bytes('one'));
    await waitFor(() => follower.fsm.current().count === 1);
    await follower.node.stop();
    cluster.disk(follower.id).damage('test: repaired a torn last record');
    const restarted = await cluster.start(follower.id);
    expect(restarted.node.status().recovering).toBe(true);
    await leader.node.propose(bytes('two'));
    await waitFor(
      () => !restarted.node.status().recovering && cluster.disk(follower.id).markedRecovered === 1,
    );
    expect(cluster.disk(follower.id).restored().recovering).toBeNull();
  });

  test('a new member far behind a compacted log is sent a snapshot and ends with the same state', async () => {
    for (const id of IDS.slice(0, 2)) await cluster.start(id, { servers: CONFIG.servers.slice(0, 2) }, 5);
    const leader = await cluster.leader();
    for (let i = 0; i < 30; i++) await leader.node.propose(bytes(`entry ${i}`));
    await waitFor(() => leader.node.counters.snapshotsTaken > 0);
    const joiner = await cluster.start('c', undefined, 5);
    const { version } = leader.node.configuration();
    await leader.node.addVoter('c', 'c:3', version);
    const digest = leader.fsm.current().digest;
    await waitFor(() => joiner.fsm.current().digest === digest);
    expect(joiner.node.counters.snapshotsInstalled).toBeGreaterThan(0);
  });
});

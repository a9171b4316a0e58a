/**
 * Wire compatibility with op-conductor's own Go client: baton-wirecompat (e2e/opstack/wirecompat, built by
 * build.sh against optimism v1.19.6) calls every method of op-conductor/rpc.APIClient on Baton's conductors, so
 * each request is encoded and each answer decoded by op-conductor's types. The answers are checked against what
 * the cluster really is (Baton's own client and the lab's members), not against fixed values.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SequencerLab } from '../demo/lab.js';
import { GoDriver, type GoAnswer } from './go-driver.js';
import { blockToEnvelope } from '../sim/chain/envelope.js';
import { buildChild, DEFAULT_EIP1559_PARAMS, genesisBlock, SEQUENCER_FEE_VAULT } from '../sim/chain/block.js';

const bin = process.env.BATON_OPSTACK_BIN;
if (!bin) throw new Error('BATON_OPSTACK_BIN is not set: run this suite with `npm run test:opstack`');

type Answer = GoAnswer;

const lab = new SequencerLab({ nodes: 3, blockTimeMs: 250 });
const go = new GoDriver(bin);
const url = (member: (typeof lab.members)[number]): string => `http://127.0.0.1:${member.ports.conductorRpc}`;
const raftAddr = (member: (typeof lab.members)[number]): string => `127.0.0.1:${member.ports.raft}`;

beforeAll(async () => {
  await lab.start();
  // The lab's genesis is as old as its start-up, so health flips while the chain catches up to the wall clock:
  // wait until every member has been healthy for three checks in a row before reading state exactly.
  let streak = 0;
  await lab.waitFor(
    async () => {
      const healthy = await Promise.all(lab.members.map((m) => lab.client(m).sequencerHealthy()));
      streak = healthy.every(Boolean) ? streak + 1 : 0;
      if (streak < 3) await new Promise((resolve) => setTimeout(resolve, 1000));
      return streak >= 3;
    },
    60_000,
    'every member healthy for three checks in a row',
  );
}, 120_000);

afterAll(async () => {
  go.close();
  await lab.stop();
});

/** A steady cluster: one healthy leader, and its op-node the only one sequencing. */
async function roles(): Promise<{
  leader: (typeof lab.members)[number];
  followers: (typeof lab.members)[number][];
}> {
  let leader: (typeof lab.members)[number] | null = null;
  await lab.waitFor(
    async () => {
      leader = await lab.leader();
      if (!leader) return false;
      const views = await Promise.all(lab.members.map((m) => lab.view(m)));
      return (
        views.every((v) => v.active === (v.id === leader!.id)) &&
        views.find((v) => v.id === leader!.id)!.healthy
      );
    },
    30_000,
    'a healthy leader, the only member sequencing',
  );
  return { leader: leader!, followers: lab.members.filter((m) => m !== leader) };
}

describe("op-conductor's Go rpc client against Baton", () => {
  it('reads leadership, membership and state exactly as Baton reports them', async () => {
    const { leader, followers } = await roles();
    expect(await go.call(url(leader), 'Leader')).toEqual({ ok: true, result: true });
    expect(await go.call(url(followers[0]!), 'Leader')).toEqual({ ok: true, result: false });
    const info = await go.call(url(followers[0]!), 'LeaderWithID');
    expect(info).toEqual({ ok: true, result: await lab.client(leader).leaderWithID() });
    expect((info.result as { id: string }).id).toBe(leader.id);
    const membership = await go.call(url(leader), 'ClusterMembership');
    expect(membership).toEqual({ ok: true, result: await lab.client(leader).clusterMembership() });
    expect((membership.result as { servers: { id: string; suffrage: number }[] }).servers).toEqual(
      expect.arrayContaining(lab.members.map((m) => expect.objectContaining({ id: m.id, suffrage: 0 }))),
    );
    for (const [method, expected] of [
      ['Active', true],
      ['Paused', false],
      ['Stopped', false],
      ['SequencerHealthy', true],
      ['LeaderOverridden', false],
    ] as const)
      expect({ method, answer: await go.call(url(leader), method) }).toEqual({
        method,
        answer: { ok: true, result: expected },
      });
    // op-conductor's Active is "not paused and not stopped" (rpc/backend.go), true on followers too.
    expect(await go.call(url(followers[0]!), 'Active')).toEqual({ ok: true, result: true });
  });

  it('pauses and resumes; overrides leadership and clears it', async () => {
    const { followers } = await roles();
    const f = url(followers[0]!);
    expect(await go.call(f, 'Pause')).toEqual({ ok: true });
    expect(await go.call(f, 'Paused')).toEqual({ ok: true, result: true });
    expect(await go.call(f, 'Active')).toEqual({ ok: true, result: false });
    expect(await go.call(f, 'Resume')).toEqual({ ok: true });
    expect(await go.call(f, 'Paused')).toEqual({ ok: true, result: false });
    expect(await go.call(f, 'OverrideLeader', true)).toEqual({ ok: true });
    expect(await go.call(f, 'LeaderOverridden')).toEqual({ ok: true, result: true });
    expect(await go.call(f, 'Leader')).toEqual({ ok: true, result: true });
    expect(await go.call(f, 'OverrideLeader', false)).toEqual({ ok: true });
    expect(await go.call(f, 'LeaderOverridden')).toEqual({ ok: true, result: false });
  });

  it('changes membership with the configuration version, and refuses a stale version', async () => {
    const { leader, followers } = await roles();
    const target = followers[1]!;
    const version = async (): Promise<number> => (await lab.client(leader).clusterMembership()).version;
    const suffrageOf = async (): Promise<number | undefined> =>
      (await lab.client(leader).clusterMembership()).servers.find((s) => s.id === target.id)?.suffrage;
    const stale = await version();
    expect(await go.call(url(leader), 'DemoteVoter', target.id, stale)).toEqual({ ok: true });
    expect(await suffrageOf()).toBe(1);
    const refused = await go.call(url(leader), 'RemoveServer', target.id, stale);
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/version|configuration/i);
    expect(await go.call(url(leader), 'RemoveServer', target.id, await version())).toEqual({ ok: true });
    expect(await suffrageOf()).toBeUndefined();
    expect(
      await go.call(url(leader), 'AddServerAsNonvoter', target.id, raftAddr(target), await version()),
    ).toEqual({ ok: true });
    expect(await suffrageOf()).toBe(1);
    expect(
      await go.call(url(leader), 'AddServerAsVoter', target.id, raftAddr(target), await version()),
    ).toEqual({ ok: true });
    expect(await suffrageOf()).toBe(0);
    const onFollower = await go.call(url(followers[0]!), 'AddServerAsVoter', target.id, raftAddr(target), 0);
    expect(onFollower.ok).toBe(false);
  });

  it('transfers leadership to a named server and to any server', async () => {
    const { leader, followers } = await roles();
    const target = followers[0]!;
    await lab.waitFor(() => lab.client(target).sequencerHealthy(), 30_000, `${target.id} healthy`);
    // The configuration holds 127.0.0.1:<port>; the address is matched by resolving it, not as a string.
    expect(
      await go.call(url(leader), 'TransferLeaderToServer', target.id, `localhost:${target.ports.raft}`),
    ).toEqual({
      ok: true,
    });
    await lab.waitFor(async () => (await lab.leader()) === target, 10_000, `${target.id} leading`);
    await lab.waitFor(async () => (await lab.view(target)).active, 10_000, `${target.id} sequencing`);
    expect(await go.call(url(target), 'TransferLeader')).toEqual({ ok: true });
    await lab.waitFor(async () => ![null, target].includes(await lab.leader()), 10_000, 'a new leader');
    const report = await lab.audit();
    expect(report.issues).toEqual([]);
  });

  it('CommitUnsafePayload: an envelope decoded by op-service/eth reaches Baton, which refuses it where it must', async () => {
    const { leader, followers } = await roles();
    const parent = genesisBlock({ timestamp: 1_700_000_000, chainId: 901 });
    const block = buildChild(parent, {
      timestamp: 1_700_000_002n,
      prevRandao: `0x${'11'.repeat(32)}`,
      suggestedFeeRecipient: SEQUENCER_FEE_VAULT,
      gasLimit: 30_000_000n,
      transactions: [],
      eip1559Params: DEFAULT_EIP1559_PARAMS,
      parentBeaconBlockRoot: `0x${'22'.repeat(32)}`,
    });
    const envelope = blockToEnvelope(block);
    const onFollower = await go.call(url(followers[0]!), 'CommitUnsafePayload', envelope);
    expect(onFollower.ok).toBe(false);
    expect(onFollower.error).toMatch(/not the leader/);
    // The leader holds a live chain: a block on another parent does not extend its committed head.
    const onLeader = await go.call(url(leader), 'CommitUnsafePayload', envelope);
    expect(onLeader.ok).toBe(false);
    expect(onLeader.error).toMatch(/head|parent|extend/i);
  });

  it('Stop stops the conductor for good', async () => {
    const { followers } = await roles();
    const f = url(followers[1]!);
    expect(await go.call(f, 'Stop')).toEqual({ ok: true });
    await lab.waitFor(
      async () => (await go.call(f, 'Stopped')).result === true || !(await go.call(f, 'Stopped')).ok,
      10_000,
      'stopped',
    );
  });
});

/**
 * op-node's own conductor client (op-node/node.ConductorClient, 1 s timeout and two attempts, as
 * `--conductor.enabled` configures it) committing envelopes that op-node's code builds: the L1 info deposit
 * from op-node/rollup/derive and the envelope from op-service/eth.BlockAsPayloadEnv, for Ecotone, Isthmus and
 * Jovian blocks, on a single-member cluster whose sequencer is stopped so the committed head stays put.
 */
describe("op-node's conductor client with real OP Stack envelopes", () => {
  const solo = new SequencerLab({ nodes: 1, blockTimeMs: 250 });
  let head: { hash: string; number: number; timestamp: number };
  const soloUrl = (): string => url(solo.members[0]!);

  beforeAll(async () => {
    await solo.start();
    const member = solo.members[0]!;
    await solo.waitFor(async () => (await solo.view(member)).active, 30_000, 'the single member sequencing');
    // Pause the conductor first (no control action restarts the sequencer), then stop the sequencer: its
    // unsafe head is then the last block it committed, the head Baton's chain rule extends.
    await solo.client(member).pause();
    await solo.rpc(member.ports.nodeRpc, 'admin_stopSequencer', []);
    const status = (await solo.rpc(member.ports.nodeRpc, 'optimism_syncStatus', [])) as {
      unsafe_l2: { hash: string; number: number; timestamp: number };
    };
    head = status.unsafe_l2;
  }, 120_000);

  afterAll(() => solo.stop());

  /** A follower of the three-member cluster whose conductor was not stopped by the test above. */
  async function liveFollower(): Promise<(typeof lab.members)[number]> {
    const { followers } = await roles();
    for (const f of followers) if ((await go.call(url(f), 'Stopped')).result === false) return f;
    throw new Error('no running follower');
  }

  interface Envelope {
    executionPayload: { blockHash: string; blockNumber: string; extraData: string; withdrawalsRoot?: string };
    parentBeaconBlockRoot?: string;
  }

  /** Commits the child of `head` under `fork` through op-node's client; on success the child is the head. */
  async function commitChild(fork: string, timestamp = head.timestamp + 1): Promise<Answer> {
    const answer = await go.call(
      soloUrl(),
      'NodeCommitUnsafePayload',
      fork,
      head.hash,
      head.number + 1,
      timestamp,
    );
    if (answer.ok) {
      const envelope = answer.result as Envelope;
      head = { hash: envelope.executionPayload.blockHash, number: head.number + 1, timestamp };
    }
    return answer;
  }

  it('reads leadership through op-node’s client', async () => {
    expect(await go.call(soloUrl(), 'NodeLeader')).toEqual({ ok: true, result: true });
    expect(await go.call(url(await liveFollower()), 'NodeLeader')).toEqual({ ok: true, result: false });
  });

  it('commits Ecotone, Isthmus and Jovian envelopes that extend the committed head', async () => {
    for (const fork of ['ecotone', 'isthmus', 'jovian']) {
      const parent = head;
      const answer = await commitChild(fork);
      expect({ fork, ok: answer.ok, error: answer.error }).toEqual({ fork, ok: true, error: undefined });
      const envelope = answer.result as Envelope;
      expect(BigInt(envelope.executionPayload.blockNumber)).toBe(BigInt(parent.number + 1));
      // Each fork's shape really reached the wire: Ecotone's beacon root, Isthmus's withdrawals root, and
      // Holocene/Jovian's extraData (version byte 0 and 1).
      expect(envelope.parentBeaconBlockRoot).toMatch(/^0x[0-9a-f]{64}$/);
      if (fork !== 'ecotone') expect(envelope.executionPayload.withdrawalsRoot).toMatch(/^0x[0-9a-f]{64}$/);
      else expect(envelope.executionPayload.withdrawalsRoot).toBeUndefined();
      if (fork === 'isthmus') expect(envelope.executionPayload.extraData.slice(0, 4)).toBe('0x00');
      if (fork === 'jovian') expect(envelope.executionPayload.extraData.slice(0, 4)).toBe('0x01');
    }
  });

  it('refuses, through op-node’s client, a block that does not extend the head, and a follower’s commit', async () => {
    const sibling = await go.call(
      soloUrl(),
      'NodeCommitUnsafePayload',
      'isthmus',
      head.hash,
      head.number,
      head.timestamp + 7,
    );
    expect(sibling.ok).toBe(false);
    expect(sibling.error).toMatch(/stale unsafe payload|conflicting unsafe payload/);
    const gap = await go.call(
      soloUrl(),
      'NodeCommitUnsafePayload',
      'isthmus',
      head.hash,
      head.number + 2,
      head.timestamp + 2,
    );
    expect(gap.ok).toBe(false);
    expect(gap.error).toMatch(/does not extend the committed head/);
    const fork = await go.call(
      soloUrl(),
      'NodeCommitUnsafePayload',
      'isthmus',
      `0x${'ab'.repeat(32)}`,
      head.number + 1,
      head.timestamp + 1,
    );
    expect(fork.ok).toBe(false);
    expect(fork.error).toMatch(/parent hash/);
    // The refusals left the head where it was: its child still commits.
    expect((await commitChild('isthmus')).ok).toBe(true);
    const follower = await liveFollower();
    const onFollower = await go.call(
      url(follower),
      'NodeCommitUnsafePayload',
      'isthmus',
      head.hash,
      head.number + 1,
      head.timestamp + 1,
    );
    expect(onFollower.ok).toBe(false);
    expect(onFollower.error).toMatch(/not the leader/);
  });
});

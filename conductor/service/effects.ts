/**
 * What the control loop's actions do to the outside world: start/stop the local sequencer through
 * op-node's admin API, and hand leadership on through Raft. Kept apart from the service so the rules
 * that protect the chain — start only on the committed head, catch up first, never hand off to a
 * member that cannot sequence — read in one place.
 */
import type { RaftNode } from '../consensus/node.js';
import { planStart, type CommittedBlock, type CommittedWindow } from '../control/plan-start.js';
import type { ControlEffects, TransferOutcome } from '../control/loop.js';
import { selectTransferTarget, type PeerView } from '../control/select-target.js';
import type { ApplyResult, CommittedPayload, ExecutionPayloadEnvelope, UnsafeHeadFsm } from '../fsm/index.js';
import type { ConductorMetrics } from '../metrics/metrics.js';
import type { ExecutionClient, OpNodeClient } from '../sequencer/index.js';
import { ERR_SEQUENCER_ALREADY_RUNNING, ERR_SEQUENCER_NOT_RUNNING } from '../sequencer/index.js';

export interface EffectsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How the leader learns whether each voter could take over (see select-target.ts). */
export type PeerReports = (
  peers: readonly { id: string; address: string }[],
) => Promise<Map<string, PeerView['report']>>;

export interface SequencerEffectsOptions {
  readonly raft: RaftNode<ApplyResult>;
  readonly fsm: UnsafeHeadFsm;
  readonly opNode: OpNodeClient;
  readonly execution: ExecutionClient;
  readonly metrics: ConductorMetrics;
  readonly logger: EffectsLogger;
  readonly roundRobin: boolean;
  readonly peerReports: PeerReports;
  /** How long to wait for op-node to import posted catch-up payloads. */
  readonly catchUpWaitMs?: number;
}

/** Catch-up rounds before giving up (each round posts up to MAX_CATCH_UP_BLOCKS blocks). */
const MAX_CATCH_UP_ROUNDS = 8;

export class SequencerEffects implements ControlEffects {
  /** Why the last transfer found nobody to hand off to (for the RPC caller's error). */
  lastNoTargetReason = '';

  constructor(private readonly options: SequencerEffectsOptions) {}

  async startSequencer(): Promise<void> {
    const { raft, fsm, opNode, metrics, logger } = this.options;
    // A linearizable read: a deposed leader must not start on a head it has not seen superseded.
    await raft.barrier();
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      const local = await this.localHead();
      const head = fsm.head();
      const committed: CommittedBlock | null = head ? blockOf(head) : null;
      const plan = planStart(committed, local, windowOf(fsm));
      if (plan.kind === 'refuse') throw new Error(plan.error);
      if (plan.kind === 'catchUp') {
        logger.info(
          { from: local.number, to: committed?.number, blocks: plan.payloads.length },
          'catching the local node up from committed payloads before starting',
        );
        for (const envelope of plan.payloads) await opNode.postUnsafePayload(envelope);
        await this.waitForLocalHead(plan.payloads.at(-1));
        continue;
      }
      logger.info({ hash: plan.hash, fresh: plan.fresh }, 'starting sequencer');
      try {
        await opNode.startSequencer(plan.hash as `0x${string}`);
      } catch (error) {
        if (!(error as Error).message.includes(ERR_SEQUENCER_ALREADY_RUNNING)) {
          metrics.recordStartSequencer(false);
          throw new Error(`failed to start sequencer: ${(error as Error).message}`, { cause: error });
        }
        logger.warn({}, 'sequencer already started');
      }
      metrics.recordStartSequencer(true);
      return;
    }
    throw new Error('local node did not reach the committed head after catch-up; will retry');
  }

  async stopSequencer(): Promise<void> {
    const { opNode, metrics, logger } = this.options;
    try {
      const latestHead = await opNode.stopSequencer();
      logger.info({ latestHead }, 'stopped sequencer');
    } catch (error) {
      if (!(error as Error).message.includes(ERR_SEQUENCER_NOT_RUNNING)) {
        metrics.recordStopSequencer(false);
        throw new Error(`failed to stop sequencer: ${(error as Error).message}`, { cause: error });
      }
      logger.warn({}, 'sequencer already stopped');
    }
    metrics.recordStopSequencer(true);
  }

  /**
   * Hands leadership to a voter that can actually sequence. If none can, keeps it: a leader that
   * cannot build blocks and a follower that cannot either are equally stalled, but bouncing
   * leadership between them (or onto a half-provisioned standby) makes recovery harder.
   */
  async transferLeader(): Promise<TransferOutcome> {
    const { raft, fsm, metrics, logger } = this.options;
    if (!raft.isLeader()) return 'transferred'; // op-conductor treats ErrNotLeader as success
    const status = raft.status();
    const candidates = status.configuration.servers.filter(
      (server) => server.id !== raft.id && server.suffrage === 0,
    );
    const reports = await this.options.peerReports(candidates);
    const peers: PeerView[] = candidates.map((server) => ({
      id: server.id,
      address: server.address,
      matchIndex: status.progress.find((peer) => peer.id === server.id)?.match ?? 0,
      report: reports.get(server.id) ?? null,
    }));
    const head = fsm.head();
    const choice = selectTransferTarget(
      peers,
      head ? Number(head.blockNumber) : null,
      fsm.reach(),
      this.options.roundRobin ? raft.id : null,
    );
    if (choice.kind === 'none') {
      this.lastNoTargetReason = choice.reason;
      logger.warn({ reason: choice.reason }, 'keeping leadership: no member can take over sequencing');
      return 'noTarget';
    }
    logger.info({ to: choice.id }, 'transferring leadership');
    try {
      await raft.transferLeadership(choice.id);
      metrics.recordLeaderTransfer(true);
      return 'transferred';
    } catch (error) {
      if ((error as Error).message === 'node is not the leader') return 'transferred';
      metrics.recordLeaderTransfer(false);
      throw error;
    }
  }

  sequencerActive(): Promise<boolean> {
    return this.options.opNode.sequencerActive();
  }

  private async localHead(): Promise<{ number: number; hash: string }> {
    const header = await this.options.execution.getBlockHeader('latest');
    if (!header) throw new Error('execution client has no latest block');
    return { number: Number(header.number), hash: header.hash };
  }

  private async waitForLocalHead(last: ExecutionPayloadEnvelope | undefined): Promise<void> {
    if (!last) return;
    const target = last.executionPayload.blockHash.toLowerCase();
    const deadline = Date.now() + (this.options.catchUpWaitMs ?? 5000);
    while (Date.now() < deadline) {
      if ((await this.localHead()).hash.toLowerCase() === target) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function blockOf(payload: CommittedPayload): CommittedBlock {
  return { number: Number(payload.blockNumber), hash: payload.blockHash, parentHash: payload.parentHash };
}

function windowOf(fsm: UnsafeHeadFsm): CommittedWindow<ExecutionPayloadEnvelope> {
  return {
    payloadAt(number) {
      const payload = fsm.payloadByNumber(BigInt(number));
      return payload ? { block: blockOf(payload), payload: payload.envelope } : null;
    },
  };
}

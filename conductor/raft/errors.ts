/**
 * Errors the core throws at its caller (never at the network: bad input from peers is dropped).
 * Messages repeat hashicorp/raft's texts where one exists, because op-conductor clients match on them.
 */

export type RaftErrorCode =
  | 'NotLeader'
  | 'LeadershipTransferInProgress'
  | 'ConfigurationChanged'
  | 'ConfChangeInProgress'
  | 'UnknownServer'
  | 'InvalidConfChange'
  | 'NoTransferTarget'
  | 'InvalidState';

export class RaftError extends Error {
  override readonly name = 'RaftError';
  constructor(
    readonly code: RaftErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** hashicorp/raft `ErrNotLeader`. */
export const notLeader = (): RaftError => new RaftError('NotLeader', 'node is not the leader');

/** hashicorp/raft `ErrLeadershipTransferInProgress`. */
export const transferInProgress = (): RaftError =>
  new RaftError('LeadershipTransferInProgress', 'leadership transfer in progress');

/** hashicorp/raft's text for a stale `prevIndex` in a membership change. */
export const configurationChanged = (version: number, latest: number): RaftError =>
  new RaftError('ConfigurationChanged', `configuration changed since ${version} (latest is ${latest})`);

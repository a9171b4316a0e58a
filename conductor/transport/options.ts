/** Transport options, their defaults, and the logger shape (pino-compatible). */
import type { NodeId } from '../raft/types.js';

export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface TransportOptions {
  id: NodeId;
  listenHost: string;
  /** 0 = a random free port (returned by start()). */
  listenPort: number;
  /** Mutual TLS: both sides present a certificate signed by `caFile` and verify the other's. */
  tls?: TlsFiles;
  /** Largest gRPC message either way (default 64 MiB; grpc-js would refuse > 4 MiB on receive). */
  maxMessageBytes?: number;
  /** InstallSnapshot chunk size (default 1 MiB). */
  snapshotChunkBytes?: number;
  /** Deadline of each control (unary) call; keep it below the election timeout (default 500 ms). */
  controlDeadlineMs?: number;
  /** Per-peer bulk queue bounds; past either, new messages are dropped and the peer reported unreachable. */
  maxQueueBytes?: number;
  maxQueueMessages?: number;
  logger?: Logger;
}

export interface ResolvedOptions {
  readonly id: NodeId;
  readonly listenHost: string;
  readonly listenPort: number;
  readonly tls: TlsFiles | undefined;
  readonly maxMessageBytes: number;
  readonly snapshotChunkBytes: number;
  readonly controlDeadlineMs: number;
  readonly maxQueueBytes: number;
  readonly maxQueueMessages: number;
  readonly logger: Logger;
  /** A bulk write that has not drained for this long means a dead connection: reconnect. */
  readonly stallTimeoutMs: number;
  /** Reconnect back-off: first delay and cap (a restarted peer is reached within about a second). */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

export const MiB = 1024 * 1024;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function resolveOptions(o: TransportOptions): ResolvedOptions {
  const maxMessageBytes = o.maxMessageBytes ?? 64 * MiB;
  return {
    id: o.id,
    listenHost: o.listenHost,
    listenPort: o.listenPort,
    tls: o.tls,
    maxMessageBytes,
    snapshotChunkBytes: Math.min(o.snapshotChunkBytes ?? MiB, maxMessageBytes - 1024),
    controlDeadlineMs: o.controlDeadlineMs ?? 500,
    maxQueueBytes: o.maxQueueBytes ?? 2 * maxMessageBytes,
    maxQueueMessages: o.maxQueueMessages ?? 4096,
    logger: o.logger ?? silent,
    stallTimeoutMs: 5000,
    backoffInitialMs: 50,
    backoffMaxMs: 1000,
  };
}

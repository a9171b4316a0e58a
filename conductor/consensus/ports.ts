/**
 * The node's two I/O ports. In production they are the WAL (storage/RaftStorage) and the gRPC transport
 * (transport/GrpcTransport); unit tests of the node plug in consensus/testing/memory.ts instead, and the
 * Ready loop between them is the same ReadyDriver either way.
 */
import type {
  Message,
  NodeId,
  PersistBatch,
  Snapshot,
  SnapshotMeta,
  HardState,
  Entry,
} from '../raft/types.js';
import type { Logger } from './driver.js';

/** What storage found at open. */
export interface StoredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Contiguous, starting right after snapshot.meta.index (or at index 1). */
  readonly entries: readonly Entry[];
  /** Why entries this member acknowledged may be gone (a repaired log tail), or null. */
  readonly recovering: string | null;
}

export interface NodeStorage {
  restored(): StoredState;
  /** Resolves once the whole batch is durable; on rejection none of it is. */
  persist(batch: PersistBatch): Promise<void>;
  /** Why a persist error means the volume is out of space (the write may be retried), or null. */
  fullReason(error: Error): string | null;
  markRecovered(): Promise<void>;
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  latestSnapshot(): Snapshot | null;
  /** Deletes stored entries up to and including `throughIndex` (they are in a snapshot). */
  compact(throughIndex: number): Promise<void>;
  close(): Promise<void>;
}

export type OpenStorage = (dir: string, logger: Logger) => Promise<NodeStorage>;

export interface NodeTransport {
  onMessage: (message: Message) => void;
  onUnreachable: (peer: NodeId) => void;
  onSnapshotStatus: (peer: NodeId, ok: boolean) => void;
  /** Bytes of the snapshot a peer is being sent (the core names it by `meta`). */
  snapshotSource: (meta: SnapshotMeta) => Promise<Uint8Array>;
  /** This member's status report for peers choosing a leadership-transfer target. */
  statusProvider: () => Promise<Uint8Array>;
  start(): Promise<{ port: number }>;
  setPeers(peers: ReadonlyMap<NodeId, string>): void;
  /** Never blocks, never throws. */
  send(message: Message): void;
  queryStatus(peer: NodeId, timeoutMs: number): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

export interface TransportSettings {
  readonly id: NodeId;
  readonly listenHost: string;
  readonly listenPort: number;
  readonly tls?: { caFile: string; certFile: string; keyFile: string };
  readonly maxMessageBytes?: number;
  readonly logger: Logger;
}

export type CreateTransport = (settings: TransportSettings) => NodeTransport;

/**
 * In-memory implementations of the node's ports (consensus/ports.ts), for fast unit tests of RaftNode:
 * a storage that keeps what a persist() resolved for (so a "restart" on the same object sees exactly the
 * durable state) and a network hub whose links can be cut. They keep the contracts of RaftStorage and
 * GrpcTransport that the node relies on; bytes and sockets are the storage and transport suites' job.
 */
import type { Message, NodeId, PersistBatch, Snapshot, SnapshotMeta } from '../../raft/types.js';
import type { CreateTransport, NodeStorage, NodeTransport, OpenStorage, StoredState } from '../ports.js';

export class MemoryDiskFull extends Error {}

export class MemoryStorage implements NodeStorage {
  private state: StoredState = {
    hardState: { term: 0, vote: null, commit: 0 },
    snapshot: null,
    entries: [],
    recovering: null,
  };
  private snapshot: Snapshot | null = null;
  /** While true, persist() rejects as a full volume does (nothing of the batch is stored). */
  full = false;
  persists = 0;
  refused = 0;
  markedRecovered = 0;
  open = false;

  /** Marks the log as having lost its tail (as the WAL does after repairing a damaged last record). */
  damage(reason: string): void {
    this.state = { ...this.state, recovering: reason };
  }

  restored(): StoredState {
    return this.state;
  }

  async persist(batch: PersistBatch): Promise<void> {
    await Promise.resolve(); // completes later, as a real write does
    if (!this.open) throw new Error('storage is closed');
    if (this.full) {
      this.refused++;
      throw new MemoryDiskFull('no space left on the in-memory volume');
    }
    let { entries, hardState, snapshot } = this.state;
    if (batch.snapshot) {
      this.snapshot = batch.snapshot;
      snapshot = batch.snapshot;
      entries = [];
    }
    const first = batch.entries[0];
    if (first) {
      const base = snapshot?.meta.index ?? 0;
      const next = base + 1 + entries.length;
      if (first.index > next)
        throw new Error(`entries start at ${first.index} but the log ends at ${next - 1}`);
      entries = entries.filter((e) => e.index < first.index).concat(batch.entries);
    }
    if (batch.hardState) hardState = batch.hardState;
    this.state = { ...this.state, entries, hardState, snapshot };
    this.persists++;
  }

  fullReason(error: Error): string | null {
    return error instanceof MemoryDiskFull ? 'ENOSPC: the in-memory volume is full' : null;
  }

  async markRecovered(): Promise<void> {
    this.state = { ...this.state, recovering: null };
    this.markedRecovered++;
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.snapshot = snapshot;
    this.state = { ...this.state, snapshot };
  }

  latestSnapshot(): Snapshot | null {
    return this.snapshot;
  }

  async compact(throughIndex: number): Promise<void> {
    const through = Math.min(throughIndex, this.snapshot?.meta.index ?? 0);
    this.state = { ...this.state, entries: this.state.entries.filter((e) => e.index > through) };
  }

  async close(): Promise<void> {
    this.open = false;
  }

  /** The node's openStorage option: every open of `dir` returns the same object (a restart keeps it). */
  static opener(disks: Map<string, MemoryStorage>): OpenStorage {
    return async (dir) => {
      const disk = disks.get(dir) ?? new MemoryStorage();
      if (disk.open) throw new Error(`${dir} is open already (the WAL's directory lock)`);
      disk.open = true;
      disks.set(dir, disk);
      return disk;
    };
  }
}

/** Connects MemoryTransports by address ("<id>:<port>"); links can be cut one way. */
export class MemoryNetwork {
  private readonly byAddress = new Map<string, MemoryTransport>();
  private readonly cut = new Set<string>();
  private nextPort = 1;
  delivered = 0;

  /** The node's createTransport option. */
  readonly create: CreateTransport = (settings) =>
    new MemoryTransport(this, settings.id, settings.listenPort);

  /** Drops every message from `from` to `to` until heal(). */
  block(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  register(transport: MemoryTransport, port: number): number {
    const bound = port === 0 ? this.nextPort++ : port;
    this.byAddress.set(`${transport.id}:${bound}`, transport);
    return bound;
  }

  unregister(transport: MemoryTransport): void {
    for (const [address, t] of this.byAddress) if (t === transport) this.byAddress.delete(address);
  }

  /** Delivers on a later turn of the event loop, as a socket would. False if the link is down. */
  route(from: NodeId, address: string, message: Message): boolean {
    const target = this.byAddress.get(address);
    if (!target || this.cut.has(`${from}>${message.to}`)) return false;
    setImmediate(() => {
      if (this.byAddress.get(address) !== target) return;
      this.delivered++;
      target.onMessage(message);
    });
    return true;
  }

  find(address: string): MemoryTransport | undefined {
    return this.byAddress.get(address);
  }
}

export class MemoryTransport implements NodeTransport {
  onMessage: (message: Message) => void = () => {};
  onUnreachable: (peer: NodeId) => void = () => {};
  onSnapshotStatus: (peer: NodeId, ok: boolean) => void = () => {};
  snapshotSource: (meta: SnapshotMeta) => Promise<Uint8Array> = () => Promise.reject(new Error('unset'));
  statusProvider: () => Promise<Uint8Array> = async () => new Uint8Array();
  private peers = new Map<NodeId, string>();

  constructor(
    private readonly network: MemoryNetwork,
    readonly id: NodeId,
    private readonly port: number,
  ) {}

  async start(): Promise<{ port: number }> {
    return { port: this.network.register(this, this.port) };
  }

  setPeers(peers: ReadonlyMap<NodeId, string>): void {
    this.peers = new Map(peers);
  }

  send(message: Message): void {
    const address = this.peers.get(message.to);
    if (address === undefined) return;
    if (message.type !== 'Snapshot') {
      this.network.route(this.id, address, message);
      return;
    }
    // The core names the snapshot by meta; the shell attaches its bytes (see raft/types.ts SnapshotRequest).
    this.snapshotSource(message.snapshot.meta).then(
      (data) => {
        const snapshot = { meta: message.snapshot.meta, data };
        this.onSnapshotStatus(message.to, this.network.route(this.id, address, { ...message, snapshot }));
      },
      () => this.onSnapshotStatus(message.to, false),
    );
  }

  async queryStatus(peer: NodeId): Promise<Uint8Array | null> {
    const address = this.peers.get(peer);
    const target = address === undefined ? undefined : this.network.find(address);
    return target ? target.statusProvider() : null;
  }

  async close(): Promise<void> {
    this.network.unregister(this);
  }
}

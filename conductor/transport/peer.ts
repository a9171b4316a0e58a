/**
 * Everything this node keeps per remote member: three gRPC channels, the bulk links, the bounded
 * bulk queue, and snapshot sending.
 *
 * Channels (each a separate HTTP/2 connection: `grpc.use_local_subchannel_pool` plus a distinct
 * `baton.channel` option keep grpc-js from sharing one subchannel between them):
 *  - control:  our `Control` stream (unary `Send` for a peer that lacks it), every message acknowledged
 *              by the peer within a deadline < election timeout; a 5 MB append elsewhere cannot delay it;
 *  - bulk:     our outbound `Replicate` stream. We dial; the peer writes its appends to us on the
 *              response side, where our receive window is `grpc-node.flow_control_window`. We write
 *              our AppendResps (small) on the request side;
 *  - snapshot: `InstallSnapshot` uploads, so a long snapshot never shares a window with the above.
 *
 * Link choice for a bulk message: an Append goes on the *inbound* link (the peer dialled us, so it
 * receives on its client side, fast); AppendResp on our outbound link. Either falls back to the other
 * link, which is what lets a freshly added member that does not yet know the leader's address
 * (empty configuration) still receive appends and answer: the leader's outbound stream reaches it.
 * While control calls to a peer fail (a stale address), control messages also take its inbound link.
 * Measured (e2e/bench/probe-window.ts, grpc-js 1.14.7, 5 MB message, 2 ms RTT relay): client→server 300 ms
 * (64 KiB server window), server→client with a 64 MiB client window 18 ms. On bare loopback both are
 * 8–17 ms, which is why the difference only shows with a real round-trip time.
 */
import * as grpc from '@grpc/grpc-js';
import type { Message, NodeId, SnapshotMeta, SnapshotRequest } from '../raft/types.js';
import { Backoff } from './backoff.js';
import { BulkLink } from './bulk-link.js';
import { approximateSize, asBuffer, encodeMessage, isControl, type WireBulkFrame } from './codec.js';
import { MiB, type ResolvedOptions } from './options.js';
import {
  callSend,
  callStatus,
  openControl,
  openInstallSnapshot,
  openReplicate,
  type ControlClientCall,
  type ReplicateClientCall,
} from './service.js';

/** What a Peer needs from its transport. */
export interface PeerHost {
  readonly options: ResolvedOptions;
  readonly credentials: grpc.ChannelCredentials;
  deliverWire(wire: unknown, via: string): void;
  unreachable(peer: NodeId): void;
  snapshotStatus(peer: NodeId, ok: boolean): void;
  snapshotSource(meta: SnapshotMeta): Promise<Uint8Array>;
}

export interface PeerStats {
  /** Our outbound bulk stream to the peer is established (the peer answered our Hello). */
  connected: boolean;
  /** The peer's stream to us is established (appends to it travel there). */
  inbound: boolean;
  queuedMessages: number;
  queuedBytes: number;
  sent: number;
  dropped: number;
}

interface Clients {
  control: grpc.Client;
  bulk: grpc.Client;
  snapshot: grpc.Client;
}

interface Queued {
  message: Message;
  bytes: number;
}

/** Bytes handed to grpc-js but not yet flushed, per link (at least one message always passes). */
const MAX_INFLIGHT_BYTES = 8 * MiB;
/** Consecutive control deadlines before the channels are rebuilt (a half-open TCP connection). */
const DEADLINES_BEFORE_REBUILD = 3;
/**
 * Control messages written on the stream and not yet acknowledged, past which new ones are dropped (Raft
 * resends what matters): a leader writes ten heartbeats a second, so this is seconds of a silent peer.
 */
const MAX_UNACKED_CONTROL = 64;

export class Peer {
  private clients: Clients | null = null;
  private generation = 0;
  private outboundCall: ReplicateClientCall | null = null;
  private outbound: BulkLink | null = null;
  private inbound: BulkLink | null = null;
  private endInbound: (() => void) | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private sent = 0;
  private dropped = 0;
  private deadlineStreak = 0;
  /** The last control call to this peer failed (and none has succeeded since). */
  private controlFailing = false;
  /** Our Control stream to the peer (opened by the first control message, again after a failure). */
  private controlCall: ControlClientCall | null = null;
  /** When each message written on controlCall and not yet acknowledged was written, oldest first. */
  private unacked: number[] = [];
  /**
   * The peer answered Control with UNIMPLEMENTED (a Baton from before it, mid rolling upgrade): one unary
   * Send per message until the channels are rebuilt or re-pointed, when the stream is tried again.
   */
  private controlStreamUnsupported = false;
  private snapshotInFlight = false;
  private closed = false;

  constructor(
    readonly id: NodeId,
    private address: string | null,
    private readonly host: PeerHost,
  ) {
    this.backoff = new Backoff(host.options.backoffInitialMs, host.options.backoffMaxMs);
    this.connect();
  }

  get hasAddress(): boolean {
    return this.address !== null;
  }

  get hasInbound(): boolean {
    return this.inbound !== null;
  }

  /** Re-point at a new address (configuration change) or learn one for an inbound-only peer. */
  setAddress(address: string | null): void {
    if (address === this.address) return;
    this.address = address;
    this.disconnect();
    this.connect();
  }

  send(message: Message): void {
    if (this.closed) return;
    if (message.type === 'Snapshot') this.sendSnapshot(message);
    else if (isControl(message) && this.clients !== null) {
      this.sendControl(message);
      this.sendControlViaInbound(message);
    } else this.enqueue(message);
  }

  /**
   * The control channel dials the peer's configured address, which can be stale: a recreated pod keeps
   * its DNS name but not its IP, and DNS answers with the old one for up to ~30 s (CoreDNS caches,
   * grpc-js re-resolves at most every 30 s). Until then every heartbeat and vote to it is lost, and a
   * leader cannot tell a live peer from a dead one — yet the peer has dialled *us* and that stream is
   * proven live. While control calls fail, control messages also go on it; Raft tolerates duplicates.
   */
  private sendControlViaInbound(message: Message): void {
    const link = this.inbound;
    if (!this.controlFailing || link === null || !link.writable) return;
    this.sent++;
    link.write({ message: encodeMessage(message) }, approximateSize(message));
  }

  attachInbound(link: BulkLink, end: () => void): void {
    if (this.inbound !== null && this.inbound !== link) {
      this.inbound.close();
      this.endInbound?.();
    }
    this.inbound = link;
    this.endInbound = end;
    link.onWritable = () => this.pump();
    this.pump();
  }

  detachInbound(link: BulkLink): void {
    if (this.inbound !== link) return;
    this.inbound = null;
    this.endInbound = null;
    this.dropUnroutable('inbound stream closed');
  }

  stats(): PeerStats {
    return {
      connected: this.outbound !== null,
      inbound: this.inbound !== null,
      queuedMessages: this.queue.length,
      queuedBytes: this.queuedBytes,
      sent: this.sent,
      dropped: this.dropped,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.disconnect();
    this.inbound?.close();
    this.endInbound?.();
    this.inbound = null;
    this.endInbound = null;
    this.dropped += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
  }

  /* ---------- connections ---------- */

  private connect(): void {
    if (this.closed || this.address === null) return;
    const o = this.host.options;
    const common: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': o.maxMessageBytes,
      'grpc.max_send_message_length': o.maxMessageBytes,
      'grpc.initial_reconnect_backoff_ms': o.backoffInitialMs,
      'grpc.max_reconnect_backoff_ms': o.backoffMaxMs,
      // No transparent retries: they buffer copies of (large) messages; Raft does its own retrying.
      'grpc.enable_retries': 0,
      // One subchannel (TCP connection) per channel, never shared between our three channels.
      'grpc.use_local_subchannel_pool': 1,
      'baton.generation': this.generation,
    };
    try {
      this.clients = {
        control: new grpc.Client(this.address, this.host.credentials, {
          ...common,
          'baton.channel': 'control',
        }),
        bulk: new grpc.Client(this.address, this.host.credentials, {
          ...common,
          'baton.channel': 'bulk',
          // Our receive window for the appends the peer streams to us (and the connection window).
          'grpc-node.flow_control_window': o.maxMessageBytes,
        }),
        snapshot: new grpc.Client(this.address, this.host.credentials, {
          ...common,
          'baton.channel': 'snapshot',
        }),
      };
    } catch (error) {
      this.host.options.logger.error(
        { peer: this.id, address: this.address, err: String(error) },
        'bad peer address',
      );
      this.clients = null;
      return;
    }
    // Connect eagerly: the first heartbeat should not pay for the TCP/TLS handshake.
    this.clients.control.getChannel().getConnectivityState(true);
    this.openOutbound();
  }

  private disconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.dropControlStream();
    this.controlStreamUnsupported = false;
    const call = this.outboundCall;
    this.outboundCall = null;
    this.outbound?.close();
    this.outbound = null;
    call?.cancel();
    if (this.clients !== null) {
      this.clients.control.close();
      this.clients.bulk.close();
      this.clients.snapshot.close();
    }
    this.clients = null;
  }

  private openOutbound(): void {
    if (this.closed || this.clients === null || this.outboundCall !== null) return;
    const o = this.host.options;
    const call = openReplicate(this.clients.bulk);
    this.outboundCall = call;
    const link = new BulkLink(this.id, 'outbound', call, MAX_INFLIGHT_BYTES, o.stallTimeoutMs, () => {
      o.logger.warn({ peer: this.id }, 'bulk stream stalled; reconnecting');
      call.cancel();
    });
    link.onWritable = () => this.pump();
    let down = false;
    const onDown = (reason: string): void => {
      if (down) return;
      down = true;
      link.close();
      if (this.outbound === link) this.outbound = null;
      if (this.outboundCall !== call) return; // replaced or disconnected on purpose
      this.outboundCall = null;
      o.logger.debug({ peer: this.id, reason }, 'bulk stream down');
      this.dropUnroutable(reason);
      this.scheduleReconnect();
    };
    call.on('data', (frame: WireBulkFrame) => {
      if (frame.frame === 'hello') {
        if (frame.hello?.from !== this.id) {
          o.logger.warn(
            { peer: this.id, answered: frame.hello?.from },
            'peer address answered by another member',
          );
          call.cancel();
          return;
        }
        this.outbound = link;
        this.backoff.reset();
        o.logger.debug({ peer: this.id }, 'bulk stream up');
        this.pump();
      } else {
        this.host.deliverWire(frame.message, `bulk-out:${this.id}`);
      }
    });
    call.on('error', (error: Error) => onDown(error.message));
    call.on('end', () => onDown('ended by peer'));
    call.on('close', () => onDown('closed'));
    call.write({ hello: { from: o.id, to: this.id } });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.clients === null || this.reconnectTimer !== null) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.openOutbound();
    }, this.backoff.next());
    this.reconnectTimer.unref();
  }

  /** New channels (and so new TCP connections): grpc-js would otherwise keep using a half-open one. */
  private rebuild(): void {
    this.host.options.logger.warn({ peer: this.id }, 'control calls keep timing out; reconnecting');
    this.generation++;
    this.disconnect();
    this.connect();
  }

  /* ---------- control path ---------- */

  /** Asks the peer for its status report; null if it cannot be reached within the deadline. */
  queryStatus(timeoutMs: number): Promise<Uint8Array | null> {
    const clients = this.clients;
    if (clients === null || this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      callStatus(clients.control, new Date(Date.now() + timeoutMs), (error, reply) => {
        resolve(error === null && reply !== undefined ? new Uint8Array(reply.report) : null);
      });
    });
  }

  private sendControl(message: Message): void {
    if (this.clients === null) return;
    if (this.controlStreamUnsupported) {
      this.sendControlUnary(message);
      return;
    }
    const now = Date.now();
    this.checkControlDeadlines(now);
    if (this.clients === null) return; // rebuilt and the new address is unusable
    if (this.unacked.length >= MAX_UNACKED_CONTROL) {
      this.dropped++;
      return;
    }
    const call = this.controlCall ?? this.openControlStream();
    this.sent++;
    this.unacked.push(now);
    call.write(encodeMessage(message));
  }

  /**
   * What a unary call's deadline did, for the stream: a message not acknowledged within the control deadline
   * marks the peer unreachable (and routes control messages over its inbound stream too), and three in a row
   * rebuild the channels, as three consecutive DEADLINE_EXCEEDED calls did. Checked whenever a control
   * message is about to go out, which for a leader is every heartbeat.
   */
  private checkControlDeadlines(now: number): void {
    const deadline = this.host.options.controlDeadlineMs;
    let expired = 0;
    for (const writtenAt of this.unacked) {
      if (now - writtenAt <= deadline) break;
      expired++;
    }
    if (expired === 0) return;
    this.controlFailing = true;
    this.host.options.logger.debug({ peer: this.id, unacknowledged: expired }, 'control send timed out');
    this.host.unreachable(this.id);
    if (expired >= DEADLINES_BEFORE_REBUILD) this.rebuild();
  }

  private openControlStream(): ControlClientCall {
    const call = openControl(this.clients!.control);
    this.controlCall = call;
    call.on('data', () => {
      if (this.controlCall !== call) return;
      this.unacked.shift();
      this.controlFailing = false;
    });
    call.on('error', (error: grpc.ServiceError) => {
      if (this.controlCall !== call) return; // cancelled on purpose
      if (error.code === grpc.status.UNIMPLEMENTED) {
        this.host.options.logger.info(
          { peer: this.id },
          'peer has no Control stream (an older Baton): control messages go one unary call each',
        );
        this.controlStreamUnsupported = true;
        this.dropControlStream();
        return;
      }
      this.controlFailed(error.details || error.message);
    });
    call.on('end', () => {
      if (this.controlCall === call) this.controlFailed('control stream ended by peer');
    });
    return call;
  }

  /** The stream broke: the next control message opens another; meanwhile the peer counts as unreachable. */
  private controlFailed(reason: string): void {
    this.dropControlStream();
    this.controlFailing = true;
    this.host.options.logger.debug({ peer: this.id, err: reason }, 'control stream failed');
    this.host.unreachable(this.id);
  }

  private dropControlStream(): void {
    const call = this.controlCall;
    this.controlCall = null;
    this.unacked = [];
    call?.cancel();
  }

  private sendControlUnary(message: Message): void {
    if (this.clients === null) return;
    const deadline = new Date(Date.now() + this.host.options.controlDeadlineMs);
    this.sent++;
    callSend(this.clients.control, encodeMessage(message), deadline, (error) => {
      if (error === null) {
        this.deadlineStreak = 0;
        this.controlFailing = false;
        return;
      }
      this.controlFailing = true;
      this.host.options.logger.debug(
        { peer: this.id, type: message.type, err: error.details },
        'control send failed',
      );
      this.host.unreachable(this.id);
      if (error.code === grpc.status.DEADLINE_EXCEEDED && ++this.deadlineStreak >= DEADLINES_BEFORE_REBUILD) {
        this.deadlineStreak = 0;
        this.rebuild();
      }
    });
  }

  /* ---------- bulk path ---------- */

  private linkFor(message: Message): BulkLink | null {
    return message.type === 'Append' ? (this.inbound ?? this.outbound) : (this.outbound ?? this.inbound);
  }

  /** A link exists or is being established, so queueing is worthwhile. */
  private get routable(): boolean {
    return this.inbound !== null || this.outbound !== null || this.outboundCall !== null;
  }

  private enqueue(message: Message): void {
    const bytes = approximateSize(message);
    const o = this.host.options;
    const full =
      this.queue.length >= o.maxQueueMessages ||
      (this.queue.length > 0 && this.queuedBytes + bytes > o.maxQueueBytes);
    if (!this.routable || full) {
      this.dropped++;
      o.logger.debug({ peer: this.id, type: message.type, full }, 'bulk message dropped');
      this.host.unreachable(this.id);
      return;
    }
    this.queue.push({ message, bytes });
    this.queuedBytes += bytes;
    this.pump();
  }

  private pump(): void {
    for (;;) {
      const head = this.queue[0];
      if (head === undefined) return;
      const link = this.linkFor(head.message);
      if (link === null || !link.writable) return; // resumed by onWritable or a new link
      this.queue.shift();
      this.queuedBytes -= head.bytes;
      this.sent++;
      link.write({ message: encodeMessage(head.message) }, head.bytes);
    }
  }

  private dropUnroutable(reason: string): void {
    if (this.routable || this.queue.length === 0) return;
    this.host.options.logger.debug(
      { peer: this.id, reason, count: this.queue.length },
      'dropping queued messages',
    );
    this.dropped += this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
    this.host.unreachable(this.id);
  }

  /* ---------- snapshots ---------- */

  private sendSnapshot(message: SnapshotRequest): void {
    if (this.snapshotInFlight) {
      this.host.options.logger.debug({ peer: this.id }, 'snapshot already in flight; ignoring another');
      return;
    }
    const clients = this.clients;
    if (clients === null) {
      this.host.snapshotStatus(this.id, false);
      return;
    }
    this.snapshotInFlight = true;
    this.sent++;
    void this.streamSnapshot(clients.snapshot, message)
      .then((ok) => this.host.snapshotStatus(this.id, ok))
      .finally(() => (this.snapshotInFlight = false));
  }

  private async streamSnapshot(client: grpc.Client, message: SnapshotRequest): Promise<boolean> {
    const o = this.host.options;
    let data: Uint8Array;
    try {
      data =
        message.snapshot.data.byteLength > 0
          ? message.snapshot.data
          : await this.host.snapshotSource(message.snapshot.meta);
    } catch (error) {
      o.logger.error({ peer: this.id, err: String(error) }, 'snapshot source failed');
      return false;
    }
    // Like hashicorp/raft: the deadline scales with the size (here 10 s + 1 s per MiB).
    const deadline = new Date(Date.now() + 10_000 + Math.ceil(data.byteLength / MiB) * 1000);
    let settle: (ok: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    let finished = false;
    const call = openInstallSnapshot(client, deadline, (error, ack) => {
      finished = true;
      const ok = error === null && ack?.ok === true;
      if (!ok) o.logger.warn({ peer: this.id, err: error?.details ?? ack?.error }, 'snapshot not installed');
      settle(ok);
    });
    call.on('error', () => {}); // reported through the callback
    const writable = (): Promise<unknown> =>
      Promise.race([new Promise((resolve) => call.once('drain', resolve)), done]);
    const header = { ...message, snapshot: { meta: message.snapshot.meta, data: new Uint8Array(0) } };
    if (!call.write({ header: { message: encodeMessage(header), totalBytes: data.byteLength } }))
      await writable();
    for (let offset = 0; offset < data.byteLength && !finished; offset += o.snapshotChunkBytes) {
      const end = Math.min(data.byteLength, offset + o.snapshotChunkBytes);
      if (!call.write({ data: asBuffer(data.subarray(offset, end)) })) await writable(); // a view: no copy
    }
    if (!finished) call.end();
    return done;
  }
}

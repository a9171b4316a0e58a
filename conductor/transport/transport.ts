/**
 * GrpcTransport: the Raft node's view of the network. `send()` never blocks and never throws; it
 * routes by message type (control → unary Send, Append/AppendResp → bulk stream, Snapshot →
 * InstallSnapshot). Inbound messages are validated and handed to `onMessage`.
 */
import * as grpc from '@grpc/grpc-js';
import type { Message, NodeId, SnapshotMeta } from '../raft/types.js';
import type { BulkLink } from './bulk-link.js';
import { tryDecodeMessage } from './codec.js';
import { resolveOptions, type ResolvedOptions, type TransportOptions } from './options.js';
import { Peer, type PeerHost, type PeerStats } from './peer.js';
import { createRaftHandlers, type ServerHost } from './server.js';
import { addRaftService } from './service.js';
import { channelCredentials, serverCredentials } from './tls.js';

/** close() waits this long for in-flight calls before forcing the server down. */
const CLOSE_GRACE_MS = 1000;

export class GrpcTransport implements PeerHost, ServerHost {
  onMessage: (message: Message) => void = () => {};
  onUnreachable: (peer: NodeId) => void = () => {};
  onSnapshotStatus: (peer: NodeId, ok: boolean) => void = () => {};
  /** This member's status report for peers (the conductor sets it; see proto Status). */
  statusProvider: () => Promise<Uint8Array> = async () => new Uint8Array();
  snapshotSource: (meta: SnapshotMeta) => Promise<Uint8Array> = () =>
    Promise.reject(new Error('GrpcTransport.snapshotSource is not set'));

  readonly options: ResolvedOptions;
  readonly credentials: grpc.ChannelCredentials;
  private readonly peers = new Map<NodeId, Peer>();
  private server: grpc.Server | null = null;
  private closed = false;

  constructor(options: TransportOptions) {
    this.options = resolveOptions(options);
    this.credentials = channelCredentials(this.options.tls);
  }

  async start(): Promise<{ port: number }> {
    const o = this.options;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': o.maxMessageBytes,
      'grpc.max_send_message_length': o.maxMessageBytes,
    });
    addRaftService(server, createRaftHandlers(this));
    const host = o.listenHost.includes(':') ? `[${o.listenHost}]` : o.listenHost;
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${o.listenPort}`, serverCredentials(o.tls), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    this.server = server;
    o.logger.info({ id: o.id, port, tls: o.tls !== undefined }, 'raft transport listening');
    return { port };
  }

  /** The Raft configuration changed: connect to new members, drop removed ones (self is ignored). */
  setPeers(peers: ReadonlyMap<NodeId, string>): void {
    if (this.closed) return;
    for (const [id, peer] of this.peers) {
      if (!peers.has(id) && peer.hasAddress) {
        peer.close();
        this.peers.delete(id);
      }
    }
    for (const [id, address] of peers) {
      if (id === this.options.id) continue;
      const existing = this.peers.get(id);
      if (existing === undefined) this.peers.set(id, new Peer(id, address, this));
      else existing.setAddress(address);
    }
  }

  send(message: Message): void {
    try {
      if (this.closed) return;
      const peer = this.peers.get(message.to);
      if (peer === undefined) {
        this.options.logger.debug({ to: message.to, type: message.type }, 'no route to peer');
        this.unreachable(message.to);
        return;
      }
      peer.send(message);
    } catch (error) {
      this.options.logger.error({ to: message.to, type: message.type, err: String(error) }, 'send failed');
    }
  }

  /** Asks a configured peer for its status report; null if unknown or unreachable in time. */
  queryStatus(peer: NodeId, timeoutMs: number): Promise<Uint8Array | null> {
    const target = this.peers.get(peer);
    return target ? target.queryStatus(timeoutMs) : Promise.resolve(null);
  }

  statusReport(): Promise<Uint8Array> {
    return this.statusProvider();
  }

  stats(): Record<NodeId, PeerStats> {
    const out: Record<NodeId, PeerStats> = {};
    for (const [id, peer] of this.peers) out[id] = peer.stats();
    return out;
  }

  /** Ends every stream, then shuts the server down (forcibly after CLOSE_GRACE_MS); frees the port. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    const server = this.server;
    this.server = null;
    if (server === null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, CLOSE_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /* ---------- PeerHost / ServerHost ---------- */

  deliverWire(wire: unknown, via: string): void {
    const decoded = tryDecodeMessage(wire);
    if ('error' in decoded) {
      this.options.logger.warn({ via, err: decoded.error }, 'malformed raft message dropped');
      return;
    }
    this.deliverMessage(decoded.message, via);
  }

  deliverMessage(message: Message, via: string): void {
    if (this.closed) return;
    if (message.to !== this.options.id) {
      this.options.logger.warn(
        { via, to: message.to, from: message.from },
        'message for another member dropped',
      );
      return;
    }
    try {
      this.onMessage(message);
    } catch (error) {
      this.options.logger.error({ via, type: message.type, err: String(error) }, 'onMessage threw');
    }
  }

  inboundOpened(peerId: NodeId, link: BulkLink, end: () => void): void {
    if (this.closed) {
      end();
      return;
    }
    let peer = this.peers.get(peerId);
    if (peer === undefined) {
      // Not (yet) in our configuration, e.g. we just joined: answer over its stream until we learn it.
      peer = new Peer(peerId, null, this);
      this.peers.set(peerId, peer);
    }
    peer.attachInbound(link, end);
  }

  inboundClosed(peerId: NodeId, link: BulkLink): void {
    const peer = this.peers.get(peerId);
    if (peer === undefined) return;
    peer.detachInbound(link);
    if (!peer.hasAddress && !peer.hasInbound) {
      peer.close();
      this.peers.delete(peerId);
    }
  }

  unreachable(peer: NodeId): void {
    try {
      this.onUnreachable(peer);
    } catch (error) {
      this.options.logger.error({ peer, err: String(error) }, 'onUnreachable threw');
    }
  }

  snapshotStatus(peer: NodeId, ok: boolean): void {
    try {
      this.onSnapshotStatus(peer, ok);
    } catch (error) {
      this.options.logger.error({ peer, err: String(error) }, 'onSnapshotStatus threw');
    }
  }
}

/**
 * Block gossip between simulated op-nodes: a stand-in for op-node's libp2p blocks topic.
 *
 * Each node listens on its p2p address (`--p2p.listen.ip`, `--p2p.listen.tcp`) with a tiny
 * JSON-RPC service, and dials the peers named by `--p2p.static` (multiaddrs such as
 * `/ip4/127.0.0.1/tcp/9222/p2p/<id>`, or plain `host:port`), skipping its own address as op-node does
 * (its peer id comes from the `--p2p.priv.path` key, exactly as op-node derives it). Publishing sends the envelope to every
 * peer after `--sim.gossip-delay`, dropping each copy with probability `--sim.gossip-loss`. A node
 * that misses blocks asks a peer for them by number (simple request-response sync, like op-node's
 * p2p sync). A peer counts as connected while it answers a status ping (every second).
 */
import type { ExecutionPayloadEnvelopeJson } from '../chain/envelope.js';
import { rpcCall } from '../rpc/client.js';
import { startRpcServer, type Handlers, type RunningServer } from '../rpc/server.js';

export interface GossipOptions {
  nodeId: string;
  listenHost: string;
  listenPort: number;
  peers: string[];
  /** This node's peer id: a static peer `/…/p2p/<selfPeerId>` is skipped, as op-node does. */
  selfPeerId?: string;
  delayMs: number;
  loss: number;
  /** A block arrived from `from`, with the sequencer's signature (signer.ts). */
  onBlock: (from: string, env: unknown, signature: unknown) => Promise<void>;
  /** Serves a canonical block to a syncing peer. */
  blockByNumber: (n: number) => Promise<ExecutionPayloadEnvelopeJson | undefined>;
  log: (msg: string) => void;
}

/** Turns a multiaddr or host:port into the peer's HTTP URL. */
export function peerUrl(addr: string): string {
  const m = /^\/(?:ip4|ip6|dns4|dns6|dns)\/([^/]+)\/tcp\/(\d+)/.exec(addr.trim());
  if (m) return `http://${m[1]}:${m[2]}`;
  if (/^https?:\/\//.test(addr)) return addr;
  return `http://${addr.trim()}`;
}

export class Gossip {
  private server: RunningServer | undefined;
  private readonly peerUrls: string[];
  private readonly reachable = new Set<string>();
  private pinger: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: GossipOptions) {
    this.peerUrls = opts.peers
      .map((p) => p.trim())
      .filter((p) => p !== '' && !(opts.selfPeerId !== undefined && p.endsWith(`/p2p/${opts.selfPeerId}`)))
      .map(peerUrl);
  }

  get url(): string {
    return this.server?.url ?? '';
  }

  get connected(): number {
    return this.reachable.size;
  }

  get known(): number {
    return this.peerUrls.length;
  }

  async start(): Promise<void> {
    const handlers: Handlers = {
      simp2p_gossip: async ([from, env, signature]) => {
        await this.opts.onBlock(typeof from === 'string' ? from : 'unknown', env, signature);
        return true;
      },
      simp2p_blockByNumber: async ([n]) =>
        typeof n === 'number' ? ((await this.opts.blockByNumber(n)) ?? null) : null,
      simp2p_status: () => ({ id: this.opts.nodeId }),
    };
    this.server = await startRpcServer(handlers, { host: this.opts.listenHost, port: this.opts.listenPort });
    const ping = (): void => {
      for (const url of this.peerUrls) {
        rpcCall(url, 'simp2p_status', [], { timeoutMs: 800 }).then(
          () => this.reachable.add(url),
          () => this.reachable.delete(url),
        );
      }
    };
    ping();
    this.pinger = setInterval(ping, 1000);
    this.pinger.unref();
  }

  /** Sends a signed block to every peer, each copy subject to the configured delay and loss. */
  publish(env: ExecutionPayloadEnvelopeJson, signature: string): void {
    for (const url of this.peerUrls) {
      if (this.opts.loss > 0 && Math.random() < this.opts.loss) continue;
      const send = (): void => {
        if (this.closed) return;
        rpcCall(url, 'simp2p_gossip', [this.opts.nodeId, env, signature], { timeoutMs: 5000 }).catch(
          () => {},
        );
      };
      if (this.opts.delayMs > 0) setTimeout(send, this.opts.delayMs).unref();
      else send();
    }
  }

  /** Asks peers, in turn, for the canonical block at height n. */
  async fetchBlock(n: number): Promise<unknown> {
    for (const url of this.peerUrls) {
      try {
        const env = await rpcCall(url, 'simp2p_blockByNumber', [n], { timeoutMs: 2000 });
        if (env) return env;
      } catch {
        // try the next peer
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pinger) clearInterval(this.pinger);
    await this.server?.close();
  }
}

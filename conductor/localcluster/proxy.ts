/**
 * A TCP forwarder that can be cut: the tool for network partitions between real processes. Cutting it
 * behaves like a partition on the wire: connections it carries are reset (as a middlebox timing them
 * out would), and new ones are accepted but go nowhere — silence, then timeouts, not a polite refusal.
 * Healing it lets the connections opened during the cut through, as TCP would once its retransmissions
 * get an answer: what the client wrote meanwhile is delivered.
 */
import net from 'node:net';

export class LinkProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted while cut: waiting, with whatever the client sent, for the link to heal. */
  private readonly held = new Set<net.Socket>();
  private blocked = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(host = '127.0.0.1'): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server?.listen(0, host, resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  block(): void {
    this.blocked = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  unblock(): void {
    this.blocked = false;
    const waiting = [...this.held];
    this.held.clear();
    for (const client of waiting) if (!client.destroyed) this.forward(client);
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  async close(): Promise<void> {
    this.block();
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => client.destroy());
    if (this.blocked) {
      // Hold it paused: nothing is read, so what the client sends waits in the kernel's buffers.
      client.pause();
      this.held.add(client);
      client.on('close', () => this.held.delete(client));
      return;
    }
    this.forward(client);
  }

  private forward(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}

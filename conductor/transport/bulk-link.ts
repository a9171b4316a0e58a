/**
 * One direction-agnostic end of a Replicate stream, as seen by the side that writes frames into it.
 *
 * The same class wraps our client call (outbound: we dialled the peer) and a server call (inbound:
 * the peer dialled us); both are Node object-mode Writables. Back-pressure is respected twice:
 *  - `write()` returning false (the Writable's 16-object high-water mark) → wait for 'drain';
 *  - bytes handed to grpc-js but not yet flushed to HTTP/2 (the write callback has not fired) are
 *    bounded by `maxInflightBytes`, because 16 × 5 MB objects would be 80 MB of hidden buffering.
 * A write that makes no progress for `stallTimeoutMs` means a dead connection (no gRPC keepalive is
 * used; Raft heartbeats detect dead peers, this only frees the link): `onStall` tears it down.
 */
import type { NodeId } from '../raft/types.js';
import type { WireBulkFrame } from './codec.js';

export interface FrameStream {
  write(frame: WireBulkFrame, callback: (error?: Error | null) => void): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export type LinkDirection = 'inbound' | 'outbound';

export class BulkLink {
  private inflightBytes = 0;
  private waitingForDrain = false;
  private closed = false;
  private stallTimer: NodeJS.Timeout | null = null;
  /** Called whenever the link may accept another frame. */
  onWritable: () => void = () => {};

  constructor(
    readonly peer: NodeId,
    readonly direction: LinkDirection,
    private readonly stream: FrameStream,
    private readonly maxInflightBytes: number,
    private readonly stallTimeoutMs: number,
    private readonly onStall: (link: BulkLink) => void,
  ) {}

  /** Always lets one frame through when nothing is in flight, however large. */
  get writable(): boolean {
    return (
      !this.closed &&
      !this.waitingForDrain &&
      (this.inflightBytes === 0 || this.inflightBytes < this.maxInflightBytes)
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(frame: WireBulkFrame, bytes: number): void {
    if (this.closed) return;
    this.inflightBytes += bytes;
    this.armStallTimer();
    const more = this.stream.write(frame, (error) => {
      this.inflightBytes -= bytes;
      if (this.inflightBytes <= 0) this.clearStallTimer();
      else this.armStallTimer();
      if (!error && !this.closed) this.onWritable();
    });
    if (!more) {
      this.waitingForDrain = true;
      this.stream.once('drain', () => {
        this.waitingForDrain = false;
        if (!this.closed) this.onWritable();
      });
    }
  }

  close(): void {
    this.closed = true;
    this.clearStallTimer();
  }

  private armStallTimer(): void {
    this.clearStallTimer();
    this.stallTimer = setTimeout(() => {
      if (!this.closed) this.onStall(this);
    }, this.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private clearStallTimer(): void {
    if (this.stallTimer !== null) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }
}

/**
 * The appends a leader has sent to one follower in replicate state and not yet seen acknowledged,
 * bounded by count AND bytes (etcd `MaxInflightMsgs`/`MaxInflightBytes`). hashicorp found deep
 * pipelines hurt commit latency under load, so the count bound is small; the byte bound caps the
 * bandwidth-delay product when blocks are megabytes.
 */
export class Inflights {
  private readonly queue: Array<{ readonly index: number; readonly bytes: number }> = [];
  private totalBytes = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  /** Records an append whose last entry is `index`. Indexes are added in increasing order. */
  add(index: number, bytes: number): void {
    this.queue.push({ index, bytes });
    this.totalBytes += bytes;
  }

  /** An acknowledgement of `index` frees every append up to it. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.queue.length && (this.queue[n]?.index ?? Infinity) <= index) {
      this.totalBytes -= this.queue[n]?.bytes ?? 0;
      n++;
    }
    if (n > 0) this.queue.splice(0, n);
  }

  /**
   * Frees the oldest append. A heartbeat answer proves the follower is alive, so if the window is full
   * (appends were probably lost) this lets one more append through, whose rejection then sends the
   * follower back to probing (etcd does the same).
   */
  freeFirst(): void {
    const first = this.queue.shift();
    if (first) this.totalBytes -= first.bytes;
  }

  /** Full when either bound is reached; a single append larger than the byte bound still goes alone. */
  full(): boolean {
    return this.queue.length >= this.maxCount || (this.maxBytes > 0 && this.totalBytes >= this.maxBytes);
  }

  get count(): number {
    return this.queue.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  reset(): void {
    this.queue.length = 0;
    this.totalBytes = 0;
  }
}

/**
 * op-node's conductor client (op-node/node/conductor.go), reproduced for timing fidelity:
 *
 * - `leader()` and `commitUnsafePayload()` each get ONE deadline of `--conductor.rpc-timeout`
 *   (default 1 s) covering every attempt, and make at most 2 attempts 50 ms apart
 *   (`retry.Do(ctx, 2, retry.Fixed(50ms), …)`).
 * - after `admin_overrideLeader`, `leader()` is true and commits are no-ops, until restart.
 * - with the conductor disabled, op-node uses a no-op conductor: always leader, commits succeed.
 */
import type { ExecutionPayloadEnvelopeJson } from '../chain/envelope.js';
import { errorMessage, rpcCall } from '../rpc/client.js';

const ATTEMPTS = 2;
const RETRY_DELAY_MS = 50;

export class ConductorClient {
  private overridden = false;

  constructor(
    readonly enabled: boolean,
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  override(): void {
    this.overridden = true;
  }

  async leader(): Promise<boolean> {
    if (!this.enabled || this.overridden) return true;
    return this.withRetry((timeoutMs) => rpcCall<boolean>(this.url, 'conductor_leader', [], { timeoutMs }));
  }

  async commitUnsafePayload(env: ExecutionPayloadEnvelopeJson): Promise<void> {
    if (!this.enabled || this.overridden) return;
    await this.withRetry((timeoutMs) =>
      rpcCall(this.url, 'conductor_commitUnsafePayload', [env], { timeoutMs }),
    );
  }

  private async withRetry<T>(op: (timeoutMs: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let lastErr: unknown = new Error('context deadline exceeded');
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        return await op(remaining);
      } catch (err) {
        lastErr = err;
      }
      if (attempt < ATTEMPTS)
        await new Promise((r) => setTimeout(r, Math.min(RETRY_DELAY_MS, Math.max(0, deadline - Date.now()))));
    }
    throw new Error(errorMessage(lastErr));
  }
}

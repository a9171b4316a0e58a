/**
 * The two ways a JSON-RPC call fails, shared by every caller (the conductor's upstreams, the conductor
 * client of the operator and `baton ctl`) and by the conductor's own server, which throws RpcError to
 * choose the code it answers with.
 *
 * RpcError.message is the server's message verbatim: the control loop matches substrings of it
 * (`sequencer already running`, reference §3.3) and tools grep op-conductor's texts. Where a person reads
 * it, `describeRpcFailure` adds which call on which server failed.
 */
import type { JsonValue } from './json.js';

/** Which call failed, for messages: set by the caller that made it. */
export interface CallSite {
  readonly method: string;
  readonly url: string;
}

/** A JSON-RPC error object: thrown by a server's method, or received from one. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: JsonValue,
    readonly call?: CallSite,
  ) {
    super(message);
  }
}

/** The call produced no JSON-RPC answer: timeout, connection failure, HTTP error, malformed reply. */
export class RpcTransportError extends Error {
  override readonly name = 'RpcTransportError';
  constructor(
    readonly kind: 'timeout' | 'http' | 'network' | 'invalid-response',
    message: string,
    /** HTTP status for kind "http". */
    readonly status?: number,
    options?: { cause?: unknown; call?: CallSite },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.call = options?.call;
  }
  readonly call: CallSite | undefined;
}

export function isRpcError(err: unknown): err is RpcError {
  return err instanceof RpcError;
}

/** True if `err` carries `text` in its message — how op-conductor recognises op-node's sentinel errors. */
export function errorMessageContains(err: unknown, text: string): boolean {
  return err instanceof Error && err.message.includes(text);
}

/**
 * A failed call as a person should read it: `conductor_pause on http://… failed: <server's message>
 * (code -32000)` for an error answer; transport errors say what happened already.
 */
export function describeRpcFailure(err: unknown): string {
  if (err instanceof RpcError && err.call) {
    return `${err.call.method} on ${err.call.url} failed: ${err.message} (code ${err.code})`;
  }
  return err instanceof Error ? err.message : String(err);
}

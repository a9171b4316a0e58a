/**
 * A JSON-RPC-over-HTTP caller for the conductor's upstreams (op-node, the execution client), built on
 * ox's HTTP transport in raw mode (ox is the library viem is built on; importing one of its modules costs
 * the conductor's start ~10 ms where `viem` costs ~150 ms and ~25 MiB of RSS): one POST per call, a
 * timeout on every call, no retries — the control loop owns retry policy (reference §4.2: jittered 0–2 s
 * re-queue).
 *
 * Errors keep the server's JSON-RPC message verbatim, because the control loop matches substrings of it
 * (`sequencer already running`, `sequencer not running`, reference §3.3).
 */
import * as RpcTransport from 'ox/RpcTransport';

import type { RpcErrorClass } from '../metrics/metrics.js';

/** op-service client.NewRPC default call timeout (reference §3.3). */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;

/** The upstream answered with a JSON-RPC error object. `message` is the server's, unchanged. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** The call did not produce a JSON-RPC answer: timeout, connection failure, HTTP error, malformed reply. */
export class RpcTransportError extends Error {
  override readonly name = 'RpcTransportError';
  constructor(
    readonly kind: 'timeout' | 'http' | 'network' | 'invalid-response',
    message: string,
    /** HTTP status for kind "http". */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRpcError(err: unknown): err is RpcError {
  return err instanceof RpcError;
}

/** True if `err` carries `text` in its message — how op-conductor recognises op-node's sentinel errors. */
export function errorMessageContains(err: unknown, text: string): boolean {
  return err instanceof Error && err.message.includes(text);
}

export interface RpcCallerOptions {
  /** Per-call timeout in milliseconds. */
  timeoutMs?: number;
  /** Label for metrics (`rpc` label), e.g. "node" or "execution". */
  name?: string;
  /** Optional RPC-client metrics hook (ConductorMetrics.recordRpcClientRequest fits). */
  recordRequest?: (rpc: string, method: string) => (error: RpcErrorClass) => void;
}

export class RpcCaller {
  readonly url: string;
  private readonly transport: RpcTransport.Http<true>;
  private readonly timeoutMs: number;
  private readonly name: string;
  private readonly recordRequest: RpcCallerOptions['recordRequest'];

  constructor(url: string, options: RpcCallerOptions = {}) {
    this.url = url;
    this.transport = RpcTransport.fromHttp(url, { raw: true });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.name = options.name ?? url;
    this.recordRequest = options.recordRequest;
  }

  /** Call `method` and return the raw `result` (any JSON). Throws RpcError or RpcTransportError. */
  async call(
    method: string,
    params: readonly unknown[] = [],
    options: { timeoutMs?: number } = {},
  ): Promise<unknown> {
    const done = this.recordRequest?.(this.name, method);
    try {
      const result = await this.send(method, params, options.timeoutMs ?? this.timeoutMs);
      done?.(null);
      return result;
    } catch (err) {
      done?.(
        err instanceof RpcError
          ? { rpcCode: err.code }
          : err instanceof RpcTransportError && err.status !== undefined
            ? { httpStatus: err.status }
            : { other: true },
      );
      throw err;
    }
  }

  /** Call and validate the result with `parse`, which throws on a malformed result. */
  async callTyped<T>(
    method: string,
    params: readonly unknown[],
    parse: (raw: unknown) => T,
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    const raw = await this.call(method, params, options);
    try {
      return parse(raw);
    } catch (err) {
      throw new RpcTransportError(
        'invalid-response',
        `${method}: invalid result: ${(err as Error).message}`,
        undefined,
        {
          cause: err,
        },
      );
    }
  }

  private async send(method: string, params: readonly unknown[], timeoutMs: number): Promise<unknown> {
    let response: unknown;
    // The HTTP status of this call's response, for errors and metrics (ox's HttpError keeps it only as text).
    let status: number | undefined;
    const fetchFn: typeof fetch = async (input, init) => {
      const answer = await fetch(input, init);
      status = answer.status;
      return answer;
    };
    try {
      response = await this.transport.request(
        { method, params: [...params] },
        { timeout: timeoutMs, fetchFn },
      );
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      if (name === 'Promise.TimeoutError') {
        throw new RpcTransportError(
          'timeout',
          `${method}: request to ${this.name} timed out after ${timeoutMs}ms`,
          undefined,
          { cause: err },
        );
      }
      if (name === 'RpcTransport.HttpError' && status !== undefined) {
        throw new RpcTransportError('http', `${method}: HTTP request failed. (HTTP ${status})`, status, {
          cause: err,
        });
      }
      if (name === 'RpcTransport.MalformedResponseError') {
        throw new RpcTransportError('invalid-response', `${method}: response is not JSON`, undefined, {
          cause: err,
        });
      }
      // fetch's own failure ("fetch failed", the reason in its cause: ECONNREFUSED, a reset, a bad URL).
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new RpcTransportError('network', `${method}: ${(err as Error).message}${cause}`, undefined, {
        cause: err,
      });
    }
    if (typeof response !== 'object' || response === null) {
      throw new RpcTransportError('invalid-response', `${method}: response is not a JSON-RPC object`);
    }
    const body = response as { result?: unknown; error?: unknown };
    if (body.error !== undefined && body.error !== null) {
      const e = body.error as { code?: unknown; message?: unknown; data?: unknown };
      const code = typeof e.code === 'number' ? e.code : -32603;
      const message = typeof e.message === 'string' ? e.message : JSON.stringify(body.error);
      throw new RpcError(code, message, e.data);
    }
    if (!('result' in body))
      throw new RpcTransportError('invalid-response', `${method}: response has no result`);
    return body.result;
  }
}

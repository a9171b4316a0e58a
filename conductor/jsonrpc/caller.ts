/**
 * The one JSON-RPC-over-HTTP caller: the conductor's upstreams (op-node, the execution client), and the
 * conductor client of the operator and `baton ctl` (rpc/client.ts). Built on ox's HTTP transport in raw
 * mode (ox is the library viem is built on; importing one of its modules costs the conductor's start
 * ~10 ms where `viem` costs ~150 ms and ~25 MiB of RSS): one POST per call, a timeout on every call, no
 * retries — callers own retry policy (the control loop: reference §4.2, jittered 0–2 s re-queue).
 *
 * Errors are RpcError (the server's JSON-RPC message verbatim, because the control loop matches
 * substrings of it) and RpcTransportError (no answer: the message says which server and why); both carry
 * the call, for describeRpcFailure.
 */
import * as RpcTransport from 'ox/RpcTransport';

import type { RpcErrorClass } from '../metrics/metrics.js';
import type { JsonValue } from './json.js';
import { RpcError, RpcTransportError, type CallSite } from './errors.js';

export { RpcError, RpcTransportError, errorMessageContains, isRpcError } from './errors.js';

/** op-service client.NewRPC default call timeout (reference §3.3). */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;

export interface RpcCallerOptions {
  /** Per-call timeout in milliseconds. */
  timeoutMs?: number;
  /** Label for metrics (`rpc` label) and messages, e.g. "node" or "execution"; default the URL. */
  name?: string;
  /** Sent as `Authorization: Bearer <token>` (servers that guard admin methods). */
  token?: string;
  /** Optional RPC-client metrics hook (ConductorMetrics.recordRpcClientRequest fits). */
  recordRequest?: (rpc: string, method: string) => (error: RpcErrorClass) => void;
}

export class RpcCaller {
  readonly url: string;
  private readonly transport: RpcTransport.Http<true>;
  private readonly timeoutMs: number;
  private readonly name: string;
  private readonly recordRequest: RpcCallerOptions['recordRequest'];
  /** How messages name the server: `node at http://…`, or the URL alone. */
  private readonly label: string;

  constructor(url: string, options: RpcCallerOptions = {}) {
    this.url = url;
    this.label = options.name && options.name !== url ? `${options.name} at ${url}` : url;
    this.transport = RpcTransport.fromHttp(url, {
      raw: true,
      ...(options.token ? { fetchOptions: { headers: { authorization: `Bearer ${options.token}` } } } : {}),
    });
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
        `${method} on ${this.label}: invalid result: ${(err as Error).message}`,
        undefined,
        { cause: err, call: { method, url: this.url } },
      );
    }
  }

  private async send(method: string, params: readonly unknown[], timeoutMs: number): Promise<unknown> {
    const call: CallSite = { method, url: this.url };
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
          `${this.label} did not answer ${method} within ${timeoutMs} ms`,
          undefined,
          { cause: err, call },
        );
      }
      if (name === 'RpcTransport.HttpError' && status !== undefined) {
        const details = httpDetails(err);
        throw new RpcTransportError(
          'http',
          `${this.label} answered ${method} with HTTP ${status}${details}`,
          status,
          { cause: err, call },
        );
      }
      if (name === 'RpcTransport.MalformedResponseError') {
        throw new RpcTransportError(
          'invalid-response',
          `${method} on ${this.label}: response is not JSON`,
          undefined,
          {
            cause: err,
            call,
          },
        );
      }
      // fetch's own failure ("fetch failed", the reason in its cause: ECONNREFUSED, a reset, a bad URL).
      throw new RpcTransportError('network', `cannot reach ${this.label} (${rootCause(err)})`, undefined, {
        cause: err,
        call,
      });
    }
    if (typeof response !== 'object' || response === null) {
      throw new RpcTransportError(
        'invalid-response',
        `${method} on ${this.label}: response is not a JSON-RPC object`,
        undefined,
        { call },
      );
    }
    const body = response as { result?: unknown; error?: unknown };
    if (body.error !== undefined && body.error !== null) {
      const e = body.error as { code?: unknown; message?: unknown; data?: unknown };
      const code = typeof e.code === 'number' ? e.code : -32603;
      const message = typeof e.message === 'string' ? e.message : JSON.stringify(body.error);
      throw new RpcError(code, message, e.data as JsonValue | undefined, call);
    }
    if (!('result' in body))
      throw new RpcTransportError(
        'invalid-response',
        `${method} on ${this.label}: response has no result`,
        undefined,
        { call },
      );
    return body.result;
  }
}

/**
 * ox's HttpError carries the response's error (JSON-encoded; the body text when it was not JSON) in
 * `details`; a short one says what the server objected to.
 */
function httpDetails(err: unknown): string {
  const details = (err as { details?: unknown }).details;
  if (typeof details !== 'string' || details.trim() === '' || details === 'undefined') return '';
  let text = details.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'string') text = parsed.trim();
  } catch {
    // not JSON: the status text as is
  }
  if (text === '') return '';
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

/**
 * The innermost cause, e.g. `connect ECONNREFUSED 127.0.0.1:8547` under fetch's "fetch failed". Duck-typed:
 * fetch's errors may come from another realm (test VMs), where `instanceof Error` is false.
 */
function rootCause(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 10 && hasCause(e); depth++) e = e.cause;
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(e);
}

function hasCause(e: unknown): e is { cause: object } {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { cause?: unknown }).cause === 'object' &&
    (e as { cause?: unknown }).cause !== null
  );
}

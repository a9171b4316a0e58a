/**
 * JSON-RPC client with a per-call timeout (fetch + AbortSignal), used by the simulated op-node to
 * call op-geth's engine API, the conductor and its peers. Errors keep the server's code and message,
 * because callers (and the conductor) match on message text.
 */
export class RpcCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CallOptions {
  timeoutMs?: number;
  headers?: () => Record<string, string>;
}

let nextId = 1;

export async function rpcCall<T = unknown>(
  url: string,
  method: string,
  params: unknown[],
  opts: CallOptions = {},
): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.headers?.() ?? {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${res.status} ${res.statusText}: ${text.trim()}`);
  const body = JSON.parse(text) as { result?: unknown; error?: { code: number; message: string } };
  if (body.error) throw new RpcCallError(body.error.code, body.error.message);
  return body.result as T;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'context deadline exceeded';
  return err instanceof Error ? err.message : String(err);
}

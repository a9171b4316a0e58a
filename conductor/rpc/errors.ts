/**
 * JSON-RPC error codes and the geth error texts the conductor API must reproduce (go-ethereum rpc/errors.go,
 * rpc/json.go). Tools grep these strings, so they are kept verbatim.
 */
import { RpcError } from '../jsonrpc/errors.js';
import type { JsonValue } from '../jsonrpc/json.js';

export const ErrorCode = {
  /** Default for any error a method returns (geth errcodeDefault). */
  Server: -32000,
  /** Baton extension: an admin method was called without the configured admin token. */
  Unauthorized: -32001,
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
} as const;

/**
 * Backends throw RpcError (the same class every caller in conductor/jsonrpc/ throws for an error answer)
 * to choose the code; a proxy passes an upstream's RpcError through unchanged, as geth's client does. Any
 * other thrown Error becomes code -32000 with its message.
 */
export { RpcError };

export const methodNotFound = (method: string): RpcError =>
  new RpcError(ErrorCode.MethodNotFound, `the method ${method} does not exist/is not available`);

export const invalidParams = (message: string): RpcError => new RpcError(ErrorCode.InvalidParams, message);

/** The message op-conductor's proxies return on a follower (op-conductor rpc/api.go ErrNotLeader). */
export const NOT_LEADER_PROXY_MESSAGE = 'refusing to proxy request to non-leader sequencer';

/** The wire form of an error object inside a response. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: JsonValue;
}

/** Maps anything a method threw to the error object geth would send (rpc/json.go errorMessage). */
export function toErrorObject(err: unknown): RpcErrorObject {
  if (err instanceof RpcError) {
    return err.data === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, message: err.message, data: err.data };
  }
  if (isCodedError(err)) {
    // viem's RpcRequestError keeps the server's own message in `details`; its `message` is a long summary.
    const message = typeof err.details === 'string' && err.details !== '' ? err.details : err.message;
    const obj: RpcErrorObject = { code: err.code, message };
    if (err.data !== undefined) obj.data = err.data;
    return obj;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCode.Server, message };
}

/** Errors from other JSON-RPC clients (viem, our own client) that already carry a numeric code. */
function isCodedError(
  err: unknown,
): err is { code: number; message: string; details?: unknown; data?: JsonValue } {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code);
}

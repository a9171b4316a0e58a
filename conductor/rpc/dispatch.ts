/**
 * JSON-RPC 2.0 message handling with geth's semantics (go-ethereum rpc/json.go, rpc/handler.go,
 * rpc/server.go), independent of HTTP: takes a request body, returns the response body.
 *
 * - A body that is not JSON answers `{"id":null,"error":{"code":-32700,"message":"parse error"}}`; an empty body
 *   answers nothing.
 * - A batch runs its calls in order and answers an array with one response per call; notifications (no `id`)
 *   and stray responses get none. An empty batch answers a single `empty batch` error (-32600).
 * - A message is a call only with `"jsonrpc":"2.0"`, an `id` that is not an object or array (`null` counts), and
 *   a non-empty string `method`; anything else is `invalid request` (-32600), echoing the id when it is valid.
 * - Field names match case-insensitively and a wrongly typed field counts as absent, as in Go's encoding/json.
 * - Successful and per-call error responses end with a newline (Go's json.Encoder); read errors and whole-batch
 *   errors do not (geth writes those with json.Marshal).
 *
 * Divergence: ids are re-serialised from their parsed value, so `1.0` comes back as `1` (geth echoes raw bytes).
 */
import { ErrorCode, methodNotFound, RpcError, toErrorObject, type RpcErrorObject } from './errors.js';
import { goJsonStringify, isJsonObject, type JsonObject, type JsonValue } from '../jsonrpc/json.js';
import type { CallEnv, MethodSpec } from './methods.js';
import type { RpcMetrics } from './metrics.js';

export interface DispatchContext {
  table: ReadonlyMap<string, MethodSpec>;
  env: CallEnv;
  /** True when the request carried the admin token, or no token is configured. */
  authorized: boolean;
  /** Whether this request may commit (see MethodSpec.commit). */
  commitAllowed: boolean;
  /** Batches longer than this are refused with `batch too large`; 0 means no limit. */
  maxBatchSize: number;
  metrics?: RpcMetrics | undefined;
  /** Called after a successful conductor_stop; the server closes once the response is written. */
  onStop(): void;
}

type Id = JsonValue;

interface Response {
  jsonrpc: '2.0';
  id: Id;
  result?: JsonValue;
  error?: RpcErrorObject;
}

/** Returns the response body, or undefined when nothing is to be written (notifications, empty body). */
export async function dispatch(body: string, ctx: DispatchContext): Promise<string | undefined> {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(body) as JsonValue;
  } catch {
    // geth's decoder reports io.EOF (no response) for a body with no JSON value at all.
    if (body.trim() === '') return undefined;
    return goJsonStringify(errorResponse(null, { code: ErrorCode.ParseError, message: 'parse error' }));
  }

  if (!Array.isArray(parsed)) {
    const answer = await handleMessage(parsed, ctx);
    return answer === undefined ? undefined : goJsonStringify(answer) + '\n';
  }
  if (parsed.length === 0) {
    return goJsonStringify(errorResponse(null, { code: ErrorCode.InvalidRequest, message: 'empty batch' }));
  }
  if (ctx.maxBatchSize > 0 && parsed.length > ctx.maxBatchSize) {
    const firstCall = parsed.map(readMessage).find(isCall);
    const id = firstCall === undefined ? null : firstCall.id;
    return goJsonStringify([
      errorResponse(id, { code: ErrorCode.InvalidRequest, message: 'batch too large' }),
    ]);
  }
  const answers: Response[] = [];
  for (const element of parsed) {
    const answer = await handleMessage(element, ctx);
    if (answer !== undefined) answers.push(answer);
  }
  return answers.length === 0 ? undefined : goJsonStringify(answers) + '\n';
}

/** A message's fields as geth's jsonrpcMessage decodes them. */
interface Message {
  version: string;
  /** undefined when the key is absent; JSON null is a present, valid id. */
  id: Id | undefined;
  method: string;
  params: JsonValue | undefined;
  hasResult: boolean;
  hasError: boolean;
}

function readMessage(value: JsonValue): Message {
  const obj: JsonObject = isJsonObject(value) ? value : {};
  const version = field(obj, 'jsonrpc');
  const method = field(obj, 'method');
  const error = field(obj, 'error');
  return {
    version: typeof version === 'string' ? version : '',
    id: field(obj, 'id'),
    method: typeof method === 'string' ? method : '',
    params: field(obj, 'params'),
    hasResult: field(obj, 'result') !== undefined,
    hasError: isJsonObject(error ?? null),
  };
}

/** Case-insensitive field lookup; the last matching key wins, as in Go's encoding/json. */
function field(obj: JsonObject, name: string): JsonValue | undefined {
  let found: JsonValue | undefined;
  for (const key of Object.keys(obj)) {
    if (key === name || key.toLowerCase() === name) found = obj[key];
  }
  return found;
}

const hasValidId = (m: Message): boolean =>
  m.id !== undefined && !Array.isArray(m.id) && !isJsonObject(m.id ?? false);
const hasValidVersion = (m: Message): boolean => m.version === '2.0';
const isNotification = (m: Message): boolean => hasValidVersion(m) && m.id === undefined && m.method !== '';
const isCall = (m: Message): m is Message & { id: Id } =>
  hasValidVersion(m) && hasValidId(m) && m.method !== '';
const isResponse = (m: Message): boolean =>
  hasValidVersion(m) &&
  hasValidId(m) &&
  m.method === '' &&
  m.params === undefined &&
  (m.hasResult || m.hasError);

async function handleMessage(value: JsonValue, ctx: DispatchContext): Promise<Response | undefined> {
  const msg = readMessage(value);
  if (isResponse(msg)) return undefined; // a client-side message; geth drops unsolicited responses
  if (isNotification(msg)) {
    // geth ignores subscription notifications and runs other notifications without answering.
    if (!msg.method.endsWith('_subscription')) await runCall(msg, ctx);
    return undefined;
  }
  if (isCall(msg)) {
    const outcome = await runCall(msg, ctx);
    return 'error' in outcome
      ? errorResponse(msg.id, outcome.error)
      : { jsonrpc: '2.0', id: msg.id, result: outcome.result };
  }
  const invalid = { code: ErrorCode.InvalidRequest, message: 'invalid request' };
  return errorResponse(hasValidId(msg) ? (msg.id ?? null) : null, invalid);
}

type Outcome = { result: JsonValue } | { error: RpcErrorObject };

async function runCall(msg: Message, ctx: DispatchContext): Promise<Outcome> {
  const spec = ctx.table.get(msg.method);
  // Unknown names are not used as metric labels: clients could create unbounded label values.
  const done = ctx.metrics?.recordRequest(spec === undefined ? '<unknown>' : msg.method);
  const outcome = await callMethod(msg, spec, ctx);
  done?.('error' in outcome ? outcome.error.code : undefined);
  if (msg.method === 'conductor_stop' && 'result' in outcome) ctx.onStop();
  return outcome;
}

async function callMethod(
  msg: Message,
  spec: MethodSpec | undefined,
  ctx: DispatchContext,
): Promise<Outcome> {
  try {
    if (msg.method.endsWith('_subscribe')) {
      // Subscriptions need a persistent connection; geth refuses them over HTTP.
      throw new RpcError(ErrorCode.MethodNotFound, 'notifications not supported');
    }
    if (spec === undefined) throw methodNotFound(msg.method);
    if (spec.admin && !ctx.authorized) {
      throw new RpcError(
        ErrorCode.Unauthorized,
        `unauthorized: ${msg.method} needs the admin token in an "Authorization: Bearer" header`,
      );
    }
    if (spec.commit && !ctx.commitAllowed) {
      throw new RpcError(
        ErrorCode.Unauthorized,
        `unauthorized: ${msg.method} is accepted only from this host's op-node (loopback) or with the admin ` +
          'token in an "Authorization: Bearer" header',
      );
    }
    const result = await spec.call(msg.params, ctx.env);
    return { result: result ?? null };
  } catch (err) {
    return { error: toErrorObject(err) };
  }
}

function errorResponse(id: Id, error: RpcErrorObject): Response {
  return { jsonrpc: '2.0', id, error };
}

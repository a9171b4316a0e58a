/**
 * A minimal JSON-RPC 2.0 server over node:http, behaving like go-ethereum's where clients can tell:
 * POST on `/`, batches, `-32700` for unparsable bodies, `-32600` for invalid requests, `-32601`
 * "the method X does not exist/is not available", `-32602` for bad arguments, and `-32000` with the
 * error text for everything a handler throws. Also serves `GET /healthz`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** An argument error (geth: "invalid argument 0: …" / "missing value for required argument 0"). */
export function invalidParams(message: string): RpcError {
  return new RpcError(-32602, message);
}

export type Handler = (params: unknown[]) => unknown;
export type Handlers = Record<string, Handler>;

export interface RpcServerOptions {
  host: string;
  port: number;
  /** Checks the request before any method runs (e.g. engine-API JWT); returns an error text to refuse it with 401. */
  authorize?: (req: IncomingMessage) => string | undefined;
  /** Extra non-RPC routes (e.g. gossip), tried before JSON-RPC dispatch. Return true when handled. */
  route?: (req: IncomingMessage, body: Buffer, res: ServerResponse) => boolean | Promise<boolean>;
  /** Largest accepted body; geth's default HTTP limit is 5 MiB, too small for 5 MB blocks in JSON. */
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Response {
  jsonrpc: '2.0';
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

function errorResponse(id: unknown, code: number, message: string): Response {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

async function handleOne(handlers: Handlers, msg: unknown): Promise<Response | undefined> {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return errorResponse(null, -32600, 'invalid request');
  }
  const { id, method, params } = msg as { id?: unknown; method?: unknown; params?: unknown };
  const replyId = id ?? null;
  if (typeof method !== 'string') return errorResponse(replyId, -32600, 'invalid request');
  if (params !== undefined && params !== null && !Array.isArray(params)) {
    return errorResponse(replyId, -32602, 'non-array args');
  }
  const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (handler === undefined) {
    return errorResponse(replyId, -32601, `the method ${method} does not exist/is not available`);
  }
  try {
    const result = await handler((params as unknown[] | null | undefined) ?? []);
    if (id === undefined) return undefined; // a notification gets no response
    return { jsonrpc: '2.0', id: replyId, result: result === undefined ? null : result };
  } catch (err) {
    if (err instanceof RpcError) return errorResponse(replyId, err.code, err.message);
    return errorResponse(replyId, -32000, err instanceof Error ? err.message : String(err));
  }
}

/** Dispatches one parsed JSON-RPC body (single call or batch) to the handlers. */
export async function dispatch(handlers: Handlers, body: unknown): Promise<unknown> {
  if (Array.isArray(body)) {
    if (body.length === 0) return errorResponse(null, -32600, 'empty batch');
    const out = await Promise.all(body.map((m) => handleOne(handlers, m)));
    return out.filter((r) => r !== undefined);
  }
  return handleOne(handlers, body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('content length too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

export async function startRpcServer(handlers: Handlers, opts: RpcServerOptions): Promise<RunningServer> {
  const limit = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = req.method === 'POST' ? await readBody(req, limit) : Buffer.alloc(0);
        if (opts.route && (await opts.route(req, body, res))) return;
        if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { version: 'baton-sim' });
        if (req.method !== 'POST') return send(res, 405, 'method not allowed\n');
        const refusal = opts.authorize?.(req);
        if (refusal !== undefined) return send(res, 401, `${refusal}\n`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return send(res, 200, errorResponse(null, -32700, 'parse error'));
        }
        const out = await dispatch(handlers, parsed);
        if (out === undefined) return send(res, 200, '');
        send(res, 200, out);
      } catch (err) {
        if (!res.headersSent) send(res, 413, `${err instanceof Error ? err.message : String(err)}\n`);
      }
    })();
  });
  // Keep-alive sockets would hold close() open for seconds; the simulator restarts nodes often.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

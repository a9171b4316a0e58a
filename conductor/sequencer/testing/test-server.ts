/**
 * A real JSON-RPC 2.0 HTTP server on 127.0.0.1 for tests: each method maps to a handler that returns a
 * result, throws `{ code, message }` for a JSON-RPC error, or delays. Records every request it saw.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (params: unknown[]) => unknown;

export class JsonRpcError {
  constructor(
    readonly code: number,
    readonly message: string,
  ) {}
}

export interface TestRpcServer {
  url: string;
  requests: { method: string; params: unknown[] }[];
  handlers: Map<string, Handler>;
  /** Reply with this HTTP status and body instead of JSON-RPC, when set. */
  httpFailure?: { status: number; body: string };
  close(): Promise<void>;
}

export async function startTestRpcServer(handlers: Record<string, Handler> = {}): Promise<TestRpcServer> {
  const state: TestRpcServer = {
    url: '',
    requests: [],
    handlers: new Map(Object.entries(handlers)),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      void (async () => {
        if (state.httpFailure) {
          res
            .writeHead(state.httpFailure.status, { 'content-type': 'text/plain' })
            .end(state.httpFailure.body);
          return;
        }
        const request = JSON.parse(body) as { id: number; method: string; params?: unknown[] };
        const params = request.params ?? [];
        state.requests.push({ method: request.method, params });
        const handler = state.handlers.get(request.method);
        let reply: Record<string, unknown>;
        if (handler === undefined) {
          reply = {
            error: { code: -32601, message: `the method ${request.method} does not exist/is not available` },
          };
        } else {
          try {
            reply = { result: await handler(params) };
          } catch (err) {
            reply =
              err instanceof JsonRpcError
                ? { error: { code: err.code, message: err.message } }
                : { error: { code: -32000, message: (err as Error).message } };
          }
        }
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: request.id, ...reply }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

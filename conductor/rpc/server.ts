/**
 * The conductor's HTTP JSON-RPC server, compatible with op-conductor's (op-service/rpc Handler over a geth
 * rpc.Server, reference §2.1):
 *
 * - JSON-RPC on `/` only; `GET /healthz` (and `/healthz/`) answers `{"version":"…"}`; `GET /hand-off` answers
 *   `{"leader":false}` once this conductor does not lead (at once for a follower), or `{"leader":true}` after
 *   `?timeout=<s>` (default 10, at most 60): the preStop hook of op-node and op-geth in a member pod; other paths 404.
 * - geth's HTTP checks and texts: PUT/DELETE → 405 `method not allowed`; a body above the limit → 413
 *   `content length too large (N>LIMIT)`; a content type other than application/json (or json-rpc,
 *   jsonrequest) → 415; a bodiless GET → 200 with an empty body (load-balancer health checks).
 * - The body limit defaults to 32 MiB instead of geth's 5 MiB: a 5 MB block in JSON hex is over 10 MB, and
 *   op-node must be able to commit any block it can build. Bodies streamed without Content-Length are counted
 *   and cut off at the same limit.
 * - Optional admin token (Baton extension, docs/design.md §6): when set, the mutating admin methods (override, pause,
 *   resume, stop, membership changes, transfers) require `Authorization: Bearer <token>`. Everything op-node,
 *   op-batcher, op-proposer and monitors call stays open, because they cannot send a token — except
 *   conductor_commitUnsafePayload, then accepted only from loopback (op-node in the same pod) or with the token;
 *   `--rpc.commit-loopback-only` asks for that without a token.
 * - Before parsing, a body nested deeper than 64 levels or holding more than 250,000 values is refused with
 *   413 (json-shape.ts): parsing such a body would block the event loop that drives Raft for a second.
 * - `conductor_stop` closes the server once its response is written; later calls fail at connection level.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ConductorBackend } from './backend.js';
import { dispatch } from './dispatch.js';
import { methodTable, namespacesOf, type MethodSpec } from './methods.js';
import type { RpcMetrics } from './metrics.js';
import { DEFAULT_JSON_SHAPE_LIMITS, JsonShapeGuard, type JsonShapeLimits } from './json-shape.js';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_SIZE = 1000;
/** `GET /hand-off`: how long it waits for this conductor to stop leading, by default and at most. */
const HAND_OFF_WAIT_S = 10;
const MAX_HAND_OFF_WAIT_S = 60;
/** How long in-flight requests on other connections may run after conductor_stop (Go's Shutdown uses 5 s). */
const STOP_GRACE_MS = 5000;

export interface ConductorRpcServerOptions {
  backend: ConductorBackend;
  /** Listen address; op-conductor's `--rpc.addr` defaults to 0.0.0.0. */
  host?: string;
  /** Listen port; op-conductor's `--rpc.port` defaults to 8545; 0 picks a free port. */
  port?: number;
  /** Reported by /healthz and health_status. */
  version?: string;
  /** `--rpc.enable-proxy` (default true): serve the leader-gated eth/miner/optimism/admin proxies. */
  enableProxy?: boolean;
  maxBodyBytes?: number;
  /** Shape limits checked on the raw body before parsing (json-shape.ts). */
  jsonShape?: JsonShapeLimits;
  /** Longer batches are refused with `batch too large`; 0 disables the limit (op-service sets none). */
  maxBatchSize?: number;
  /**
   * When set, admin methods require `Authorization: Bearer <adminToken>`, and commits require it unless they
   * come from loopback (op-node in the same pod cannot send a token).
   */
  adminToken?: string;
  /** Commits only from loopback or with the token, even without an admin token configured (the operator sets it). */
  commitLoopbackOnly?: boolean;
  metrics?: RpcMetrics;
}

const ACCEPTED_CONTENT_TYPES = new Set([
  'application/json',
  'application/json-rpc',
  'application/jsonrequest',
]);

export class ConductorRpcServer {
  private readonly server: Server;
  private readonly table: ReadonlyMap<string, MethodSpec>;
  private readonly namespaces: string[];
  private readonly opts: Required<Omit<ConductorRpcServerOptions, 'adminToken' | 'metrics'>> &
    Pick<ConductorRpcServerOptions, 'adminToken' | 'metrics'>;
  private stopping = false;
  /** Open connections, and those with a request in flight: close() drops the rest at once. */
  private readonly sockets = new Set<Socket>();
  private readonly busy = new Set<Socket>();
  private bound: AddressInfo | undefined;
  private resolveClosed!: () => void;
  /** Resolves when the server has closed, whether by close() or by conductor_stop. */
  readonly closed: Promise<void> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(options: ConductorRpcServerOptions) {
    this.opts = {
      host: '0.0.0.0',
      port: 8545,
      version: '',
      enableProxy: true,
      commitLoopbackOnly: false,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxBatchSize: DEFAULT_MAX_BATCH_SIZE,
      jsonShape: DEFAULT_JSON_SHAPE_LIMITS,
      ...options,
    };
    this.table = methodTable(this.opts.enableProxy);
    this.namespaces = namespacesOf(this.table);
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('close', () => this.resolveClosed());
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.busy.delete(socket);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        this.bound = this.server.address() as AddressInfo;
        resolve();
      });
    });
  }

  /** The bound address (after start(); still known after close). */
  get address(): AddressInfo {
    if (this.bound === undefined) throw new Error('RPC server is not started');
    return this.bound;
  }

  /** An http:// URL for the bound address; a wildcard bind is reported as loopback. */
  get url(): string {
    const { address, port, family } = this.address;
    const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
    return `http://${family === 'IPv6' && host !== '127.0.0.1' ? `[${host}]` : host}:${port}`;
  }

  /** Stops accepting connections, lets in-flight requests finish (up to 5 s), then resolves. */
  async close(): Promise<void> {
    this.beginStop();
    await this.closed;
  }

  private beginStop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.server.close();
    // Idle keep-alive connections (and ones that never sent a request) would hold close() open; in-flight
    // requests get a grace period, then their connections are dropped too.
    for (const socket of this.sockets) if (!this.busy.has(socket)) socket.destroy();
    setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, STOP_GRACE_MS).unref();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.stopping) {
      // A keep-alive connection that outlived conductor_stop: fail at connection level, like a closed port.
      req.socket.destroy();
      return;
    }
    const socket = req.socket;
    this.busy.add(socket);
    res.once('close', () => {
      this.busy.delete(socket);
      if (this.stopping) socket.destroy();
    });
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/healthz/') {
      sendBody(res, 200, 'application/json', JSON.stringify({ version: this.opts.version }) + '\n');
      return;
    }
    if (path === '/hand-off' && req.method === 'GET') {
      const timeoutS = Number(
        new URL(req.url ?? '/', 'http://x').searchParams.get('timeout') ?? HAND_OFF_WAIT_S,
      );
      const ms = Number.isFinite(timeoutS) ? Math.min(Math.max(timeoutS, 0), MAX_HAND_OFF_WAIT_S) * 1000 : 0;
      const wait = this.opts.backend.waitUntilNotLeader?.(ms) ?? Promise.resolve(true);
      wait.then(
        (notLeader) => sendBody(res, 200, 'application/json', JSON.stringify({ leader: !notLeader }) + '\n'),
        (err: unknown) =>
          sendText(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`),
      );
      return;
    }
    if (path !== '/') {
      sendText(res, 404, '404 page not found');
      return;
    }
    this.handleRpc(req, res).catch((err: unknown) => {
      // dispatch() turns every method error into a response; reaching here means a bug, not bad input.
      if (!res.headersSent)
        sendText(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    });
  }

  private async handleRpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const limit = this.opts.maxBodyBytes;
    const declared =
      req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    const hasQuery = (req.url ?? '').includes('?');
    if (
      req.method === 'GET' &&
      (declared ?? 0) === 0 &&
      !hasQuery &&
      req.headers['transfer-encoding'] === undefined
    ) {
      sendBody(res, 200, undefined, '');
      return;
    }
    if (req.method === 'PUT' || req.method === 'DELETE') {
      sendText(res, 405, 'method not allowed');
      return;
    }
    if (declared !== undefined && declared > limit) {
      sendText(res, 413, `content length too large (${declared}>${limit})`, true);
      return;
    }
    if (req.method !== 'OPTIONS' && !ACCEPTED_CONTENT_TYPES.has(mediaType(req.headers['content-type']))) {
      sendText(res, 415, 'invalid content type, only application/json is supported');
      return;
    }

    const body = await readBody(req, limit, this.opts.jsonShape);
    if (body.tooLarge) {
      sendText(res, 413, `content length too large (${body.received}>${limit})`, true);
      return;
    }
    if (body.excess !== null) {
      sendText(res, 413, `request refused before parsing: ${body.excess}`, true);
      return;
    }

    // Like Go's request context: a client that goes away (FIN or reset) cancels the call. Node keeps a
    // half-closed socket open until the response is written, so a FIN is turned into a close here.
    const abort = new AbortController();
    const onGone = (): void => {
      if (res.writableFinished) return;
      abort.abort(new Error('client closed the connection'));
      req.socket.destroy();
    };
    req.socket.once('end', onGone);
    res.once('close', onGone);
    res.once('finish', () => req.socket.off('end', onGone));
    let stopAfterResponse = false;
    const text = await dispatch(body.text, {
      table: this.table,
      env: {
        backend: this.opts.backend,
        version: this.opts.version,
        signal: abort.signal,
        namespaces: this.namespaces,
      },
      authorized: this.authorized(req),
      commitAllowed: this.commitAllowed(req),
      maxBatchSize: this.opts.maxBatchSize,
      metrics: this.opts.metrics,
      onStop: () => (stopAfterResponse = true),
    });
    if (stopAfterResponse) {
      res.setHeader('connection', 'close');
      res.once('finish', () => this.beginStop());
    }
    sendBody(res, 200, 'application/json', text ?? '');
  }

  /**
   * A forged commit (a well-formed block no execution client has) would halt the chain for good, so once the
   * operator asked for it — an admin token, or commitLoopbackOnly — only op-node beside the conductor
   * (loopback) or a token holder may commit. Without either, any client may, as with op-conductor.
   */
  private commitAllowed(req: IncomingMessage): boolean {
    const tokenSet = this.opts.adminToken !== undefined && this.opts.adminToken !== '';
    if (!tokenSet && !this.opts.commitLoopbackOnly) return true;
    if (isLoopback(req.socket.remoteAddress)) return true;
    return tokenSet && this.authorized(req);
  }

  private authorized(req: IncomingMessage): boolean {
    const token = this.opts.adminToken;
    if (token === undefined || token === '') return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match === null) return false;
    const given = Buffer.from(match[1] ?? '');
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (a dual-stack listener reports those). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** Starts a server and returns it once it listens. */
export async function startConductorRpcServer(
  options: ConductorRpcServerOptions,
): Promise<ConductorRpcServer> {
  const server = new ConductorRpcServer(options);
  await server.start();
  return server;
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

type Body =
  | { tooLarge: false; text: string; excess: null }
  | { tooLarge: false; excess: string }
  | { tooLarge: true; received: number };

/**
 * Reads the body up to `limit` bytes; past it, stops reading and reports how much arrived. The JSON shape
 * guard watches the bytes as they come (json-shape.ts): a body too deep or with too many values is refused
 * before it is ever parsed.
 */
function readBody(req: IncomingMessage, limit: number, shape: JsonShapeLimits): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const guard = new JsonShapeGuard(shape);
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        req.off('data', onData);
        req.pause();
        resolve({ tooLarge: true, received });
        return;
      }
      // Past the first excess the rest is only counted and dropped (never kept, scanned or parsed), and the
      // answer waits for the end of the body: a client still sending would see its connection cut (EPIPE)
      // instead of the 413.
      if (guard.excess !== null) return;
      guard.feed(chunk);
      if (guard.excess !== null) chunks.length = 0;
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () =>
      resolve(
        guard.excess !== null
          ? { tooLarge: false, excess: guard.excess }
          : { tooLarge: false, text: Buffer.concat(chunks).toString('utf8'), excess: null },
      ),
    );
    req.on('error', reject);
  });
}

function sendBody(res: ServerResponse, status: number, contentType: string | undefined, body: string): void {
  if (contentType !== undefined) res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
}

/** Like Go's http.Error: plain text with a trailing newline. `close` drops the connection (unread body). */
function sendText(res: ServerResponse, status: number, message: string, close = false): void {
  res.setHeader('x-content-type-options', 'nosniff');
  if (close) res.setHeader('connection', 'close');
  sendBody(res, status, 'text/plain; charset=utf-8', message + '\n');
}

/**
 * A small JSON client for the Kubernetes API: one place where every request the operator makes goes
 * through, so that requests can be counted (metrics, the benchmark's "API requests per reconcile"),
 * writes can be fenced by leader election, and watches can be aborted by the informer that owns them.
 *
 * Why not the generated @kubernetes/client-node APIs: they deserialise into model classes (Dates instead
 * of strings, dropped unknown fields — kubernetes-client/javascript#655), pick JSON Patch as the default
 * patch type, and their Watch cannot report the HTTP status of a failed connect. Credentials still come
 * from client-node's KubeConfig (in-cluster or kubeconfig), applied to plain node:https requests.
 */
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'update' | 'delete';
export type JsonObject = Record<string, unknown>;

/** A non-2xx answer; `reason` is metav1.Status.reason (NotFound, AlreadyExists, Conflict, Gone, Invalid…). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** A write attempted while this replica does not hold the leader Lease. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409;
export const isGone = (e: unknown): boolean => e instanceof KubeApiError && e.code === 410;

export interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly contentType?: string;
  /** Writes are refused (NotLeaderError) when the fence says this replica may not act. */
  readonly write?: boolean;
  readonly timeoutMs?: number;
  /** A GET of a collection (counted as `list`). */
  readonly list?: boolean;
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: JsonObject;
}

/** Per-verb request counts since the client was made (or since `resetCounts`). */
export type RequestCounts = Record<Verb, number>;

const emptyCounts = (): RequestCounts => ({
  get: 0,
  list: 0,
  watch: 0,
  create: 0,
  patch: 0,
  update: 0,
  delete: 0,
});

function verbOf(method: string, opts: RequestOptions): Verb {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PATCH':
      return 'patch';
    case 'PUT':
      return 'update';
    case 'DELETE':
      return 'delete';
    default:
      return opts.query?.watch === true ? 'watch' : opts.list ? 'list' : 'get';
  }
}

export class KubeClient {
  private readonly server: URL;
  private readonly agent: http.Agent;
  private baseOptions: https.RequestOptions | undefined;
  private counts: RequestCounts = emptyCounts();
  /** Installed by leader election; writes fail fast while it returns false. */
  fence: () => boolean = () => true;
  /** Called once per request (metrics). */
  onRequest: ((verb: Verb, code: number) => void) | undefined;

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    const Agent = this.server.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 32 });
  }

  get requestCounts(): RequestCounts {
    return { ...this.counts };
  }

  totalRequests(except: readonly Verb[] = []): number {
    return Object.entries(this.counts)
      .filter(([v]) => !except.includes(v as Verb))
      .reduce((n, [, c]) => n + c, 0);
  }

  resetCounts(): void {
    this.counts = emptyCounts();
  }

  close(): void {
    this.agent.destroy();
  }

  private async options(): Promise<https.RequestOptions> {
    if (!this.baseOptions) {
      const opts: https.RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      this.baseOptions = opts;
    }
    return this.baseOptions;
  }

  private url(path: string, query: RequestOptions['query']): URL {
    const url = new URL(this.server.toString().replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private async open(
    method: string,
    path: string,
    opts: RequestOptions,
    signal?: AbortSignal,
  ): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
    const query = opts.query ?? {};
    const verb = verbOf(method, opts);
    if (opts.write && !this.fence()) {
      throw new NotLeaderError(`refusing ${method} ${path}: this replica does not hold the leader Lease`);
    }
    this.counts[verb]++;
    const base = await this.options();
    const url = this.url(path, query);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: http.OutgoingHttpHeaders = {
      ...((base.headers ?? {}) as http.OutgoingHttpHeaders),
      accept: 'application/json',
      ...(body !== undefined
        ? {
            'content-type': opts.contentType ?? 'application/json',
            'content-length': Buffer.byteLength(body),
          }
        : {}),
    };
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(url, { ...base, method, headers, agent: this.agent, signal }, (res) => {
        this.onRequest?.(verb, res.statusCode ?? 0);
        resolve({ res, req });
      });
      req.on('error', reject);
      if (opts.timeoutMs !== undefined) {
        req.setTimeout(opts.timeoutMs, () =>
          req.destroy(new Error(`${method} ${path} timed out after ${opts.timeoutMs} ms`)),
        );
      }
      req.end(body);
    });
  }

  /** One request; resolves to the parsed JSON body, rejects with KubeApiError on a non-2xx status. */
  async request<T = JsonObject>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const { res } = await this.open(method, path, { timeoutMs: 30_000, ...opts });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw apiError(code, text, method, path);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * A watch: calls `onEvent` per line until the server closes the stream (resolve) or the connection
   * fails (reject). A non-2xx connect (e.g. 410 Gone for an expired resourceVersion) rejects with
   * KubeApiError. Aborting `signal` ends it with a rejection.
   */
  async watch(
    path: string,
    query: RequestOptions['query'],
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const { res } = await this.open('GET', path, { query: { ...query, watch: true } }, signal);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw apiError(code, Buffer.concat(chunks).toString('utf8'), 'WATCH', path);
    }
    // An idle watch on a dead TCP connection would wait for the kernel's timeout (kubernetes-client/
    // javascript#596); keep-alive probes surface it within a minute.
    res.socket?.setKeepAlive(true, 30_000);
    await new Promise<void>((resolve, reject) => {
      let failure: unknown;
      const fail = (e: unknown): void => {
        failure ??= e;
        lines.close();
      };
      const lines = createInterface({ input: res });
      lines.on('line', (line) => {
        if (failure !== undefined || !line.trim()) return;
        try {
          onEvent(JSON.parse(line) as WatchEvent);
        } catch (e) {
          // A handler's error (e.g. an ERROR event: 410 Gone) ends this watch with that error.
          fail(e);
          res.destroy();
        }
      });
      // readline re-emits its input's errors: without these listeners an aborted watch would crash the process.
      lines.on('error', fail);
      res.on('error', fail);
      lines.on('close', () => (failure !== undefined ? reject(failure) : resolve()));
    });
  }
}

function apiError(code: number, text: string, method: string, path: string): KubeApiError {
  let reason = 'Unknown';
  let message = text.trim() || `HTTP ${code}`;
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    reason = status.reason ?? reason;
    message = status.message ?? message;
  } catch {
    // not JSON (proxies, plain-text errors): keep the text
  }
  return new KubeApiError(code, reason, message, method, path);
}

/** Raw HTTP helpers for RPC tests: real requests on loopback, bodies compared as text. */
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  text: string;
  headers: Headers;
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** One JSON-RPC call with id 1; returns the raw response text. */
export async function call(
  url: string,
  method: string,
  params?: unknown,
  headers: Record<string, string> = {},
): Promise<string> {
  const msg =
    params === undefined ? { jsonrpc: '2.0', id: 1, method } : { jsonrpc: '2.0', id: 1, method, params };
  return (await post(url, JSON.stringify(msg), headers)).text;
}

export const ok = (result: unknown): string =>
  `{"jsonrpc":"2.0","id":1,"result":${JSON.stringify(result)}}\n`;
export const err = (code: number, message: string): string =>
  `{"jsonrpc":"2.0","id":1,"error":${JSON.stringify({ code, message })}}\n`;

/** Sends a body with chunked transfer encoding (no Content-Length), as a streaming client would. */
export function postChunked(url: string, chunks: Buffer[]): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8'), headers });
      });
    });
    // The server may answer 413 and close before the whole body is sent.
    req.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e),
    );
    for (const c of chunks) req.write(c);
    req.end();
  });
}

/**
 * op-conductor's `--pprof.*` (op-service/oppprof) for a Node.js process. The same switches do the
 * same jobs, in V8's formats instead of Go's (open them in Chrome DevTools or any .cpuprofile /
 * .heapsnapshot viewer; `go tool pprof` cannot read them):
 *
 * - `--pprof.enabled`: an HTTP server on --pprof.addr:--pprof.port with
 *     GET /debug/pprof/                    an index of what is served
 *     GET /debug/pprof/profile?seconds=N   a CPU profile over N seconds (default 30, as Go's)
 *     GET /debug/pprof/heap                a heap snapshot
 * - `--pprof.type=cpu|heap` (with `--pprof.path`): a CPU profile recorded from start to shutdown, or
 *   a heap snapshot taken at shutdown, written to the path.
 *
 * Each CPU profile runs in its own inspector session, so an HTTP profile and a file profile can run
 * at the same time.
 */
import { createWriteStream } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { getHeapSnapshot } from 'node:v8';
import type { ProfileType } from '../config/flags.js';

export interface ProfilerOptions {
  readonly server: { readonly addr: string; readonly port: number } | null;
  readonly file: { readonly type: ProfileType; readonly path: string } | null;
}

/** Longest HTTP CPU profile; longer requests are refused rather than holding a socket for ages. */
export const MAX_PROFILE_SECONDS = 600;
const DEFAULT_PROFILE_SECONDS = 30;

export class Profiler {
  private server: Server | null = null;
  private fileSession: Session | null = null;

  private constructor(private readonly options: ProfilerOptions) {}

  static async start(options: ProfilerOptions): Promise<Profiler> {
    const profiler = new Profiler(options);
    if (options.file?.type === 'cpu') profiler.fileSession = await startCpuProfile();
    if (options.server) await profiler.listen(options.server.addr, options.server.port);
    return profiler;
  }

  /** The HTTP server's base URL, or '' when it is off. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address
      ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      : '';
  }

  /** Writes the file profile, if one was asked for, and closes the server. */
  async stop(): Promise<void> {
    const file = this.options.file;
    if (file?.type === 'cpu' && this.fileSession) {
      const profile = await stopCpuProfile(this.fileSession);
      this.fileSession = null;
      await writeAtomically(file.path, JSON.stringify(profile));
    } else if (file?.type === 'heap') {
      const partial = `${file.path}.partial`;
      await pipeline(getHeapSnapshot(), createWriteStream(partial));
      await rename(partial, file.path);
    }
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async listen(addr: string, port: number): Promise<void> {
    const server = createServer((request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`profiling failed: ${(error as Error).message}\n`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: Error) =>
        reject(new Error(`cannot serve profiles on ${addr}:${port}: ${error.message} (change --pprof.port)`)),
      );
      server.listen(port, addr, () => resolve());
    });
    this.server = server;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://profiler');
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    switch (url.pathname) {
      case '/debug/pprof':
      case '/debug/pprof/':
        response
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(
            'profile?seconds=N  V8 CPU profile (.cpuprofile JSON) over N seconds, default 30\n' +
              'heap               V8 heap snapshot (.heapsnapshot)\n',
          );
        return;
      case '/debug/pprof/profile': {
        const text = url.searchParams.get('seconds') ?? String(DEFAULT_PROFILE_SECONDS);
        const seconds = Number(text);
        if (!/^\d+$/.test(text) || seconds < 1 || seconds > MAX_PROFILE_SECONDS) {
          response
            .writeHead(400, { 'content-type': 'text/plain' })
            .end(`seconds must be a whole number from 1 to ${MAX_PROFILE_SECONDS}, got "${text}"\n`);
          return;
        }
        const session = await startCpuProfile();
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        const profile = await stopCpuProfile(session);
        response
          .writeHead(200, {
            'content-type': 'application/json',
            'content-disposition': 'attachment; filename="conductor.cpuprofile"',
          })
          .end(JSON.stringify(profile));
        return;
      }
      case '/debug/pprof/heap':
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-disposition': 'attachment; filename="conductor.heapsnapshot"',
        });
        await pipeline(getHeapSnapshot(), response);
        return;
      default:
        response.writeHead(404, { 'content-type': 'text/plain' }).end('see /debug/pprof/\n');
    }
  }
}

async function startCpuProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return session;
}

async function stopCpuProfile(session: Session): Promise<unknown> {
  try {
    const { profile } = await session.post('Profiler.stop');
    return profile;
  } finally {
    session.disconnect();
  }
}

/** A profile is either all there or not there: a crash mid-write must not leave half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const partial = `${file}.partial`;
  await writeFile(partial, text);
  await rename(partial, file);
}

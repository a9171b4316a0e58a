/**
 * The operator process behind `baton operator` (command.ts): kubeconfig, metrics endpoint, informers,
 * leader election and the controller. Loaded only when that command runs, so other `baton` commands
 * (the conductor sidecar above all) do not carry the Kubernetes client in their heap.
 */
import http from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { KubeClient } from '../kube/client.js';
import type { OperatorFlags } from './command.js';
import { Controller } from './controller.js';
import { LeaderElector } from '../kube/leader-election.js';
import { OperatorMetrics } from './metrics.js';

/** ":8080" or "127.0.0.1:8080" → host and port; "0" disables the endpoint. */
export function parseAddr(addr: string): { host: string | undefined; port: number } | null {
  if (addr === '0' || addr === '') return null;
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid address ${addr}`);
  const host = addr.slice(0, i);
  return { host: host || undefined, port };
}

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/** /metrics, /healthz (the process serves), /readyz (caches synced). */
function serveMetrics(
  metrics: OperatorMetrics,
  ready: () => boolean,
  addr: { host: string | undefined; port: number },
  log: Logger,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/metrics')) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        },
      );
    } else if (url === '/healthz') {
      res.writeHead(200);
      res.end('ok');
    } else if (url === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503);
      res.end(ok ? 'ok' : 'informers not synced');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      log.info({ addr: server.address() }, 'serving /metrics, /healthz, /readyz');
      resolve(server);
    });
  });
}

export async function runOperator(flags: OperatorFlags): Promise<() => Promise<void>> {
  const log = pino({ level: flags.logLevel, base: { component: 'baton-operator' } });
  const kc = loadKubeConfig(flags.kubeconfig);
  const identity = process.env.POD_NAME ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const version = process.env.BATON_OPERATOR_VERSION ?? '0.1.0';
  const namespaces = flags.watchNamespaces
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const metrics = new OperatorMetrics(true);
  const client = new KubeClient(kc);
  client.onRequest = (verb, code) => metrics.apiRequests.inc({ verb, code: String(code) });
  const controller = new Controller({
    client,
    logger: log,
    metrics,
    namespaces,
    operatorVersion: version,
    instance: identity,
    workers: flags.workers,
  });
  let synced = false;
  const addr = parseAddr(flags.metricsAddr);
  const server = addr ? await serveMetrics(metrics, () => synced, addr, log) : null;
  log.info({ namespaces: namespaces.length ? namespaces : 'all', identity, version }, 'starting operator');
  await controller.startInformers();
  synced = true;

  let elector: LeaderElector | null = null;
  let electionClient: KubeClient | null = null;
  if (flags.leaderElect) {
    const namespace = flags.leaderElectionNamespace ?? process.env.POD_NAMESPACE;
    if (!namespace) throw new Error('--leader-elect needs --leader-election-namespace or $POD_NAMESPACE');
    electionClient = new KubeClient(kc);
    const e = new LeaderElector(electionClient, {
      namespace,
      name: flags.leaderElectionId,
      identity,
      onStartedLeading: () => {
        metrics.leader.set(1);
        log.info({ lease: `${namespace}/${flags.leaderElectionId}` }, 'became leader');
        controller.startActing();
      },
      onStoppedLeading: () => {
        metrics.leader.set(0);
        log.warn('lost the leader Lease: stopped acting');
        void controller.stopActing();
      },
      onError: (error) => log.warn({ err: String(error) }, 'leader election'),
    });
    client.fence = () => e.isLeader();
    e.start();
    elector = e;
  } else {
    metrics.leader.set(1);
    controller.startActing();
  }

  return async () => {
    log.info('shutting down');
    await controller.stopActing();
    await elector?.stop();
    await controller.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    client.close();
    electionClient?.close();
    log.info('stopped');
  };
}

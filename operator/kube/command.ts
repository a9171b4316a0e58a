/**
 * `baton operator`: the SequencerCluster controller as a process, with the flags the Helm chart passes
 * (charts/baton/templates/deployment.yaml): leader election on a Lease, a metrics/health endpoint,
 * log level and the namespaces to watch. Credentials come from --kubeconfig, $KUBECONFIG, ~/.kube/config
 * or the in-cluster service account, in that order. SIGTERM/SIGINT stop it gracefully: no new reconciles,
 * the ones in flight finish, the Lease is released so a standby takes over at once.
 */
import http from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { KubeClient } from './client.js';
import { Controller } from './controller.js';
import { LeaderElector } from './leader-election.js';
import { OperatorMetrics } from './metrics.js';

export interface OperatorFlags {
  readonly leaderElect: boolean;
  readonly leaderElectionId: string;
  readonly leaderElectionNamespace: string | undefined;
  readonly metricsAddr: string;
  readonly logLevel: string;
  readonly watchNamespaces: string;
  readonly kubeconfig: string | undefined;
  readonly workers: number;
}

function parseBool(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`expected true or false, got ${JSON.stringify(value)}`);
}

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

export function registerOperatorCommand(program: Command): void {
  program
    .command('operator')
    .description('run the SequencerCluster operator (in-cluster config or kubeconfig)')
    .option(
      '--leader-elect [enabled]',
      'elect a leader through a Lease so only one replica acts',
      parseBool,
      false,
    )
    .option('--leader-election-id <name>', 'name of the Lease', 'baton-operator')
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default $POD_NAMESPACE)')
    .option('--metrics-addr <addr>', 'address of /metrics, /healthz and /readyz ("0" disables)', ':8080')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .option('--watch-namespaces <list>', 'comma-separated namespaces to watch (default all)', '')
    .option('--kubeconfig <path>', 'kubeconfig file (default $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--workers <n>', 'concurrent reconciles', (v) => Number.parseInt(v, 10), 4)
    .action(async (opts: OperatorFlags) => {
      const stop = await runOperator(opts);
      let stopping = false;
      const onSignal = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`received ${signal}\n`);
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`error while stopping: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
    });
}

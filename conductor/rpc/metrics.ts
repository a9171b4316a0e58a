/**
 * Server-side RPC metrics with the names op-conductor exposes through op-service (reference §7, namespace
 * `op_conductor`, label rpc="main"). Defined here because conductor/metrics has no RPC metrics yet; the
 * conductor service passes its registry in.
 *
 * `responses_total` labels `error` like op-service's RPC metrics: `<nil>` on success, `rpc_<code>` otherwise.
 * `notifications_sent_total` is registered for dashboard parity; HTTP has no subscriptions, so it stays 0.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface RpcMetrics {
  /** Starts timing one call; the returned function ends it with the error code, if any. */
  recordRequest(method: string): (errorCode?: number) => void;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createRpcMetrics(registry: Registry, rpc = 'main', namespace = 'op_conductor'): RpcMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: `${namespace}_rpc_server_requests_total`,
    help: 'Total requests to the RPC server',
    labelNames: ['rpc', 'method'],
    registers,
  });
  const duration = new Histogram({
    name: `${namespace}_rpc_server_request_duration_seconds`,
    help: 'Histogram of RPC server request durations',
    labelNames: ['rpc', 'method'],
    buckets: BUCKETS,
    registers,
  });
  const responses = new Counter({
    name: `${namespace}_rpc_server_responses_total`,
    help: 'Total responses sent by the RPC server',
    labelNames: ['rpc', 'method', 'error'],
    registers,
  });
  new Counter({
    name: `${namespace}_rpc_server_notifications_sent_total`,
    help: 'Total subscription notifications sent by the RPC server',
    labelNames: ['rpc', 'method'],
    registers,
  });
  return {
    recordRequest(method) {
      requests.inc({ rpc, method });
      const end = duration.startTimer({ rpc, method });
      return (errorCode) => {
        end();
        responses.inc({ rpc, method, error: errorCode === undefined ? '<nil>' : `rpc_${errorCode}` });
      };
    },
  };
}

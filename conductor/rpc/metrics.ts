/**
 * Server-side RPC metrics with the names op-conductor exposes through op-service (reference §7, namespace
 * `op_conductor`, label rpc="main"). The counters themselves live with every other conductor metric in
 * conductor/metrics (one registry, one definition per name); this adapts them to what the server records.
 *
 * `responses_total` labels `error` like op-service's RPC metrics: `<nil>` on success, `rpc_<code>` otherwise.
 */
import type { Registry } from 'prom-client';
import { createConductorMetrics, type ConductorMetrics } from '../metrics/metrics.js';

export interface RpcMetrics {
  /** Starts timing one call; the returned function ends it with the error code, if any. */
  recordRequest(method: string): (errorCode?: number) => void;
}

export function rpcMetricsFrom(metrics: ConductorMetrics, rpc = 'main'): RpcMetrics {
  return {
    recordRequest(method) {
      metrics.rpcServerRequests.inc({ rpc, method });
      const end = metrics.rpcServerRequestDuration.startTimer({ rpc, method });
      return (errorCode) => {
        end();
        metrics.rpcServerResponses.inc({
          rpc,
          method,
          error: errorCode === undefined ? '<nil>' : `rpc_${errorCode}`,
        });
      };
    },
  };
}

/** Registers the conductor metrics on `registry` and returns the RPC server's view of them. */
export function createRpcMetrics(registry: Registry, rpc = 'main'): RpcMetrics {
  return rpcMetricsFrom(createConductorMetrics(registry), rpc);
}

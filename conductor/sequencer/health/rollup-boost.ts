/**
 * rollup-boost health probes (reference §5 item 4, op-conductor client/rollupboost.go and
 * rollupboost_next.go). Plain HTTP GETs, not JSON-RPC:
 * - legacy (`--rollup-boost.enabled`): GET <execution.rpc>/healthz → 200 healthy, 206 partial,
 *   503 unhealthy, any other status an error;
 * - next (`--rollup-boost.next-enabled`): GET <next-healthcheck-url> → must be 200 with JSON
 *   {"rollup_boost_health": "Healthy" | "PartialContent" | "ServiceUnavailable"}, body ≤ 1 MiB.
 * Any thrown error becomes ErrRollupBoostConnectionDown in evaluate.ts.
 */
import type { RollupBoostStatus } from './evaluate.js';

/** --rollup-boost.healthcheck-timeout default. */
export const DEFAULT_ROLLUP_BOOST_TIMEOUT_MS = 5_000;
const MAX_NEXT_BODY_BYTES = 1 << 20;

export async function rollupBoostLegacyHealth(
  executionRpcUrl: string,
  timeoutMs = DEFAULT_ROLLUP_BOOST_TIMEOUT_MS,
): Promise<RollupBoostStatus> {
  const url = new URL('healthz', executionRpcUrl.endsWith('/') ? executionRpcUrl : `${executionRpcUrl}/`);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
  switch (res.status) {
    case 200:
      return 'healthy';
    case 206:
      return 'partial';
    case 503:
      return 'unhealthy';
    default:
      throw new Error(`unexpected status code: ${res.status}`);
  }
}

export async function rollupBoostNextHealth(
  healthcheckUrl: string,
  timeoutMs = DEFAULT_ROLLUP_BOOST_TIMEOUT_MS,
): Promise<RollupBoostStatus> {
  const res = await fetch(healthcheckUrl, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`unexpected status code: ${res.status}`);
  if (body.byteLength > MAX_NEXT_BODY_BYTES) throw new Error('health response body too large');
  const json = JSON.parse(new TextDecoder().decode(body)) as { rollup_boost_health?: unknown };
  switch (json.rollup_boost_health) {
    case 'Healthy':
      return 'healthy';
    case 'PartialContent':
      return 'partial';
    case 'ServiceUnavailable':
      return 'unhealthy';
    default:
      throw new Error(`unknown rollup boost health status: ${String(json.rollup_boost_health)}`);
  }
}

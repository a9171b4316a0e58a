/** The members' ServiceAccount: an identity for policies (PSA, network policy), with no API token. */
import type { V1ServiceAccount } from '@kubernetes/client-node';
import { serviceAccountName } from '../api/names.js';
import type { RenderContext } from './context.js';
import { objectMeta } from './metadata.js';

export function renderServiceAccount(ctx: RenderContext): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: objectMeta(ctx.cluster, serviceAccountName(ctx.name)),
    automountServiceAccountToken: false,
  };
}

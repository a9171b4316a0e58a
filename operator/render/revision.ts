/**
 * The pod template revision: a short hash of the template's canonical JSON. It is stamped on the
 * template as the `baton.dev/revision` annotation, so every pod carries the revision it was created
 * from; the operator restarts pods whose revision differs from the StatefulSet's (updateStrategy
 * OnDelete). Equal templates always hash equal (keys sorted, undefined dropped), and anything outside
 * the template (replicas, Services, the bootstrap ConfigMap) never changes it.
 */
import { createHash } from 'node:crypto';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';

export const REVISION_LENGTH = 10;

/** JSON with object keys sorted at every level and undefined members omitted. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v: unknown) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 of the canonical JSON, first 10 hex characters. */
export function templateRevision(template: V1PodTemplateSpec): string {
  return createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, REVISION_LENGTH);
}

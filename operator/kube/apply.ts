/**
 * Server-side apply of the operator's objects. Each apply sends the operator's full intent for the object
 * under one field manager; the API server merges it with fields other managers own (an annotation a human
 * added, a label from another controller) and removes fields this manager stopped sending. force=true
 * takes ownership of our fields back from whoever changed them — the operator's intent is authoritative for
 * what it renders, and for nothing else.
 *
 * Status uses a second field manager on the status subresource, so spec-side and status-side ownership
 * never conflict.
 */
import type { JsonObject, KubeClient } from './client.js';
import { pathOf, resourceOf, type ResourceType } from './resources.js';

export const FIELD_MANAGER = 'baton-operator';
export const STATUS_FIELD_MANAGER = 'baton-operator-status';
/** JSON is YAML, so a JSON body with this content type is a valid apply patch. */
export const APPLY_PATCH = 'application/apply-patch+yaml';
export const MERGE_PATCH = 'application/merge-patch+json';

/** Anything with an identity: rendered client-node models and raw JSON alike. */
export interface Applicable {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

export async function serverSideApply(client: KubeClient, object: Applicable): Promise<JsonObject> {
  const { apiVersion, kind, metadata } = object;
  if (!apiVersion || !kind || !metadata?.name || !metadata.namespace)
    throw new Error(`cannot apply an object without apiVersion, kind, name and namespace`);
  return client.request('PATCH', pathOf(resourceOf(apiVersion, kind), metadata.namespace, metadata.name), {
    query: { fieldManager: FIELD_MANAGER, force: true },
    contentType: APPLY_PATCH,
    body: object,
    write: true,
  });
}

/** Apply `status` (the whole intended status) to the status subresource of a custom object. */
export async function applyStatus(
  client: KubeClient,
  type: ResourceType,
  identity: { apiVersion: string; kind: string; namespace: string; name: string },
  status: unknown,
): Promise<JsonObject> {
  return client.request('PATCH', pathOf(type, identity.namespace, identity.name, 'status'), {
    query: { fieldManager: STATUS_FIELD_MANAGER, force: true },
    contentType: APPLY_PATCH,
    body: {
      apiVersion: identity.apiVersion,
      kind: identity.kind,
      metadata: { name: identity.name, namespace: identity.namespace },
      status,
    },
    write: true,
  });
}

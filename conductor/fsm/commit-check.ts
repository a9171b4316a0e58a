/**
 * The pre-proposal check behind conductor_commitUnsafePayload: encode the envelope exactly as it will be
 * logged, and refuse anything the FSM would reject at apply time, so op-node gets the reason instead of a
 * committed-but-ignored entry.
 *
 * Error texts: for `invalid-envelope` the message is op-service's bare text (e.g. `execution payload
 * envelope is missing data`); the RPC layer prefixes it with `failed to marshal payload envelope: `,
 * as op-conductor does.
 */
import { checkExtension } from './chain-rule.js';
import { decodeEnvelope, encodeEnvelope, type DecodedEnvelope } from './codec.js';
import type { ExecutionPayloadEnvelope } from './envelope.js';
import type { CommittedPayload } from './state.js';

export type CommitCheck =
  | {
      ok: true;
      /** The log entry to propose. */
      data: Uint8Array;
      decoded: DecodedEnvelope;
      /** Already the committed head (a retried commit): acknowledge without proposing again. */
      duplicate: boolean;
    }
  | { ok: false; reason: 'invalid-envelope' | 'not-next-block'; error: string };

export function checkCommit(
  state: { head(): CommittedPayload | undefined },
  envelope: ExecutionPayloadEnvelope,
): CommitCheck {
  let data: Uint8Array;
  let decoded: DecodedEnvelope;
  try {
    data = encodeEnvelope(envelope);
    // Decode what we encoded: proves the entry is appliable and yields the canonical block identity.
    decoded = decodeEnvelope(data);
  } catch (err) {
    return { ok: false, reason: 'invalid-envelope', error: (err as Error).message };
  }
  const verdict = checkExtension(state.head(), decoded);
  if (verdict.kind === 'rejected') return { ok: false, reason: 'not-next-block', error: verdict.error };
  return { ok: true, data, decoded, duplicate: verdict.kind === 'duplicate' };
}

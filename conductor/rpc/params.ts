/**
 * Positional parameter decoding with geth's rules and texts (go-ethereum rpc/json.go
 * parsePositionalArguments, Go encoding/json, common/hexutil). Callers see exactly what a Go conductor says:
 *
 * - absent or `null` params mean "no arguments"; anything but an array is `non-array args`;
 * - extra arguments: `too many arguments, want at most N`;
 * - a missing non-pointer argument: `missing value for required argument N`;
 * - a badly typed one: `invalid argument N: json: cannot unmarshal string into Go value of type bool`;
 * - JSON `null` for a Go value type decodes to its zero value (false, "", 0), as encoding/json does.
 *
 * All of these are code -32602. One knowing divergence: numbers arrive through JSON.parse, so a uint64 above
 * 2^53 is rejected instead of decoded exactly (Raft configuration indices never get there), and an integer
 * written as `1e3` is accepted where Go would refuse it.
 */
import { invalidParams } from './errors.js';
import { goJsonKind, isJsonObject, type JsonObject, type JsonValue } from '../jsonrpc/json.js';

/** A Go parameter type: how to decode it and whether it may be missing (Go pointer types may). */
export interface ParamType<T> {
  /** Go pointer parameters decode a missing argument as nil instead of failing. */
  readonly optional: boolean;
  /** Returns the decoded value or throws ArgumentError with the text after `invalid argument N: `. */
  decode(value: JsonValue): T;
  /** The value a missing optional argument takes. */
  readonly missing?: T;
}

export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}

const typeError = (value: JsonValue, goType: string): ArgumentError =>
  new ArgumentError(`json: cannot unmarshal ${goJsonKind(value)} into Go value of type ${goType}`);

export const boolParam: ParamType<boolean> = {
  optional: false,
  decode(value) {
    if (value === null) return false;
    if (typeof value === 'boolean') return value;
    throw typeError(value, 'bool');
  },
};

export const stringParam: ParamType<string> = {
  optional: false,
  decode(value) {
    if (value === null) return '';
    if (typeof value === 'string') return value;
    throw typeError(value, 'string');
  },
};

/** Go `uint64`: a JSON number only (geth does not take hex strings for plain uint64 parameters). */
export const uint64Param: ParamType<number> = {
  optional: false,
  decode(value) {
    if (value === null) return 0;
    if (typeof value !== 'number') throw typeError(value, 'uint64');
    if (!Number.isInteger(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
      throw new ArgumentError(`json: cannot unmarshal number ${String(value)} into Go value of type uint64`);
    }
    return value;
  },
};

/** `*eth.ExecutionPayloadEnvelope`: a pointer, so missing or null decode to null. */
export const envelopeParam: ParamType<JsonObject | null> = {
  optional: true,
  missing: null,
  decode(value) {
    if (value === null) return null;
    if (isJsonObject(value)) return value;
    throw typeError(value, 'eth.ExecutionPayloadEnvelope');
  },
};

/**
 * geth `rpc.BlockNumber`: a tag or a hex quantity. Its UnmarshalJSON strips quotes and hands anything else to
 * hexutil.DecodeUint64, so a JSON number fails with `hex string without 0x prefix`. Decodes to the canonical
 * form geth forwards upstream (tag, or minimal hex).
 */
export const blockNumberParam: ParamType<string> = {
  optional: false,
  decode(value) {
    // Go trims the raw JSON text, then strips the quotes: spaces inside a string are not trimmed.
    const input = typeof value === 'string' ? value : JSON.stringify(value);
    if (BLOCK_TAGS.has(input)) return input;
    const n = decodeHexUint64(input);
    if (n > MAX_INT64) throw new ArgumentError('block number larger than int64');
    return `0x${n.toString(16)}`;
  },
};
const BLOCK_TAGS = new Set(['earliest', 'latest', 'pending', 'finalized', 'safe']);
const MAX_INT64 = (1n << 63n) - 1n;

/**
 * geth `hexutil.Big`: must be a JSON string holding a hex quantity of at most 256 bits; the empty string is
 * zero. Errors are wrapped in Go's UnmarshalTypeError form. Decodes to canonical minimal hex.
 */
export const hexBigParam: ParamType<string> = {
  optional: false,
  decode(value) {
    const wrap = (reason: string): ArgumentError =>
      new ArgumentError(`json: cannot unmarshal ${reason} into Go value of type *hexutil.Big`);
    if (typeof value !== 'string') throw wrap('non-string');
    if (value === '') return '0x0';
    const digits = checkHexNumber(value, wrap);
    if (digits.length > 64) throw wrap('hex number > 256 bits');
    if (!/^[0-9a-fA-F]+$/.test(digits)) throw wrap('invalid hex string');
    return `0x${BigInt(`0x${digits}`).toString(16)}`;
  },
};

/** hexutil.DecodeUint64 with its error texts (also used by the optimism_outputAtBlock proxy). */
export function decodeHexUint64(input: string): bigint {
  const digits = checkHexNumber(input, (reason) => new ArgumentError(reason));
  if (!/^[0-9a-fA-F]+$/.test(digits)) throw new ArgumentError('invalid hex string');
  if (digits.length > 16) throw new ArgumentError('hex number > 64 bits');
  return BigInt(`0x${digits}`);
}

/** hexutil checkNumber: prefix, emptiness and leading-zero rules shared by all hex quantities. */
function checkHexNumber(input: string, fail: (reason: string) => Error): string {
  if (input === '') throw fail('empty hex string');
  if (!(input.length >= 2 && input[0] === '0' && (input[1] === 'x' || input[1] === 'X'))) {
    throw fail('hex string without 0x prefix');
  }
  const digits = input.slice(2);
  if (digits === '') throw fail('hex string "0x"');
  if (digits.length > 1 && digits[0] === '0') throw fail('hex number with leading zero digits');
  return digits;
}

type Decoded<T extends readonly ParamType<unknown>[]> = {
  [K in keyof T]: T[K] extends ParamType<infer V> ? V : never;
};

/** Decodes `params` against `types`, throwing RpcError -32602 with geth's message on any mismatch. */
export function decodeParams<const T extends readonly ParamType<unknown>[]>(
  params: JsonValue | undefined,
  types: T,
): Decoded<T> {
  if (params !== undefined && params !== null && !Array.isArray(params)) {
    throw invalidParams('non-array args');
  }
  const raw = params ?? [];
  const out: unknown[] = [];
  for (let i = 0; i < raw.length; i++) {
    const type = types[i];
    if (type === undefined) throw invalidParams(`too many arguments, want at most ${types.length}`);
    try {
      out.push(type.decode(raw[i] as JsonValue));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw invalidParams(`invalid argument ${i}: ${reason}`);
    }
  }
  for (let i = raw.length; i < types.length; i++) {
    const type = types[i] as ParamType<unknown>;
    if (!type.optional) throw invalidParams(`missing value for required argument ${i}`);
    out.push(type.missing);
  }
  return out as Decoded<T>;
}

/**
 * JSON values as they cross the RPC boundary. Params, proxied results and the payload envelope are kept as
 * plain JSON (not `any`) so every consumer has to narrow them before use.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Go's encoding/json names a JSON value's kind this way in UnmarshalTypeError messages
 * ("json: cannot unmarshal <kind> into Go value of type T"); error texts we mirror need the same words.
 */
export function goJsonKind(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

/**
 * Serialises like Go's encoding/json: `<`, `>`, `&`, U+2028 and U+2029 are escaped (HTML-safe output). These
 * characters can only occur inside JSON strings, so replacing them in the finished text is exact.
 */
export function goJsonStringify(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

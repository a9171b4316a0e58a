/**
 * A small typed builder for Kubernetes structural OpenAPI v3 schemas. Each builder returns the schema
 * (in the wire form the API server stores: `default`, `enum`, `x-kubernetes-validations`, …) together
 * with two phantom TypeScript types:
 *
 * - `Out<S>`: the shape the API server hands back, defaults applied (what the controller reads);
 * - `In<S>`:  the shape a user may write, defaulted fields optional (what tests and examples build).
 *
 * So the CRD YAML and the TypeScript types come from the same declaration and cannot drift apart.
 * `applyDefaults` mirrors the API server's structural defaulting for unit tests of pure code.
 *
 * Why not @kubernetes/client-node's V1JSONSchemaProps: its model renames wire fields (`_default`,
 * `_enum`, `x_kubernetes_validations`) and its serializer drops keys it does not know, so an object
 * typed with it does not print as a valid CRD.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One CEL rule (`x-kubernetes-validations` item). */
export interface ValidationRule {
  rule: string;
  message: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
}

/** A structural schema node, wire form. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema;
  enum?: JsonValue[];
  default?: JsonValue;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-embedded-resource'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

declare const phantom: unique symbol;

/** A schema node carrying its TypeScript types (never present at runtime). */
export interface Schema<O, I = O> {
  readonly json: JsonSchema;
  readonly [phantom]?: { readonly out: O; readonly in: I };
}
type AnySchema = Schema<unknown, unknown>;

export type Out<S> = S extends Schema<infer O, unknown> ? O : never;
export type In<S> = S extends Schema<unknown, infer I> ? I : never;

type Mode = 'required' | 'optional' | 'defaulted';

/** A property of an object schema: its schema, whether it must be given, its default and its documentation. */
export interface Field<S extends AnySchema, M extends Mode> {
  readonly schema: S;
  readonly mode: M;
  readonly description: string;
  readonly default?: JsonValue;
}
type Fields = Record<string, Field<AnySchema, Mode>>;

export const required = <S extends AnySchema>(schema: S, description: string): Field<S, 'required'> => ({
  schema,
  mode: 'required',
  description,
});
export const optional = <S extends AnySchema>(schema: S, description: string): Field<S, 'optional'> => ({
  schema,
  mode: 'optional',
  description,
});
/**
 * A field the API server fills in when it is missing. Objects whose children have defaults get
 * `default: {}` themselves, so that omitting the whole object still yields every nested default.
 */
export const defaulted = <S extends AnySchema>(
  schema: S,
  value: In<S> & JsonValue,
  description: string,
): Field<S, 'defaulted'> => ({ schema, mode: 'defaulted', description, default: value });

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<F extends Fields, M extends Mode> = {
  [K in keyof F]: F[K]['mode'] extends M ? K : never;
}[keyof F];
type ObjOut<F extends Fields> = Simplify<
  { [K in Exclude<keyof F, OptionalKeys<F, 'optional'>>]: Out<F[K]['schema']> } & {
    [K in OptionalKeys<F, 'optional'>]?: Out<F[K]['schema']>;
  }
>;
type ObjIn<F extends Fields> = Simplify<
  { [K in OptionalKeys<F, 'required'>]: In<F[K]['schema']> } & {
    [K in Exclude<keyof F, OptionalKeys<F, 'required'>>]?: In<F[K]['schema']>;
  }
>;

interface Common {
  rules?: ValidationRule[];
}

function withRules(json: JsonSchema, rules: ValidationRule[] | undefined): JsonSchema {
  return rules && rules.length > 0 ? { ...json, 'x-kubernetes-validations': rules } : json;
}

export function object<F extends Fields>(fields: F, opts: Common = {}): Schema<ObjOut<F>, ObjIn<F>> {
  const properties: Record<string, JsonSchema> = {};
  const requiredKeys: string[] = [];
  for (const [key, field] of Object.entries(fields)) {
    const node: JsonSchema = { description: field.description, ...field.schema.json };
    if (field.default !== undefined) node.default = field.default;
    properties[key] = node;
    if (field.mode === 'required') requiredKeys.push(key);
  }
  const json: JsonSchema = { type: 'object', properties };
  if (requiredKeys.length > 0) json.required = requiredKeys;
  return { json: withRules(json, opts.rules) };
}

export interface StringOptions extends Common {
  minLength?: number;
  /** Always bounded: CEL's cost estimator charges unbounded strings as if they were huge. */
  maxLength: number;
  pattern?: string;
  format?: 'date-time';
}
export function string(opts: StringOptions): Schema<string> {
  const { rules, ...rest } = opts;
  return { json: withRules({ type: 'string', ...rest }, rules) };
}

export function enumOf<const T extends readonly string[]>(values: T, opts: Common = {}): Schema<T[number]> {
  return { json: withRules({ type: 'string', enum: [...values] }, opts.rules) };
}

export interface NumberOptions extends Common {
  minimum?: number;
  maximum?: number;
  format?: 'int32' | 'int64';
}
export function integer(opts: NumberOptions = {}): Schema<number> {
  const { rules, ...rest } = opts;
  return { json: withRules({ type: 'integer', ...rest }, rules) };
}

export function boolean(): Schema<boolean> {
  return { json: { type: 'boolean' } };
}

export interface ArrayOptions extends Common {
  /** Always bounded, for CEL cost estimation and to keep objects small. */
  maxItems: number;
  minItems?: number;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}
export function array<S extends AnySchema>(items: S, opts: ArrayOptions): Schema<Out<S>[], In<S>[]> {
  const json: JsonSchema = { type: 'array', items: items.json, maxItems: opts.maxItems };
  if (opts.minItems !== undefined) json.minItems = opts.minItems;
  if (opts.listType) json['x-kubernetes-list-type'] = opts.listType;
  if (opts.listMapKeys) json['x-kubernetes-list-map-keys'] = opts.listMapKeys;
  return { json: withRules(json, opts.rules) };
}

/** A string-keyed map (`additionalProperties`), e.g. labels or resource quantities. */
export function map<S extends AnySchema>(
  values: S,
  opts: Common & { maxProperties: number },
): Schema<Record<string, Out<S>>, Record<string, In<S>>> {
  return {
    json: withRules(
      { type: 'object', additionalProperties: values.json, maxProperties: opts.maxProperties },
      opts.rules,
    ),
  };
}

/**
 * A node whose schema is written by hand (for embedded Kubernetes types such as affinity), typed with
 * the given TypeScript type (usually a @kubernetes/client-node model).
 */
export function custom<T>(json: JsonSchema): Schema<T> {
  return { json };
}

/**
 * The API server's structural defaulting, for pure tests: fills missing properties that have a default,
 * then descends into every present value (including the ones just defaulted). Returns a new value.
 */
export function applyDefaults(schema: JsonSchema, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.map((v: unknown) => applyDefaults(items, v)) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...input };
  if (schema.properties) {
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (out[key] === undefined && prop.default !== undefined) out[key] = structuredClone(prop.default);
      if (out[key] !== undefined) out[key] = applyDefaults(prop, out[key]);
    }
  } else if (schema.additionalProperties) {
    for (const [key, v] of Object.entries(out)) out[key] = applyDefaults(schema.additionalProperties, v);
  }
  return out;
}

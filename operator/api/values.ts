/**
 * Reusable value schemas of the SequencerCluster spec: references to keys of Secrets and ConfigMaps,
 * Go-style durations (what op-node, op-geth and the conductor parse) and resource quantities. Each
 * carries its CEL rule, so a bad value is rejected by the API server with a message that says what to
 * write instead, rather than by a crash-looping container minutes later.
 */
import { custom, object, required, string, type Schema } from './schema.js';

/**
 * Go's time.ParseDuration syntax, as the conductor and op-node accept it ("500ms", "1m30s"). Used in a
 * CEL raw string (r'…'), where backslashes are not escapes.
 */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';

export function duration(): Schema<string> {
  return string({
    maxLength: 64,
    rules: [
      {
        rule: `self.matches(r'${DURATION_PATTERN}')`,
        message: 'must be a duration such as 500ms, 30s, 10m or 1h30m',
      },
    ],
  });
}

/** DNS-1123 subdomain: the names of Secrets and ConfigMaps. */
const OBJECT_NAME = {
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
};
/** Keys of Secret and ConfigMap data. */
const DATA_KEY = { maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' };

/** A key of a Secret or ConfigMap in the cluster's namespace. */
export interface KeyRef {
  name: string;
  key: string;
}

function keyRef(kind: 'Secret' | 'ConfigMap'): Schema<KeyRef> {
  return object(
    {
      name: required(string(OBJECT_NAME), `Name of the ${kind} (in the SequencerCluster's namespace).`),
      key: required(string(DATA_KEY), `Key in the ${kind}'s data.`),
    },
    {
      rules: [
        {
          rule: "has(self.name) && has(self.key) && self.name != '' && self.key != ''",
          message: `a ${kind} key reference needs both name and key`,
        },
      ],
    },
  );
}
export const secretKeyRef = (): Schema<KeyRef> => keyRef('Secret');
export const configMapKeyRef = (): Schema<KeyRef> => keyRef('ConfigMap');

/** A container image reference; required and non-empty wherever it appears. */
export function image(): Schema<string> {
  return string({
    maxLength: 512,
    rules: [{ rule: "self != ''", message: 'image must not be empty' }],
  });
}

/** Kubernetes resource quantity ("10Gi", "500m"), as a string. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

export function quantity(): Schema<string> {
  return custom<string>({
    type: 'string',
    maxLength: 64,
    pattern: QUANTITY_PATTERN,
  });
}

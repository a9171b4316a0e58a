/**
 * `status` of a SequencerCluster, written only by the controller through the status subresource.
 * The API server prunes fields the schema does not declare, so everything the controller reports must
 * be declared here. Shapes follow the Kubernetes API conventions (observedGeneration on the object and
 * on every condition; conditions as a map list keyed by type so server-side apply merges them).
 */
import {
  array,
  boolean,
  custom,
  enumOf,
  integer,
  object,
  optional,
  required,
  string,
  type Out,
} from './schema.js';

export const PHASES = [
  'Pending',
  'Forming',
  'Running',
  'Upgrading',
  'Scaling',
  'Degraded',
  'Stalled',
  'Paused',
  'Failed',
] as const;
export type Phase = (typeof PHASES)[number];

const name = () => string({ maxLength: 253 });
const timestamp = () => string({ maxLength: 64, format: 'date-time' });
const revision = () => string({ maxLength: 64 });

const head = object({
  number: required(integer({ minimum: 0, format: 'int64' }), 'Block number.'),
  hash: required(string({ maxLength: 66 }), 'Block hash, 0x-prefixed hex.'),
});

const member = object({
  pod: required(name(), 'Pod name.'),
  id: optional(name(), 'Raft server id (equal to the pod name for members the operator created).'),
  suffrage: optional(enumOf(['Voter', 'Nonvoter'] as const), 'Raft suffrage; absent while not a member.'),
  leader: optional(boolean(), 'Whether this member is the Raft leader.'),
  healthy: optional(boolean(), "The conductor's sequencer health check."),
  sequencerActive: optional(boolean(), 'Whether op-node is sequencing (only the leader should be).'),
  ready: optional(boolean(), 'Pod Ready condition.'),
  unsafeHead: optional(head, "op-node's unsafe head."),
  raftLag: optional(
    integer({ minimum: 0, format: 'int64' }),
    "Raft log entries this member is behind the leader's last entry, as the leader reports it (baton_raftStatus); absent when unknown.",
  ),
  revision: optional(
    revision(),
    'baton.dev/revision of the pod; outdated when it differs from updateRevision.',
  ),
});

const leader = object({
  pod: optional(name(), 'Pod of the Raft leader.'),
  id: optional(name(), 'Raft server id of the leader.'),
  since: optional(timestamp(), 'When the operator first saw this leader.'),
});

const rollout = object({
  phase: optional(
    string({ maxLength: 64 }),
    'Step in flight, e.g. TransferringLeadership, RestartingMember, WaitingForMember, Stalled.',
  ),
  pod: optional(name(), 'Member the step acts on.'),
  target: optional(name(), 'Transfer target, when the step moves leadership.'),
  startedAt: optional(timestamp(), 'When the step started; timeouts count from here.'),
  attemptedAt: optional(
    timestamp(),
    'When the step last acted (sent a request, deleted a pod); retries count from here.',
  ),
  podUid: optional(
    string({ maxLength: 64 }),
    'uid of the pod a restart deleted: a pod with another uid is its replacement, not a stale cache entry.',
  ),
});

const raft = object({
  formed: optional(boolean(), 'Whether the Raft cluster has been bootstrapped.'),
  bootstrapMember: optional(name(), 'The pod that bootstrapped (or is bootstrapping) the cluster.'),
  configVersion: optional(
    integer({ minimum: 0, format: 'int64' }),
    'Membership version (conductor_clusterMembership).',
  ),
});

/** metav1.Condition, exactly as controller-gen emits it. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}
const condition = custom<Condition>({
  type: 'object',
  required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
  properties: {
    type: {
      type: 'string',
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    },
    message: { type: 'string', maxLength: 32768 },
  },
});

export const statusSchema = object({
  observedGeneration: optional(
    integer({ format: 'int64', minimum: 0 }),
    'metadata.generation the status describes.',
  ),
  phase: optional(enumOf(PHASES), 'Summary of the cluster state.'),
  replicas: optional(integer({ minimum: 0 }), 'Member pods that exist (scale subresource).'),
  readyReplicas: optional(
    integer({ minimum: 0 }),
    'Members that are healthy Raft voters: pod Ready, conductor healthy, caught up, and voting (a member still joining as a non-voter does not count).',
  ),
  updatedReplicas: optional(integer({ minimum: 0 }), 'Member pods on updateRevision.'),
  ready: optional(string({ maxLength: 16 }), 'readyReplicas/spec.replicas, e.g. "3/3" (the READY column).'),
  head: optional(integer({ minimum: 0, format: 'int64' }), 'Committed unsafe head number (the HEAD column).'),
  selector: optional(string({ maxLength: 1024 }), 'Label selector of member pods (scale subresource).'),
  currentRevision: optional(revision(), 'Revision every member ran when the last rollout finished.'),
  updateRevision: optional(revision(), 'Revision of the current pod template.'),
  leader: optional(leader, 'The Raft leader, i.e. the active sequencer.'),
  members: optional(
    array(member, { maxItems: 16, listType: 'map', listMapKeys: ['pod'] }),
    'What each member reported at the last reconcile.',
  ),
  rollout: optional(rollout, 'The rollout step in flight, persisted so a restarted operator resumes it.'),
  raft: optional(raft, 'Raft cluster formation and membership.'),
  conditions: optional(
    array(condition, { maxItems: 16, listType: 'map', listMapKeys: ['type'] }),
    'Ready, Available, Progressing, Degraded, Stalled; each with observedGeneration.',
  ),
});

export type SequencerClusterStatus = Out<typeof statusSchema>;
export type MemberStatus = NonNullable<SequencerClusterStatus['members']>[number];

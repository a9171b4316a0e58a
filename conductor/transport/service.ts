/**
 * The RaftTransport gRPC service, loaded once from proto/raft.proto and re-exposed with wire types.
 * grpc-js hands out loosely typed service objects; this is the only file that narrows them, so the
 * rest of the transport deals in WireMessage / WireBulkFrame / WireSnapshotChunk.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { WireAck, WireBulkFrame, WireMessage, WireSnapshotAck, WireSnapshotChunk } from './codec.js';
import { findRaftProto } from './proto-path.js';

const SERVICE_NAME = 'baton.raft.v1.RaftTransport';

const packageDefinition = protoLoader.loadSync(findRaftProto(), {
  keepCase: false,
  longs: Number, // uint64 → number: Raft indexes and terms stay below 2^53
  enums: Number,
  defaults: true,
  oneofs: true, // adds the name of the set member (`body`, `frame`, `part`)
});

function isServiceDefinition(value: unknown): value is grpc.ServiceDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    'Control' in value &&
    'Send' in value &&
    'Replicate' in value
  );
}
const loaded: unknown = packageDefinition[SERVICE_NAME];
if (!isServiceDefinition(loaded)) throw new Error(`${SERVICE_NAME} missing from proto/raft.proto`);
export const raftServiceDefinition: grpc.ServiceDefinition = loaded;

interface Method<Req, Res> {
  readonly path: string;
  readonly serialize: (value: Req) => Buffer;
  readonly deserialize: (bytes: Buffer) => Res;
}

function method<Req, Res>(name: string): Method<Req, Res> {
  const def = raftServiceDefinition[name];
  if (def === undefined) throw new Error(`${SERVICE_NAME}.${name} missing`);
  return {
    path: def.path,
    serialize: def.requestSerialize as (value: Req) => Buffer,
    deserialize: def.responseDeserialize as (bytes: Buffer) => Res,
  };
}

export const controlMethod = method<WireMessage, WireAck>('Control');
export const sendMethod = method<WireMessage, WireAck>('Send');
export const replicateMethod = method<WireBulkFrame, WireBulkFrame>('Replicate');
export const installSnapshotMethod = method<WireSnapshotChunk, WireSnapshotAck>('InstallSnapshot');

/** Status carries an opaque report (JSON bytes the conductor defines). */
export interface WireStatusReply {
  report: Buffer;
}
export const statusMethod = method<Record<string, never>, WireStatusReply>('Status');

/* ---------- typed calls ---------- */

export type ControlClientCall = grpc.ClientDuplexStream<WireMessage, WireAck>;
export type ControlServerCall = grpc.ServerDuplexStream<WireMessage, WireAck>;
export type ReplicateClientCall = grpc.ClientDuplexStream<WireBulkFrame, WireBulkFrame>;
export type ReplicateServerCall = grpc.ServerDuplexStream<WireBulkFrame, WireBulkFrame>;
export type SnapshotClientCall = grpc.ClientWritableStream<WireSnapshotChunk>;
export type SnapshotServerCall = grpc.ServerReadableStream<WireSnapshotChunk, WireSnapshotAck>;

export function callSend(
  client: grpc.Client,
  message: WireMessage,
  deadline: Date,
  done: (error: grpc.ServiceError | null) => void,
): void {
  client.makeUnaryRequest(
    sendMethod.path,
    sendMethod.serialize,
    sendMethod.deserialize,
    message,
    new grpc.Metadata(),
    { deadline },
    (error) => done(error ?? null),
  );
}

export function openControl(client: grpc.Client): ControlClientCall {
  return client.makeBidiStreamRequest(controlMethod.path, controlMethod.serialize, controlMethod.deserialize);
}

export function openReplicate(client: grpc.Client): ReplicateClientCall {
  return client.makeBidiStreamRequest(
    replicateMethod.path,
    replicateMethod.serialize,
    replicateMethod.deserialize,
  );
}

export function openInstallSnapshot(
  client: grpc.Client,
  deadline: Date,
  done: (error: grpc.ServiceError | null, ack: WireSnapshotAck | undefined) => void,
): SnapshotClientCall {
  return client.makeClientStreamRequest(
    installSnapshotMethod.path,
    installSnapshotMethod.serialize,
    installSnapshotMethod.deserialize,
    new grpc.Metadata(),
    { deadline },
    (error, ack) => done(error ?? null, ack),
  );
}

export function callStatus(
  client: grpc.Client,
  deadline: Date,
  done: (error: grpc.ServiceError | null, reply: WireStatusReply | undefined) => void,
): void {
  client.makeUnaryRequest(
    statusMethod.path,
    statusMethod.serialize,
    statusMethod.deserialize,
    {},
    new grpc.Metadata(),
    { deadline },
    (error, reply) => done(error ?? null, reply),
  );
}

export interface RaftServiceHandlers {
  control: grpc.handleBidiStreamingCall<WireMessage, WireAck>;
  send: grpc.handleUnaryCall<WireMessage, WireAck>;
  replicate: grpc.handleBidiStreamingCall<WireBulkFrame, WireBulkFrame>;
  installSnapshot: grpc.handleClientStreamingCall<WireSnapshotChunk, WireSnapshotAck>;
  status: grpc.handleUnaryCall<Record<string, never>, WireStatusReply>;
}

export function addRaftService(server: grpc.Server, handlers: RaftServiceHandlers): void {
  server.addService(raftServiceDefinition, {
    Control: handlers.control,
    Send: handlers.send,
    Replicate: handlers.replicate,
    InstallSnapshot: handlers.installSnapshot,
    Status: handlers.status,
  });
}

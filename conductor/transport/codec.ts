/**
 * The typed boundary between the Raft vocabulary (conductor/raft/types.ts) and the plain objects
 * @grpc/proto-loader serialises. proto-loader objects are untyped at run time, so every decoded value
 * is checked here: a malformed message becomes a `DecodeError` (the caller logs and drops it) and
 * never reaches the core.
 *
 * Copies: an entry's `data` is passed to protobufjs by reference on encode (the single copy is into
 * the encoded frame) and comes back on decode as a Buffer view into the received frame (no copy).
 */
import {
  EntryType,
  Suffrage,
  type Entry,
  type Message,
  type NodeId,
  type Server,
  type SnapshotMeta,
} from '../raft/types.js';

/* ---------- wire shapes (proto-loader options: keepCase false, longs Number, enums Number) ---------- */

export type Bytes = Uint8Array;

export interface WireEntry {
  term: number;
  index: number;
  type: number;
  data: Bytes;
}
export interface WireServer {
  id: string;
  address: string;
  suffrage: number;
}
export interface WireSnapshotMeta {
  index: number;
  term: number;
  servers: WireServer[];
  configIndex: number;
}
export interface WireBodies {
  preVote: { lastLogIndex: number; lastLogTerm: number };
  preVoteResp: { granted: boolean };
  vote: { lastLogIndex: number; lastLogTerm: number; transfer: boolean };
  voteResp: { granted: boolean };
  append: { prevIndex: number; prevTerm: number; entries: WireEntry[]; commit: number };
  appendResp: { success: boolean; index: number; conflictIndex: number; conflictTerm: number };
  heartbeat: { commit: number; readContext: string };
  heartbeatResp: { readContext: string };
  timeoutNow: Record<string, never>;
  snapshot: { meta: WireSnapshotMeta; data: Bytes };
}
export type BodyName = keyof WireBodies;
export type WireMessage = { from: string; to: string; term: number; body?: BodyName } & {
  [K in BodyName]?: WireBodies[K] | null;
};
export interface WireHello {
  from: string;
  to: string;
}
export interface WireBulkFrame {
  frame?: 'hello' | 'message';
  hello?: WireHello | null;
  message?: WireMessage | null;
}
export interface WireSnapshotChunk {
  part?: 'header' | 'data';
  header?: { message: WireMessage | null; totalBytes: number } | null;
  data?: Bytes | null;
}
export interface WireSnapshotAck {
  ok: boolean;
  error: string;
}
export type WireAck = Record<string, never>;

/* ---------- classification ---------- */

/** Small and latency critical: travels on the control channel (unary `Send`). */
export function isControl(message: Message): boolean {
  return message.type !== 'Append' && message.type !== 'AppendResp' && message.type !== 'Snapshot';
}

/** Approximate encoded size, for the per-peer queue's byte bound (exact size is not needed). */
export function approximateSize(message: Message): number {
  const overhead = 64 + message.from.length + message.to.length;
  if (message.type === 'Append') {
    let bytes = overhead;
    for (const entry of message.entries) bytes += entry.data.byteLength + 32;
    return bytes;
  }
  if (message.type === 'Snapshot') return overhead + message.snapshot.data.byteLength;
  if (message.type === 'Heartbeat' || message.type === 'HeartbeatResp')
    return overhead + message.readContext.length;
  return overhead;
}

/* ---------- encode ---------- */

/**
 * A Buffer view of the same memory (no copy). protobufjs copies a Buffer with `Buffer#copy` but a
 * plain Uint8Array byte by byte, which is slow for megabyte entries.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function encodeMeta(meta: SnapshotMeta): WireSnapshotMeta {
  return {
    index: meta.index,
    term: meta.term,
    servers: meta.configuration.servers.map((s) => ({ id: s.id, address: s.address, suffrage: s.suffrage })),
    configIndex: meta.configIndex,
  };
}

export function encodeMessage(message: Message): WireMessage {
  const base = { from: message.from, to: message.to, term: message.term };
  switch (message.type) {
    case 'PreVote':
      return { ...base, preVote: { lastLogIndex: message.lastLogIndex, lastLogTerm: message.lastLogTerm } };
    case 'PreVoteResp':
      return { ...base, preVoteResp: { granted: message.granted } };
    case 'Vote':
      return {
        ...base,
        vote: {
          lastLogIndex: message.lastLogIndex,
          lastLogTerm: message.lastLogTerm,
          transfer: message.transfer,
        },
      };
    case 'VoteResp':
      return { ...base, voteResp: { granted: message.granted } };
    case 'Append':
      return {
        ...base,
        append: {
          prevIndex: message.prevIndex,
          prevTerm: message.prevTerm,
          entries: message.entries.map((e) => ({
            term: e.term,
            index: e.index,
            type: e.type,
            data: asBuffer(e.data),
          })),
          commit: message.commit,
        },
      };
    case 'AppendResp':
      return {
        ...base,
        appendResp: {
          success: message.success,
          index: message.index,
          conflictIndex: message.conflictIndex,
          conflictTerm: message.conflictTerm,
        },
      };
    case 'Heartbeat':
      return { ...base, heartbeat: { commit: message.commit, readContext: message.readContext } };
    case 'HeartbeatResp':
      return { ...base, heartbeatResp: { readContext: message.readContext } };
    case 'TimeoutNow':
      return { ...base, timeoutNow: {} };
    case 'Snapshot':
      return {
        ...base,
        snapshot: { meta: encodeMeta(message.snapshot.meta), data: asBuffer(message.snapshot.data) },
      };
  }
}

/* ---------- decode (validating) ---------- */

export class DecodeError extends Error {}

function fail(what: string): never {
  throw new DecodeError(what);
}
function obj(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) fail(`${what}: missing`);
  return value as Record<string, unknown>;
}
function u64(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${key}: not a safe unsigned integer`);
  return v;
}
function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${key}: not a string`);
  return v;
}
function bool(o: Record<string, unknown>, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${key}: not a boolean`);
  return v;
}
function bytes(o: Record<string, unknown>, key: string): Uint8Array {
  const v = o[key];
  if (!(v instanceof Uint8Array)) fail(`${key}: not bytes`);
  return v;
}
function arr(o: Record<string, unknown>, key: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${key}: not a list`);
  return v;
}

function decodeEntry(value: unknown): Entry {
  const e = obj(value, 'entry');
  const type = e['type'];
  if (type !== EntryType.Normal && type !== EntryType.ConfChange && type !== EntryType.Noop)
    fail('entry.type: unknown');
  return { term: u64(e, 'term'), index: u64(e, 'index'), type, data: bytes(e, 'data') };
}

function decodeServer(value: unknown): Server {
  const s = obj(value, 'server');
  const suffrage = s['suffrage'];
  if (suffrage !== Suffrage.Voter && suffrage !== Suffrage.Nonvoter) fail('server.suffrage: unknown');
  return { id: str(s, 'id'), address: str(s, 'address'), suffrage };
}

export function decodeMeta(value: unknown): SnapshotMeta {
  const m = obj(value, 'snapshot.meta');
  return {
    index: u64(m, 'index'),
    term: u64(m, 'term'),
    configuration: { servers: arr(m, 'servers').map(decodeServer) },
    configIndex: u64(m, 'configIndex'),
  };
}

/** Throws DecodeError when the object is not a well-formed RaftMessage. */
export function decodeMessage(value: unknown): Message {
  const w = obj(value, 'message');
  const base = { from: str(w, 'from') as NodeId, to: str(w, 'to') as NodeId, term: u64(w, 'term') };
  const name = w['body'];
  if (typeof name !== 'string') fail('message: no body');
  const b = obj(w[name], name);
  switch (name as BodyName) {
    case 'preVote':
      return {
        ...base,
        type: 'PreVote',
        lastLogIndex: u64(b, 'lastLogIndex'),
        lastLogTerm: u64(b, 'lastLogTerm'),
      };
    case 'preVoteResp':
      return { ...base, type: 'PreVoteResp', granted: bool(b, 'granted') };
    case 'vote':
      return {
        ...base,
        type: 'Vote',
        lastLogIndex: u64(b, 'lastLogIndex'),
        lastLogTerm: u64(b, 'lastLogTerm'),
        transfer: bool(b, 'transfer'),
      };
    case 'voteResp':
      return { ...base, type: 'VoteResp', granted: bool(b, 'granted') };
    case 'append':
      return {
        ...base,
        type: 'Append',
        prevIndex: u64(b, 'prevIndex'),
        prevTerm: u64(b, 'prevTerm'),
        entries: arr(b, 'entries').map(decodeEntry),
        commit: u64(b, 'commit'),
      };
    case 'appendResp':
      return {
        ...base,
        type: 'AppendResp',
        success: bool(b, 'success'),
        index: u64(b, 'index'),
        conflictIndex: u64(b, 'conflictIndex'),
        conflictTerm: u64(b, 'conflictTerm'),
      };
    case 'heartbeat':
      return { ...base, type: 'Heartbeat', commit: u64(b, 'commit'), readContext: str(b, 'readContext') };
    case 'heartbeatResp':
      return { ...base, type: 'HeartbeatResp', readContext: str(b, 'readContext') };
    case 'timeoutNow':
      return { ...base, type: 'TimeoutNow' };
    case 'snapshot':
      return { ...base, type: 'Snapshot', snapshot: { meta: decodeMeta(b['meta']), data: bytes(b, 'data') } };
    default:
      return fail(`message: unknown body ${name}`);
  }
}

/** Decode or report why not: the receive paths log the reason and drop the message. */
export function tryDecodeMessage(value: unknown): { message: Message } | { error: string } {
  try {
    return { message: decodeMessage(value) };
  } catch (error) {
    if (error instanceof DecodeError) return { error: error.message };
    throw error;
  }
}

/** Shared helpers for the transport tests: sample messages and a pair of live transports. */
import { createHash } from 'node:crypto';
import { EntryType, Suffrage, type AppendRequest, type Message, type NodeId } from '../../raft/types.js';
import { GrpcTransport, type TransportOptions } from '../index.js';

export function bytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i += 4096) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x & 0xff;
  }
  out[size - 1] = seed & 0xff;
  return out;
}

/** One sample of every message type, with non-default values in every field. */
export function everyMessage(from: NodeId, to: NodeId): Message[] {
  const base = { from, to, term: 2 ** 40 + 7 };
  return [
    { ...base, type: 'PreVote', lastLogIndex: 2 ** 52, lastLogTerm: 9 },
    { ...base, type: 'PreVoteResp', granted: true },
    { ...base, type: 'Vote', lastLogIndex: 123, lastLogTerm: 4, transfer: true },
    { ...base, type: 'VoteResp', granted: false },
    {
      ...base,
      type: 'Append',
      prevIndex: 41,
      prevTerm: 3,
      commit: 40,
      entries: [
        { term: 3, index: 42, type: EntryType.Normal, data: bytes(1000, 5) },
        { term: 3, index: 43, type: EntryType.ConfChange, data: new Uint8Array([1, 2, 3]) },
        { term: 4, index: 44, type: EntryType.Noop, data: new Uint8Array(0) },
      ],
    },
    { ...base, type: 'Append', prevIndex: 0, prevTerm: 0, commit: 0, entries: [] },
    { ...base, type: 'AppendResp', success: false, index: 17, conflictIndex: 12, conflictTerm: 2 },
    { ...base, type: 'AppendResp', success: true, index: 44, conflictIndex: 0, conflictTerm: 0 },
    { ...base, type: 'Heartbeat', commit: 39, readContext: 'read-ctx-1' },
    { ...base, type: 'HeartbeatResp', readContext: 'read-ctx-1' },
    { ...base, type: 'TimeoutNow' },
    {
      ...base,
      type: 'Snapshot',
      snapshot: {
        meta: {
          index: 100,
          term: 5,
          configIndex: 90,
          configuration: {
            servers: [
              { id: 'a', address: 'seq-0.seq:50050', suffrage: Suffrage.Voter },
              { id: 'b', address: '10.0.0.2:50050', suffrage: Suffrage.Nonvoter },
            ],
          },
        },
        data: bytes(3000, 9),
      },
    },
  ];
}

/** A canonical form: keys sorted, bytes (Buffer or Uint8Array alike) as length + SHA-256. */
export function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return { bytes: value.byteLength, sha256: createHash('sha256').update(value).digest('hex') };
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

export class Inbox {
  readonly messages: Message[] = [];
  private waiters: Array<{ pred: (m: Message) => boolean; resolve: (m: Message) => void }> = [];

  push = (message: Message): void => {
    this.messages.push(message);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(message)) return true;
      w.resolve(message);
      return false;
    });
  };

  next(pred: (m: Message) => boolean = () => true, timeoutMs = 10_000): Promise<Message> {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
}

export interface Node {
  id: NodeId;
  transport: GrpcTransport;
  port: number;
  inbox: Inbox;
  unreachable: NodeId[];
}

export async function startNode(id: NodeId, extra: Partial<TransportOptions> = {}, port = 0): Promise<Node> {
  const transport = new GrpcTransport({ id, listenHost: '127.0.0.1', listenPort: port, ...extra });
  const inbox = new Inbox();
  const unreachable: NodeId[] = [];
  transport.onMessage = inbox.push;
  transport.onUnreachable = (peer) => unreachable.push(peer);
  const started = await transport.start();
  return { id, transport, port: started.port, inbox, unreachable };
}

/** Tell every node about every other node. */
export function mesh(nodes: Node[]): void {
  const peers = new Map(nodes.map((n) => [n.id, `127.0.0.1:${n.port}`]));
  for (const n of nodes) n.transport.setPeers(peers);
}

export async function until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A one-entry Append from `from` to `to` at `index` (term 1), for delivery tests. */
export function append(from: string, to: string, index: number, data: Uint8Array): AppendRequest {
  return {
    type: 'Append',
    from,
    to,
    term: 1,
    prevIndex: index - 1,
    prevTerm: 1,
    commit: 0,
    entries: [{ term: 1, index, type: EntryType.Normal, data }],
  };
}

/**
 * Cluster membership. A ConfChange log entry carries the WHOLE resulting configuration (hashicorp
 * style), so a snapshot, a restart or a follower never has to replay a chain of deltas to know who
 * the voters are. A configuration takes effect as soon as it is appended, so the history below
 * follows appends and truncations of the log, not commitment.
 */
import { RaftError } from './errors.js';
import { EntryType, Suffrage } from './types.js';
import type { ConfChange, Configuration, Entry, NodeId, Server } from './types.js';

export const EMPTY_CONFIGURATION: Configuration = { servers: [] };

/** Deterministic JSON: fixed key order, servers in configuration order. */
export function encodeConfiguration(configuration: Configuration): Uint8Array {
  const servers = configuration.servers.map((s) => ({ id: s.id, address: s.address, suffrage: s.suffrage }));
  return new TextEncoder().encode(JSON.stringify({ servers }));
}

/** Throws `InvalidConfChange` on anything that is not a well-formed configuration. */
export function decodeConfiguration(data: Uint8Array): Configuration {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw new RaftError('InvalidConfChange', 'configuration entry is not valid JSON');
  }
  const list: unknown = (parsed as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(list)) throw new RaftError('InvalidConfChange', 'configuration entry has no servers');
  const servers: Server[] = [];
  const seen = new Set<string>();
  for (const raw of list as unknown[]) {
    const s = raw as { id?: unknown; address?: unknown; suffrage?: unknown } | null;
    if (
      s === null ||
      typeof s.id !== 'string' ||
      typeof s.address !== 'string' ||
      (s.suffrage !== Suffrage.Voter && s.suffrage !== Suffrage.Nonvoter) ||
      seen.has(s.id)
    ) {
      throw new RaftError('InvalidConfChange', 'configuration entry has a malformed server');
    }
    seen.add(s.id);
    servers.push({ id: s.id, address: s.address, suffrage: s.suffrage });
  }
  return { servers };
}

export function voters(configuration: Configuration): NodeId[] {
  return configuration.servers.filter((s) => s.suffrage === Suffrage.Voter).map((s) => s.id);
}

export function isVoter(configuration: Configuration, id: NodeId): boolean {
  return configuration.servers.some((s) => s.id === id && s.suffrage === Suffrage.Voter);
}

export function findServer(configuration: Configuration, id: NodeId): Server | undefined {
  return configuration.servers.find((s) => s.id === id);
}

export function sameConfiguration(a: Configuration, b: Configuration): boolean {
  const ea = encodeConfiguration(a);
  const eb = encodeConfiguration(b);
  return ea.length === eb.length && ea.every((v, i) => v === eb[i]);
}

/**
 * The configuration after one single-server change (thesis §4.1), following hashicorp/raft's
 * `nextConfiguration`: addVoter adds or promotes (and updates the address), addNonvoter adds or
 * updates the address of an existing server without demoting a voter, demote turns a voter into a
 * non-voter, remove drops a server. Changing an unknown server, or leaving no voter, is refused.
 */
export function applyConfChange(configuration: Configuration, change: ConfChange): Configuration {
  const servers = [...configuration.servers];
  const at = servers.findIndex((s) => s.id === change.id);
  const existing = servers[at];
  if (typeof change.id !== 'string' || change.id === '') {
    throw new RaftError('InvalidConfChange', 'server id must be a non-empty string');
  }
  switch (change.kind) {
    case 'addVoter':
      if (existing) servers[at] = { id: change.id, address: change.address, suffrage: Suffrage.Voter };
      else servers.push({ id: change.id, address: change.address, suffrage: Suffrage.Voter });
      break;
    case 'addNonvoter':
      if (existing) servers[at] = { ...existing, address: change.address };
      else servers.push({ id: change.id, address: change.address, suffrage: Suffrage.Nonvoter });
      break;
    case 'demote':
      if (!existing) throw new RaftError('UnknownServer', `unknown server ${change.id}`);
      servers[at] = { ...existing, suffrage: Suffrage.Nonvoter };
      break;
    case 'remove':
      if (!existing) throw new RaftError('UnknownServer', `unknown server ${change.id}`);
      servers.splice(at, 1);
      break;
    default:
      throw new RaftError('InvalidConfChange', 'unknown configuration change');
  }
  const next: Configuration = { servers };
  if (voters(next).length === 0) {
    throw new RaftError('InvalidConfChange', 'configuration would have no voters');
  }
  return next;
}

export interface IndexedConfiguration {
  readonly index: number;
  readonly configuration: Configuration;
}

/**
 * Where the configuration entries are in the log: the configuration in effect at the log's base (the
 * snapshot point) plus every configuration entry after it. Truncating an uncommitted configuration
 * entry therefore reverts to the previous configuration for free.
 */
export class ConfigurationHistory {
  private base: IndexedConfiguration;
  private readonly list: IndexedConfiguration[] = [];

  constructor(base: IndexedConfiguration) {
    this.base = base;
  }

  reset(base: IndexedConfiguration): void {
    this.base = base;
    this.list.length = 0;
  }

  /**
   * Records configuration entries among newly appended entries. An undecodable entry (only a broken
   * leader could send one) keeps the previous configuration rather than guessing.
   */
  appended(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.type !== EntryType.ConfChange) continue;
      try {
        this.list.push({ index: e.index, configuration: decodeConfiguration(e.data) });
      } catch {
        this.list.push({ index: e.index, configuration: this.latest().configuration });
      }
    }
  }

  /** The log lost every entry from `index` on. */
  truncatedFrom(index: number): void {
    while (this.list.length > 0 && (this.list[this.list.length - 1]?.index ?? 0) >= index) this.list.pop();
  }

  /** Entries up to `index` were compacted into a snapshot: fold their configurations into the base. */
  compactTo(index: number): void {
    while (this.list.length > 0 && (this.list[0]?.index ?? Infinity) <= index) {
      const first = this.list.shift();
      if (first) this.base = first;
    }
  }

  latest(): IndexedConfiguration {
    return this.list[this.list.length - 1] ?? this.base;
  }

  /** The configuration in effect at `index` (the latest configuration entry at or before it). */
  at(index: number): IndexedConfiguration {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const c = this.list[i];
      if (c && c.index <= index) return c;
    }
    return this.base;
  }
}

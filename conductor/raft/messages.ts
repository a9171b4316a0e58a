/**
 * Shape checks for messages arriving from the network. The core never throws on peer input: a
 * malformed message (wrong types, non-contiguous entries, entries from a future term) is dropped
 * before it can reach any state transition.
 */
import { EntryType } from './types.js';
import type { Entry, Message } from './types.js';

const isIndex = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isId = (s: unknown): s is string => typeof s === 'string' && s.length > 0;

function wellFormedEntries(entries: unknown, prevIndex: number, prevTerm: number, term: number): boolean {
  if (!Array.isArray(entries)) return false;
  let lastTerm = prevTerm;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Partial<Entry> | null;
    if (
      e === null ||
      typeof e !== 'object' ||
      e.index !== prevIndex + 1 + i ||
      !isIndex(e.term) ||
      e.term < lastTerm ||
      e.term > term ||
      !(e.data instanceof Uint8Array) ||
      (e.type !== EntryType.Normal && e.type !== EntryType.ConfChange && e.type !== EntryType.Noop)
    ) {
      return false;
    }
    lastTerm = e.term;
  }
  return true;
}

export function wellFormed(m: Message): boolean {
  if (m === null || typeof m !== 'object' || !isId(m.from) || !isId(m.to) || !isIndex(m.term)) return false;
  switch (m.type) {
    case 'PreVote':
    case 'Vote':
      return isIndex(m.lastLogIndex) && isIndex(m.lastLogTerm) && m.lastLogTerm <= m.term;
    case 'PreVoteResp':
    case 'VoteResp':
      return typeof m.granted === 'boolean';
    case 'Append':
      return (
        isIndex(m.prevIndex) &&
        isIndex(m.prevTerm) &&
        m.prevTerm <= m.term &&
        isIndex(m.commit) &&
        wellFormedEntries(m.entries, m.prevIndex, m.prevTerm, m.term)
      );
    case 'AppendResp':
      return (
        typeof m.success === 'boolean' &&
        isIndex(m.index) &&
        isIndex(m.conflictIndex) &&
        isIndex(m.conflictTerm)
      );
    case 'Heartbeat':
      return isIndex(m.commit) && typeof m.readContext === 'string';
    case 'HeartbeatResp':
      return typeof m.readContext === 'string';
    case 'TimeoutNow':
      return true;
    case 'Snapshot': {
      const meta = m.snapshot?.meta;
      return (
        meta !== undefined &&
        isIndex(meta.index) &&
        isIndex(meta.term) &&
        meta.term <= m.term &&
        isIndex(meta.configIndex) &&
        meta.configIndex <= meta.index &&
        Array.isArray(meta.configuration?.servers)
      );
    }
    default:
      return false;
  }
}

import type { Message } from '../raft/types.js';
import { decodeMessage, encodeMessage, tryDecodeMessage } from './codec.js';
import { raftServiceDefinition, sendMethod } from './service.js';
import { everyMessage, normalise } from './testing/fixtures.js';

/** Server-side decoding of a RaftMessage (Send's request deserializer), exactly as grpc-js uses it. */
function decodeWire(bytes: Buffer): unknown {
  const def = raftServiceDefinition['Send'];
  if (def === undefined) throw new Error('Send missing');
  return def.requestDeserialize(bytes);
}

/** Through the real protobuf encoding, not just the object mapping. */
function roundTrip(message: Message): Message {
  return decodeMessage(decodeWire(sendMethod.serialize(encodeMessage(message))));
}

describe('codec', () => {
  for (const message of everyMessage('node-a', 'node-b')) {
    const label = message.type === 'Append' ? `Append(${message.entries.length} entries)` : message.type;
    test(`${label} round-trips every field`, () => {
      expect(normalise(roundTrip(message))).toEqual(normalise(message));
    });
  }

  test('decoded entry data is a view of the received frame, not a copy', () => {
    const [append] = everyMessage('a', 'b').filter((m) => m.type === 'Append');
    const wire = sendMethod.serialize(encodeMessage(append!));
    const decoded = decodeMessage(decodeWire(wire));
    if (decoded.type !== 'Append') throw new Error('not an append');
    expect(decoded.entries[0]?.data.buffer).toBe(wire.buffer);
  });

  test('malformed objects are reported, not thrown', () => {
    expect(tryDecodeMessage(null)).toEqual({ error: 'message: missing' });
    expect(tryDecodeMessage({ from: 'a', to: 'b', term: 1 })).toEqual({ error: 'message: no body' });
    expect(
      'error' in tryDecodeMessage({ from: 'a', to: 'b', term: -1, body: 'timeoutNow', timeoutNow: {} }),
    ).toBe(true);
    const badEntry = {
      from: 'a',
      to: 'b',
      term: 1,
      body: 'append',
      append: {
        prevIndex: 0,
        prevTerm: 0,
        commit: 0,
        entries: [{ term: 1, index: 1, type: 7, data: Buffer.alloc(0) }],
      },
    };
    expect(tryDecodeMessage(badEntry)).toEqual({ error: 'entry.type: unknown' });
  });

  test('an unsafe uint64 (≥ 2^53) is refused', () => {
    const wire = sendMethod.serialize(
      encodeMessage({ type: 'TimeoutNow', from: 'a', to: 'b', term: 2 ** 53 + 2 }),
    );
    expect('error' in tryDecodeMessage(decodeWire(wire))).toBe(true);
  });
});

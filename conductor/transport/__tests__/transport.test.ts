import { EntryType, type AppendRequest, type Message } from '../../raft/types.js';
import { bytes, everyMessage, mesh, normalise, startNode, until, type Node } from './fixtures.js';

const MB = 1_000_000;

function append(from: string, to: string, index: number, data: Uint8Array): AppendRequest {
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

describe('GrpcTransport over loopback', () => {
  let a: Node;
  let b: Node;

  beforeAll(async () => {
    a = await startNode('a');
    b = await startNode('b');
    mesh([a, b]);
    await until(
      () => a.transport.stats()['b']?.connected === true && b.transport.stats()['a']?.connected === true,
    );
  });
  afterAll(async () => {
    await Promise.all([a.transport.close(), b.transport.close()]);
  });

  test('every message type arrives with every field intact', async () => {
    a.transport.snapshotSource = () => Promise.reject(new Error('data is attached'));
    const sent = everyMessage('a', 'b');
    for (const m of sent) a.transport.send(m);
    await until(() => b.inbox.messages.length >= sent.length);
    const key = (m: Message): string => JSON.stringify(normalise(m));
    expect(b.inbox.messages.map(key).sort()).toEqual(sent.map(key).sort());
  });

  test('a 5 MB and a 20 MB entry are delivered intact', async () => {
    for (const [index, size] of [
      [1000, 5 * MB],
      [1001, 20 * MB],
    ] as const) {
      const data = bytes(size, index);
      a.transport.send(append('a', 'b', index, data));
      const got = await b.inbox.next((m) => m.type === 'Append' && m.entries[0]?.index === index);
      const entry = got.type === 'Append' ? got.entries[0] : undefined;
      expect(entry?.data.byteLength).toBe(size);
      expect(Buffer.compare(Buffer.from(entry?.data ?? []), Buffer.from(data))).toBe(0);
    }
  });
});

import { JsonShapeGuard } from '../json-shape.js';

const scan = (text: string, chunk = text.length, limits = { maxDepth: 4, maxValues: 10 }): string | null => {
  const guard = new JsonShapeGuard(limits);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) guard.feed(bytes.subarray(i, i + chunk));
  return guard.excess;
};

describe('JsonShapeGuard', () => {
  it('accepts what is within the limits, at any chunking', () => {
    const ok = '{"a":[1,2,{"b":"c"}],"d":"x"}';
    for (const chunk of [1, 2, 3, 7, ok.length]) expect(scan(ok, chunk)).toBeNull();
  });

  it('refuses depth and value counts past the limits', () => {
    expect(scan('[[[[[1]]]]]')).toBe('JSON nested deeper than 4 levels');
    expect(scan('[[[[1]]]]')).toBeNull();
    expect(scan(`[${Array.from({ length: 11 }, () => 0).join(',')}]`)).toBe('JSON with more than 10 values');
  });

  it('ignores brackets, commas and quotes inside strings, escapes included, across chunk boundaries', () => {
    const tricky = JSON.stringify({ s: '[[[[[[,,,,,,,,,,,,,]]]]]] \\" \\\\" [[[[[[' });
    for (const chunk of [1, 2, 5, tricky.length]) expect(scan(tricky, chunk)).toBeNull();
    expect(scan('"\\\\"[[[[[1]]]]]')).toBe('JSON nested deeper than 4 levels');
  });

  it('passes a 10 MB envelope-shaped body with the default limits in a few milliseconds per MB', () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'conductor_commitUnsafePayload',
      params: [
        { executionPayload: { transactions: Array.from({ length: 5000 }, () => `0x${'ab'.repeat(1000)}`) } },
      ],
    });
    const guard = new JsonShapeGuard();
    guard.feed(Buffer.from(body));
    expect(guard.excess).toBeNull();
  });
});

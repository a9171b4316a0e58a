import fc from 'fast-check';
import { JsonShapeGuard } from './json-shape.js';

/** The guard's rules one byte at a time, the plain way: what the guard's native string skipping must equal. */
function reference(bytes: Uint8Array, limits: { maxDepth: number; maxValues: number }): string | null {
  let depth = 0;
  let values = 1;
  let inString = false;
  let escaped = false;
  for (const c of bytes) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limits.maxDepth) return `JSON nested deeper than ${limits.maxDepth} levels`;
      values++;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && ++values > limits.maxValues)
      return `JSON with more than ${limits.maxValues} values`;
  }
  return null;
}

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

  it('equals the byte-by-byte rules on any bytes at any chunking', () => {
    const alphabet = fc.constantFrom(...'"\\[]{},ab0'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (chars, chunk) => {
        const text = chars.join('');
        const limits = { maxDepth: 6, maxValues: 12 };
        expect(scan(text, chunk, limits)).toBe(reference(Buffer.from(text), limits));
      }),
      { numRuns: 2000 },
    );
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

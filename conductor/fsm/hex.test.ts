import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { formatBytes, parseBytes, parseBytesWithHex } from './hex.js';

const canonicalBytes = (...args: Parameters<typeof parseBytesWithHex>): string =>
  parseBytesWithHex(...args).hex;

describe('hex bytes (hexutil.Bytes rules)', () => {
  it.each([
    ['0x', ''],
    ['0x00ff', '00ff'],
    ['0xABcd', 'abcd'],
  ])('accepts %s', (text, lower) => {
    expect(Buffer.from(parseBytes(text, 'f')).toString('hex')).toBe(lower);
    expect(canonicalBytes(text, 'f')).toBe(`0x${lower}`);
  });

  it.each([
    ['0x0g', 'invalid hex bytes'],
    ['0xg0', 'invalid hex bytes'],
    ['0x00zz00', 'invalid hex bytes'],
    ['0x0011 2', 'invalid hex bytes'],
    ['0x001', 'invalid hex bytes'],
    ['00ff', 'invalid hex bytes'],
    ['0X00', 'invalid hex bytes'],
    [42, 'expected hex string'],
  ])('refuses %s', (value, error) => {
    expect(() => parseBytes(value, 'tx')).toThrow(`tx: ${error}`);
    expect(() => canonicalBytes(value, 'tx')).toThrow(`tx: ${error}`);
  });

  it('checks exact and maximum lengths', () => {
    expect(() => parseBytes('0x0011', 'h', { length: 32 })).toThrow('h: expected 32 bytes, got 2');
    expect(() => canonicalBytes('0x001122', 'x', { maxLength: 2 })).toThrow(
      'x: expected at most 2 bytes, got 3',
    );
  });

  it('finds a bad digit anywhere in a megabyte transaction', () => {
    const hex = randomBytes(1_000_000).toString('hex');
    expect(canonicalBytes(`0x${hex}`, 't')).toBe(`0x${hex}`);
    for (const at of [0, 1, 999_999, 1_999_999])
      expect(() => canonicalBytes(`0x${hex.slice(0, at)}q${hex.slice(at + 1)}`, 't')).toThrow(
        'invalid hex bytes',
      );
  });

  it('canonicalBytes is the bytes → hex round trip of parseBytes, for any case', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.boolean(), { maxLength: 128 }),
        (bytes, upper) => {
          const digits = [...Buffer.from(bytes).toString('hex')]
            .map((c, i) => (upper[i] ? c.toUpperCase() : c))
            .join('');
          const text = `0x${digits}`;
          expect(canonicalBytes(text, 'f')).toBe(formatBytes(parseBytes(text, 'f')));
        },
      ),
    );
  });
});

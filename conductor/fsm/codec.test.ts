import fc from 'fast-check';

import {
  decodeEnvelope,
  decodeEnvelopeAs,
  encodeEnvelope,
  EMPTY_WITHDRAWALS_ROOT,
  EnvelopeError,
  inferVersion,
  parseEnvelope,
  transactionBytes,
  type ExecutionPayload,
  type ExecutionPayloadEnvelope,
  type Hex,
} from './index.js';
import { fakeEnvelope } from './testing/fixtures.js';

/** Left-pad a small hex value to 32 bytes, like go-ethereum common.HexToHash. */
const h32 = (v: string): Hex => `0x${v.replace(/^0x/, '').padStart(64, '0')}`;
const h20 = (v: string): Hex => `0x${v.replace(/^0x/, '').padStart(40, '0')}`;

/** op-service ssz_test.go createPayloadWithWithdrawals, transcribed to JSON. */
function opServiceFixture(
  version: 'v3' | 'v4',
  withdrawals: ExecutionPayload['withdrawals'],
): ExecutionPayloadEnvelope {
  const payload: ExecutionPayload = {
    parentHash: h32('123'),
    feeRecipient: h20('456'),
    stateRoot: h32('789'),
    receiptsRoot: h32('abc'),
    logsBloom: `0x0d0e0f${'00'.repeat(253)}`,
    prevRandao: h32('111'),
    blockNumber: '0xde', // 222
    gasLimit: '0x14d', // 333
    gasUsed: '0x1bc', // 444
    timestamp: '0x22b', // 555
    extraData: '0x6666',
    baseFeePerGas: '0x309', // 777
    blockHash: h32('888'),
    transactions: ['0x9999'],
    withdrawals,
    blobGasUsed: '0x0',
    excessBlobGas: '0x0',
  };
  if (version === 'v4') payload.withdrawalsRoot = h32('123');
  return { parentBeaconBlockRoot: h32('123'), executionPayload: payload };
}

/**
 * Independent construction of the expected bytes straight from the reference §3.6 table, without
 * @chainsafe/ssz: proves the schema (field order, widths, offsets) rather than the library.
 */
function expectedBytes(env: ExecutionPayloadEnvelope, version: 'v3' | 'v4'): Buffer {
  const p = env.executionPayload;
  const b = (hex: string) => Buffer.from(hex.slice(2), 'hex');
  const u64 = (hex: string) => {
    const x = Buffer.alloc(8);
    x.writeBigUInt64LE(BigInt(hex));
    return x;
  };
  const u32 = (n: number) => {
    const x = Buffer.alloc(4);
    x.writeUInt32LE(n);
    return x;
  };
  const u256 = (hex: string) => {
    const x = Buffer.alloc(32);
    let v = BigInt(hex);
    for (let i = 0; i < 32; i++, v >>= 8n) x[i] = Number(v & 0xffn);
    return x;
  };
  const fixed = version === 'v4' ? 560 : 528;
  const extra = b(p.extraData);
  const txs = p.transactions.map(b);
  const txBytes = txs.length * 4 + txs.reduce((n, t) => n + t.length, 0);
  const ws = p.withdrawals ?? [];
  const parts: Buffer[] = [
    b(env.parentBeaconBlockRoot ?? ''),
    b(p.parentHash),
    b(p.feeRecipient),
    b(p.stateRoot),
    b(p.receiptsRoot),
    b(p.logsBloom),
    b(p.prevRandao),
    u64(p.blockNumber),
    u64(p.gasLimit),
    u64(p.gasUsed),
    u64(p.timestamp),
    u32(fixed), // extraDataOffset
    u256(p.baseFeePerGas),
    b(p.blockHash),
    u32(fixed + extra.length), // transactionsOffset
    u32(fixed + extra.length + txBytes), // withdrawalsOffset
    u64(p.blobGasUsed ?? '0x0'),
    u64(p.excessBlobGas ?? '0x0'),
  ];
  if (version === 'v4') parts.push(b(p.withdrawalsRoot ?? ''));
  parts.push(extra);
  let txOffset = txs.length * 4;
  for (const t of txs) {
    parts.push(u32(txOffset));
    txOffset += t.length;
  }
  parts.push(...txs);
  for (const w of ws) parts.push(u64(w.index), u64(w.validatorIndex), b(w.address), u64(w.amount));
  return Buffer.concat(parts);
}

const oneWithdrawal = [
  { index: '0x3db', validatorIndex: '0x28e', address: h20('898'), amount: '0x141' },
] as const;

describe('SSZ envelope layout (reference §3.6)', () => {
  it.each(['v3', 'v4'] as const)('%s matches the table byte for byte', (version) => {
    const env = opServiceFixture(version, [...oneWithdrawal]);
    const bytes = encodeEnvelope(env);
    expect(Buffer.from(bytes).toString('hex')).toBe(expectedBytes(env, version).toString('hex'));
    // 32 root + fixed + 2 extra + (4 + 2) tx + 44 withdrawal
    expect(bytes.length).toBe(32 + (version === 'v4' ? 560 : 528) + 2 + 6 + 44);
  });

  it('has fixed parts of 528 (V3) and 560 (V4) bytes and extraDataOffset equal to them', () => {
    for (const [version, fixed] of [
      ['v3', 528],
      ['v4', 560],
    ] as const) {
      const env = opServiceFixture(version, []);
      env.executionPayload.extraData = '0x';
      env.executionPayload.transactions = [];
      const bytes = encodeEnvelope(env);
      expect(bytes.length).toBe(32 + fixed);
      const view = new DataView(bytes.buffer, bytes.byteOffset + 32);
      expect(view.getUint32(436, true)).toBe(fixed);
      expect(view.getUint32(504, true)).toBe(fixed);
      expect(view.getUint32(508, true)).toBe(fixed);
    }
  });

  it.each(['v3', 'v4'] as const)('%s round-trips and decodes as the same version', (version) => {
    const env = opServiceFixture(version, [...oneWithdrawal]);
    const decoded = decodeEnvelope(encodeEnvelope(env));
    expect(decoded.version).toBe(version);
    expect(decoded.envelope).toEqual(env);
    expect(decoded.blockNumber).toBe(222n);
    expect(decoded.blockHash).toBe(h32('888'));
    expect(decoded.parentHash).toBe(h32('123'));
  });

  it('refuses to decode V4 bytes as V3 with op-service’s text (TestFailsWrongVersionWithWithdrawalRoot)', () => {
    const bytes = encodeEnvelope(opServiceFixture('v4', []));
    expect(() => decodeEnvelopeAs(bytes, 'v3')).toThrow('unexpected extra data offset: 560 <> 528');
  });
});

describe('inferVersion (op-service)', () => {
  const base = opServiceFixture('v3', []).executionPayload;
  it('is V4 with a non-empty withdrawalsRoot', () => {
    expect(inferVersion({ ...base, withdrawalsRoot: h32('1') })).toBe('v4');
  });
  it('is V3 when withdrawalsRoot is the empty-withdrawals root', () => {
    expect(inferVersion({ ...base, withdrawalsRoot: EMPTY_WITHDRAWALS_ROOT })).toBe('v3');
    expect(
      inferVersion({
        ...base,
        withdrawalsRoot: EMPTY_WITHDRAWALS_ROOT.toUpperCase().replace('0X', '0x') as Hex,
      }),
    ).toBe('v3');
  });
  it('is V3 with both blob-gas fields, V2 with only withdrawals, V1 otherwise', () => {
    expect(inferVersion(base)).toBe('v3');
    const { blobGasUsed: _b, ...noBlobGas } = base;
    expect(inferVersion(noBlobGas)).toBe('v2');
    const { withdrawals: _w, ...v1 } = noBlobGas;
    expect(inferVersion(v1)).toBe('v1');
  });
  it('encodes an empty-root payload as V3, which decodes without withdrawalsRoot', () => {
    const env = opServiceFixture('v3', []);
    env.executionPayload.withdrawalsRoot = EMPTY_WITHDRAWALS_ROOT;
    const decoded = decodeEnvelope(encodeEnvelope(env));
    expect(decoded.version).toBe('v3');
    expect(decoded.envelope.executionPayload.withdrawalsRoot).toBeUndefined();
  });
});

describe('encoder errors', () => {
  it('rejects a missing parentBeaconBlockRoot with ErrMissingData’s text', () => {
    const { parentBeaconBlockRoot: _r, ...env } = opServiceFixture('v3', []);
    expect(() => encodeEnvelope(env)).toThrow(
      new EnvelopeError('execution payload envelope is missing data'),
    );
  });
  it('rejects a missing payload with the same text', () => {
    const env = { parentBeaconBlockRoot: h32('1') } as unknown as ExecutionPayloadEnvelope;
    expect(() => encodeEnvelope(env)).toThrow('execution payload envelope is missing data');
  });
  it('validates field sizes of envelopes that did not come through parseEnvelope', () => {
    const env = opServiceFixture('v3', []);
    env.executionPayload.parentHash = `0x${'11'.repeat(31)}`;
    expect(() => encodeEnvelope(env)).toThrow('executionPayload.parentHash: expected 32 bytes, got 31');
  });
  it('rejects V1/V2 payloads, which no conductor FSM can decode', () => {
    const env = opServiceFixture('v3', []);
    delete env.executionPayload.blobGasUsed;
    expect(() => encodeEnvelope(env)).toThrow(/cannot commit a V2 execution payload/);
    delete env.executionPayload.withdrawals;
    expect(() => encodeEnvelope(env)).toThrow(/cannot commit a V1 execution payload/);
  });
  it('rejects a V3 payload without withdrawals instead of panicking like op-service', () => {
    const env = opServiceFixture('v3', []);
    delete env.executionPayload.withdrawals;
    expect(() => encodeEnvelope(env)).toThrow('cannot encode V3 execution payload without withdrawals');
  });
});

describe('decoder limits and op-service error texts', () => {
  const body = (env: ExecutionPayloadEnvelope) => Buffer.from(encodeEnvelope(env));
  const setU32 = (buf: Buffer, payloadOffset: number, value: number) =>
    buf.writeUInt32LE(value, 32 + payloadOffset);

  it('rejects fewer than 32 bytes', () => {
    expect(() => decodeEnvelope(new Uint8Array(5))).toThrow('scope too small to decode execution payload: 5');
  });
  it('rejects a body shorter than the V3 fixed part (reporting the V3 attempt, as raft_fsm.go does)', () => {
    expect(() => decodeEnvelope(new Uint8Array(32 + 100))).toThrow(
      'scope too small to decode execution payload: 100, version is: 2',
    );
  });
  it('rejects extraData longer than 32 bytes', () => {
    const env = opServiceFixture('v3', []);
    env.executionPayload.transactions = [`0x${'ab'.repeat(40)}`];
    const buf = body(env);
    setU32(buf, 504, 528 + 33); // claim 33 bytes of extra data
    setU32(buf, 508, buf.length - 32);
    expect(() => decodeEnvelope(buf)).toThrow('extra-data is too large: 33');
  });
  it('rejects a transactions offset below the extra data offset (TestOPB01)', () => {
    const buf = body(opServiceFixture('v3', []));
    setU32(buf, 504, 0);
    expect(() => decodeEnvelope(buf)).toThrow(
      'transactions offset is smaller than extra data offset, aborting',
    );
  });
  it('rejects a first tx offset that is not a multiple of 4', () => {
    const buf = body(opServiceFixture('v3', []));
    setU32(buf, 528 + 2, 6); // extraData is 2 bytes, then the first tx offset
    expect(() => decodeEnvelope(buf)).toThrow(
      'failed to unmarshal transactions list: invalid first tx offset: 6, not a multiple of offset size',
    );
  });
  it('rejects more than 2^20 transactions', () => {
    const env = opServiceFixture('v3', []);
    env.executionPayload.extraData = '0x';
    env.executionPayload.transactions = [`0x${'00'.repeat(4 * (2 ** 20 + 1))}`];
    const buf = body(env);
    setU32(buf, 528, 4 * (2 ** 20 + 1));
    expect(() => decodeEnvelope(buf)).toThrow(
      'failed to unmarshal transactions list: too many transactions: 1048577 > 1048576',
    );
  });
  it('rejects more than 16 withdrawals', () => {
    const ws = Array.from({ length: 16 }, () => ({ ...oneWithdrawal[0] }));
    const buf = Buffer.concat([body(opServiceFixture('v3', ws)), Buffer.alloc(44)]);
    expect(() => decodeEnvelope(buf)).toThrow(
      'failed to unmarshal withdrawals list: too many withdrawals: 17 > 16',
    );
    // 16 is fine
    expect(
      decodeEnvelope(body(opServiceFixture('v3', ws))).envelope.executionPayload.withdrawals,
    ).toHaveLength(16);
  });
  it('rejects a withdrawals region that is not a multiple of 44 bytes', () => {
    const buf = Buffer.concat([body(opServiceFixture('v3', [])), Buffer.alloc(3)]);
    expect(() => decodeEnvelope(buf)).toThrow(
      'failed to unmarshal withdrawals list: invalid withdrawals data',
    );
  });
});

// --- properties -------------------------------------------------------------------------------------

const hexBytes = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex);
const quantity = (max: bigint) => fc.bigInt({ min: 0n, max }).map((n) => `0x${n.toString(16)}` as Hex);
const u64 = quantity((1n << 64n) - 1n);

const withdrawalArb = fc.record({
  index: u64,
  validatorIndex: u64,
  address: hexBytes(20, 20),
  amount: u64,
});

export const envelopeArb: fc.Arbitrary<ExecutionPayloadEnvelope> = fc
  .record({
    parentBeaconBlockRoot: hexBytes(32, 32),
    parentHash: hexBytes(32, 32),
    feeRecipient: hexBytes(20, 20),
    stateRoot: hexBytes(32, 32),
    receiptsRoot: hexBytes(32, 32),
    logsBloom: hexBytes(256, 256),
    prevRandao: hexBytes(32, 32),
    blockNumber: u64,
    gasLimit: u64,
    gasUsed: u64,
    timestamp: u64,
    extraData: hexBytes(0, 32),
    baseFeePerGas: quantity((1n << 256n) - 1n),
    blockHash: hexBytes(32, 32),
    transactions: fc.array(hexBytes(0, 64), { maxLength: 8 }),
    withdrawals: fc.array(withdrawalArb, { maxLength: 16 }),
    blobGasUsed: u64,
    excessBlobGas: u64,
    withdrawalsRoot: fc.option(hexBytes(32, 32), { nil: undefined }),
  })
  .map(({ parentBeaconBlockRoot, withdrawalsRoot, ...payload }) => {
    const executionPayload: ExecutionPayload = { ...payload };
    if (withdrawalsRoot !== undefined && withdrawalsRoot !== EMPTY_WITHDRAWALS_ROOT) {
      executionPayload.withdrawalsRoot = withdrawalsRoot;
    }
    return { parentBeaconBlockRoot, executionPayload };
  });

describe('properties', () => {
  it('encode → decode is the identity on canonical envelopes (and JSON parsing is too)', () => {
    fc.assert(
      fc.property(envelopeArb, (env) => {
        const decoded = decodeEnvelope(encodeEnvelope(env));
        expect(decoded.envelope).toEqual(env);
        expect(decoded.version).toBe(env.executionPayload.withdrawalsRoot === undefined ? 'v3' : 'v4');
        expect(parseEnvelope(JSON.parse(JSON.stringify(env)))).toEqual(env);
      }),
      { numRuns: 200 },
    );
  });

  it('truncation is rejected with an EnvelopeError, except cutting whole trailing withdrawals', () => {
    // SSZ's last list runs to the end of the buffer, so dropping exactly k × 44 trailing bytes is a valid
    // encoding of the same block with k fewer withdrawals (op-service decodes it too). That is the only
    // truncation that can decode; the storage layer's CRC and the snapshot checksum guard against it.
    fc.assert(
      fc.property(envelopeArb, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (env, cuts) => {
        const bytes = encodeEnvelope(env);
        const withdrawals = env.executionPayload.withdrawals?.length ?? 0;
        for (const cut of cuts) {
          const removed = (cut % bytes.length) + 1;
          const truncated = bytes.subarray(0, bytes.length - removed);
          const wholeWithdrawals = removed % 44 === 0 && removed / 44 <= withdrawals;
          if (!wholeWithdrawals) {
            expect(() => decodeEnvelope(truncated)).toThrow(EnvelopeError);
          } else {
            const decoded = decodeEnvelope(truncated);
            expect(decoded.envelope.executionPayload.withdrawals).toHaveLength(withdrawals - removed / 44);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('every truncation of an entry without withdrawals is rejected', () => {
    const env = opServiceFixture('v4', []);
    const bytes = encodeEnvelope(env);
    for (let len = 0; len < bytes.length; len++) {
      expect(() => decodeEnvelope(bytes.subarray(0, len))).toThrow(EnvelopeError);
    }
  });

  it('corrupted or random bytes either decode or fail with an EnvelopeError, never anything else', () => {
    const mutated = fc
      .tuple(
        envelopeArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      )
      .map(([env, edits]) => {
        const bytes = encodeEnvelope(env);
        for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
        return bytes;
      });
    const check = (bytes: Uint8Array) => {
      try {
        const decoded = decodeEnvelope(bytes);
        // Anything that decodes re-encodes to a decodable entry with the same identity.
        expect(decodeEnvelope(encodeEnvelope(decoded.envelope)).blockHash).toBe(decoded.blockHash);
      } catch (err) {
        expect(err).toBeInstanceOf(EnvelopeError);
      }
    };
    fc.assert(fc.property(mutated, check), { numRuns: 300 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 800 }), check), { numRuns: 300 });
  });
});

describe('transactions decoded once per parse', () => {
  const tx = (fill: string, bytes: number): `0x${string}` => `0x${fill.repeat(bytes)}`;

  it('serves the bytes parseEnvelope decoded, and re-parsing a parsed envelope keeps them', () => {
    const raw = fakeEnvelope({ number: 7n });
    raw.executionPayload.transactions = [tx('AB', 1000), tx('cd', 3)];
    const parsed = parseEnvelope(raw);
    expect(parsed.executionPayload.transactions).toEqual([tx('ab', 1000), tx('cd', 3)]);
    const bytes = transactionBytes(parsed.executionPayload);
    expect(bytes.map((b) => Buffer.from(b).toString('hex'))).toEqual(['ab'.repeat(1000), 'cd'.repeat(3)]);
    const again = parseEnvelope(parsed);
    expect(again.executionPayload.transactions).toBe(parsed.executionPayload.transactions);
    expect(transactionBytes(again.executionPayload)).toBe(bytes);
    // The log entry built from the cached bytes is the one built from scratch.
    expect(encodeEnvelope(parsed)).toEqual(encodeEnvelope(JSON.parse(JSON.stringify(parsed))));
  });

  it('a transaction replaced after parsing is decoded afresh, never served stale', () => {
    const parsed = parseEnvelope(fakeEnvelope({ number: 7n }));
    const before = transactionBytes(parsed.executionPayload);
    parsed.executionPayload.transactions[0] = tx('ee', 5);
    expect(Buffer.from(transactionBytes(parsed.executionPayload)[0]!).toString('hex')).toBe('ee'.repeat(5));
    expect(transactionBytes(parsed.executionPayload)).not.toBe(before);
    expect(() =>
      parseEnvelope({ ...parsed, executionPayload: { ...parsed.executionPayload, transactions: ['0xzz'] } }),
    ).toThrow('executionPayload.transactions[0]: invalid hex bytes');
  });
});

import { describe, expect, it } from '@jest/globals';
import { sameRaftAddress, splitHostPort } from './raft-address.js';

describe('sameRaftAddress', () => {
  it('matches a name and the address it resolves to, with the real resolver', async () => {
    expect(await sameRaftAddress('localhost:50050', '127.0.0.1:50050')).toBe(true);
    expect(await sameRaftAddress('LOCALHOST:50050', 'localhost:50050')).toBe(true);
  });

  it('refuses a different port, a different host, and an address without a port', async () => {
    expect(await sameRaftAddress('localhost:50050', '127.0.0.1:50051')).toBe(false);
    expect(await sameRaftAddress('10.0.0.1:50050', '10.0.0.2:50050')).toBe(false);
    expect(await sameRaftAddress('127.0.0.1', '127.0.0.1:50050')).toBe(false);
  });

  it('treats a host that does not resolve as matching only itself', async () => {
    const resolve = async (host: string): Promise<string[]> => {
      if (host === 'seq-1.seq.chains.svc') return ['10.1.2.3'];
      throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    };
    expect(await sameRaftAddress('seq-1.seq.chains.svc:50050', '10.1.2.3:50050', resolve)).toBe(true);
    expect(await sameRaftAddress('nowhere.invalid:50050', '10.1.2.3:50050', resolve)).toBe(false);
  });

  it('splits IPv6 literals', () => {
    expect(splitHostPort('[::1]:50050')).toEqual({ host: '::1', port: '50050' });
    expect(splitHostPort('::1')).toBeNull();
  });
});

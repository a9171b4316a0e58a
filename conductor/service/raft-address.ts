/**
 * Whether two Raft addresses name the same server. op-conductor-ops and operators pass what they know —
 * `localhost:50050`, a pod's DNS name, an IP — while the configuration holds what the server joined with, so a
 * string comparison would refuse a correct `conductor_transferLeaderToServer`. Same port, and the hosts resolve
 * to at least one common IP address. A host that does not resolve matches only itself, by name.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type Resolve = (host: string) => Promise<readonly string[]>;

const resolveAll: Resolve = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** `host:port` or `[v6]:port` → parts; null when there is no port. */
export function splitHostPort(address: string): { host: string; port: string } | null {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  return match ? { host: match[1]!.toLowerCase(), port: match[2]! } : null;
}

export async function sameRaftAddress(a: string, b: string, resolve: Resolve = resolveAll): Promise<boolean> {
  if (a === b) return true;
  const left = splitHostPort(a);
  const right = splitHostPort(b);
  if (!left || !right || left.port !== right.port) return false;
  if (left.host === right.host) return true;
  // An IP literal is its own address; only names go to the resolver.
  const addressesOf = (host: string): Promise<readonly string[]> =>
    isIP(host) ? Promise.resolve([host]) : resolve(host).catch(() => []);
  const [ips, others] = await Promise.all([addressesOf(left.host), addressesOf(right.host)]);
  return ips.some((ip) => others.includes(ip));
}

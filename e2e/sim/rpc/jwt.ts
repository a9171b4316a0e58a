/**
 * Engine-API authentication: HS256 JWTs over a shared 32-byte secret, with an `iat` claim that must
 * be within 60 s of the server's clock (execution-apis authentication.md). The secret file holds
 * the hex secret, as `--authrpc.jwtsecret` / `--l2.jwt-secret` expect.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function parseJwtSecret(hex: string): Buffer {
  const clean = hex.trim().replace(/^0x/, '');
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new Error('invalid JWT secret: expected 32 bytes of hex');
  return Buffer.from(clean, 'hex');
}

export function readJwtSecretFile(path: string): Buffer {
  return parseJwtSecret(readFileSync(path, 'utf8'));
}

export function signJwt(secret: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ iat: nowSeconds }));
  const sig = createHmac('sha256', secret).update(`${head}.${claims}`).digest();
  return `${head}.${claims}.${b64url(sig)}`;
}

/** Returns undefined when the request carries a valid token, else geth-like refusal text. */
export function verifyJwtRequest(secret: Buffer, req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Bearer ')) return 'missing token';
  const [head, claims, sig] = auth.slice(7).split('.');
  if (head === undefined || claims === undefined || sig === undefined) return 'invalid token';
  const expected = createHmac('sha256', secret).update(`${head}.${claims}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature is invalid';
  try {
    const { iat } = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { iat?: unknown };
    if (typeof iat !== 'number') return 'missing issued-at';
    if (Math.abs(Date.now() / 1000 - iat) > 60) return 'stale token';
  } catch {
    return 'invalid token';
  }
  return undefined;
}

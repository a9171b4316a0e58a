/**
 * Mutual TLS for the Raft transport. The server requires and verifies a client certificate signed by
 * the configured CA; clients verify the server the same way. Peer addresses must match a SAN of the
 * peer's certificate (host name or IP), as with any TLS client.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { TlsFiles } from './options.js';

interface Material {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function load(files: TlsFiles): Material {
  return {
    ca: readFileSync(files.caFile),
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
  };
}

export function serverCredentials(files: TlsFiles | undefined): grpc.ServerCredentials {
  if (files === undefined) return grpc.ServerCredentials.createInsecure();
  const m = load(files);
  return grpc.ServerCredentials.createSsl(m.ca, [{ cert_chain: m.cert, private_key: m.key }], true);
}

export function channelCredentials(files: TlsFiles | undefined): grpc.ChannelCredentials {
  if (files === undefined) return grpc.credentials.createInsecure();
  const m = load(files);
  return grpc.credentials.createSsl(m.ca, m.key, m.cert);
}

/** Raft over gRPC between conductors: see transport.ts (API), peer.ts (paths and flow control). */
export { GrpcTransport } from './transport.js';
export type { Logger, TlsFiles, TransportOptions } from './options.js';
export type { PeerStats } from './peer.js';

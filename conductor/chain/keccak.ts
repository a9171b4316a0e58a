/**
 * keccak256 over bytes, in WebAssembly (hash-wasm). The pure-JS keccak viem uses runs at ~11 MB/s on this
 * project's machine: verifying a 5 MB block's transactions root took ~450 ms of the event loop that also
 * drives Raft. The WebAssembly build hashes the same 5 MB in ~15 ms. One hasher, reused: JavaScript runs
 * one call at a time, and init() resets it.
 */
import { createKeccak } from 'hash-wasm';

const hasher = await createKeccak(256);

export function keccak256Bytes(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest('binary');
}

/**
 * The receiving side: gRPC handlers for Control and Send (control), Replicate (bulk, dialled by peers) and
 * InstallSnapshot (chunk reassembly). Handlers never throw: anything malformed is logged and dropped
 * (or the call is ended with an error status) so a bad peer cannot crash this process.
 */
import * as grpc from '@grpc/grpc-js';
import type { Message, NodeId } from '../raft/types.js';
import { BulkLink } from './bulk-link.js';
import { tryDecodeMessage, type WireBulkFrame, type WireSnapshotChunk } from './codec.js';
import { MiB, type ResolvedOptions } from './options.js';
import type { RaftServiceHandlers } from './service.js';

export interface ServerHost {
  readonly options: ResolvedOptions;
  deliverWire(wire: unknown, via: string): void;
  deliverMessage(message: Message, via: string): void;
  inboundOpened(peer: NodeId, link: BulkLink, end: () => void): void;
  inboundClosed(peer: NodeId, link: BulkLink): void;
  /** This member's status report, served to peers that ask (see proto Status). */
  statusReport(): Promise<Uint8Array>;
}

/** Appends this node writes on a peer's stream, not yet flushed (see BulkLink). */
const INBOUND_INFLIGHT_BYTES = 8 * MiB;

export function createRaftHandlers(host: ServerHost): RaftServiceHandlers {
  const log = host.options.logger;

  /** Every message is acknowledged in order: the sender's deadline and liveness check (peer.ts). */
  const control: RaftServiceHandlers['control'] = (call) => {
    call.on('data', (wire: unknown) => {
      host.deliverWire(wire, 'control');
      call.write({});
    });
    // The sender went away or cancelled the stream (a deadline, a reconnect): nothing to clean up.
    call.on('error', () => {});
    call.on('end', () => {
      try {
        call.end();
      } catch {
        /* already torn down */
      }
    });
  };

  const send: RaftServiceHandlers['send'] = (call, callback) => {
    host.deliverWire(call.request, 'control');
    callback(null, {});
  };

  const replicate: RaftServiceHandlers['replicate'] = (call) => {
    let link: BulkLink | null = null;
    let peer: NodeId | null = null;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      try {
        call.end();
      } catch {
        /* already torn down */
      }
    };
    const closed = (): void => {
      if (link === null || link.isClosed || peer === null) return;
      link.close();
      host.inboundClosed(peer, link);
    };
    call.on('data', (frame: WireBulkFrame) => {
      if (link === null) {
        const hello = frame.frame === 'hello' ? frame.hello : null;
        if (hello === null || hello === undefined || hello.from === '') {
          log.warn({ peer: call.getPeer() }, 'bulk stream without hello; closing');
          end();
          return;
        }
        if (hello.to !== host.options.id) {
          log.warn({ peer: hello.from, dialled: hello.to }, 'bulk stream meant for another member; closing');
          end();
          return;
        }
        peer = hello.from;
        call.write({ hello: { from: host.options.id, to: peer } });
        link = new BulkLink(
          peer,
          'inbound',
          call,
          INBOUND_INFLIGHT_BYTES,
          host.options.stallTimeoutMs,
          (l) => {
            log.warn({ peer: l.peer }, 'inbound bulk stream stalled; closing');
            closed();
            end();
          },
        );
        host.inboundOpened(peer, link, end);
        return;
      }
      if (frame.frame === 'message') host.deliverWire(frame.message, `bulk-in:${peer ?? ''}`);
    });
    call.on('end', () => {
      closed();
      end();
    });
    call.on('cancelled', closed);
    call.on('close', closed);
    call.on('error', (error: Error) => {
      log.debug({ peer, err: error.message }, 'inbound bulk stream error');
      closed();
    });
  };

  const installSnapshot: RaftServiceHandlers['installSnapshot'] = (call, callback) => {
    let header: Message | null = null;
    let buffer: Buffer | null = null;
    let offset = 0;
    let failed = false;
    const fail = (reason: string): void => {
      if (failed) return;
      failed = true;
      buffer = null;
      log.warn({ peer: call.getPeer(), reason }, 'snapshot refused');
      callback({ code: grpc.status.INVALID_ARGUMENT, details: reason });
    };
    call.on('data', (chunk: WireSnapshotChunk) => {
      if (failed) return;
      if (chunk.part === 'header') {
        if (header !== null || chunk.header === null || chunk.header === undefined)
          return fail('unexpected header');
        const decoded = tryDecodeMessage(chunk.header.message);
        if ('error' in decoded) return fail(decoded.error);
        if (decoded.message.type !== 'Snapshot') return fail('header is not a Snapshot message');
        const total = chunk.header.totalBytes;
        if (!Number.isSafeInteger(total) || total < 0 || total > 2 ** 31) return fail(`bad size ${total}`);
        header = decoded.message;
        buffer = Buffer.allocUnsafe(total);
        return;
      }
      const data = chunk.data;
      if (header === null || buffer === null || data === null || data === undefined)
        return fail('chunk before header');
      if (offset + data.byteLength > buffer.byteLength) return fail('more bytes than announced');
      buffer.set(data, offset);
      offset += data.byteLength;
    });
    call.on('error', (error: Error) => {
      failed = true;
      log.debug({ err: error.message }, 'snapshot upload aborted');
    });
    call.on('end', () => {
      if (failed) return;
      if (header === null || header.type !== 'Snapshot' || buffer === null) return fail('no header');
      if (offset !== buffer.byteLength) return fail(`received ${offset} of ${buffer.byteLength} bytes`);
      host.deliverMessage({ ...header, snapshot: { meta: header.snapshot.meta, data: buffer } }, 'snapshot');
      callback(null, { ok: true, error: '' });
    });
  };

  const status: RaftServiceHandlers['status'] = (_call, callback) => {
    host.statusReport().then(
      (report) =>
        callback(null, { report: Buffer.from(report.buffer, report.byteOffset, report.byteLength) }),
      (error: unknown) =>
        callback({ code: 13, details: error instanceof Error ? error.message : String(error) }),
    );
  };

  return { control, send, replicate, installSnapshot, status };
}

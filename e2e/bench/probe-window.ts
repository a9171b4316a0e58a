/**
 * Flow-control probe: how long does one large gRPC message take client→server versus server→client
 * with @grpc/grpc-js on loopback? Run with `npx tsx e2e/bench/probe-window.ts [MB]`.
 *
 * Why this exists: a grpc-js *server* never applies `grpc-node.flow_control_window` (grpc-node PR
 * #3058), so its HTTP/2 receive window stays at Node's 65,535 B and every upload is paced by
 * WINDOW_UPDATE round trips; a grpc-js *client* can raise its own receive window. The transport's
 * choice of which side of the bulk stream carries appends (see peer.ts) rests on these numbers.
 * Raw Buffers are used (no protobuf) so only HTTP/2 transfer is measured.
 */
import * as grpc from '@grpc/grpc-js';
import * as net from 'node:net';

const MB = Number(process.argv[2] ?? '5');
/** One-way delay added by an in-process TCP relay, to emulate a real network's RTT (2 × delay). */
const DELAY_MS = Number(process.argv[3] ?? '0');
const SIZE = Math.round(MB * 1_000_000);
const ROUNDS = 7;
const passthrough = {
  serialize: (b: Buffer): Buffer => b,
  deserialize: (b: Buffer): Buffer => b,
};
const definition: grpc.ServiceDefinition = {
  Bidi: {
    path: '/probe.Probe/Bidi',
    requestStream: true,
    responseStream: true,
    requestSerialize: passthrough.serialize,
    requestDeserialize: passthrough.deserialize,
    responseSerialize: passthrough.serialize,
    responseDeserialize: passthrough.deserialize,
  },
};

interface Result {
  direction: string;
  clientWindow: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** A TCP relay that delivers every chunk `delayMs` late in each direction (order preserved). */
async function delayingRelay(port: number, delayMs: number): Promise<number> {
  const pipe = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
    from.on('close', () => setTimeout(() => to.destroy(), delayMs));
    from.on('error', () => {});
  };
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(port, '127.0.0.1');
    pipe(inbound, outbound);
    pipe(outbound, inbound);
  });
  relay.unref();
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return (relay.address() as net.AddressInfo).port;
}

async function measure(clientWindow: number | undefined): Promise<Result[]> {
  const limits = { 'grpc.max_receive_message_length': 128 << 20, 'grpc.max_send_message_length': 128 << 20 };
  const server = new grpc.Server(limits);
  let serverCall: grpc.ServerDuplexStream<Buffer, Buffer> | undefined;
  let onServerData: (b: Buffer) => void = () => {};
  server.addService(definition, {
    Bidi: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      serverCall = call;
      call.on('data', (b: Buffer) => onServerData(b));
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const target = DELAY_MS > 0 ? await delayingRelay(port, DELAY_MS) : port;
  const Client = grpc.makeGenericClientConstructor(definition, 'Probe');
  const channelOptions: grpc.ChannelOptions = { ...limits };
  if (clientWindow !== undefined) channelOptions['grpc-node.flow_control_window'] = clientWindow;
  const client = new Client(`127.0.0.1:${target}`, grpc.credentials.createInsecure(), channelOptions);
  const call = client.makeBidiStreamRequest(
    '/probe.Probe/Bidi',
    passthrough.serialize,
    passthrough.deserialize,
  ) as grpc.ClientDuplexStream<Buffer, Buffer>;
  let onClientData: (b: Buffer) => void = () => {};
  call.on('data', (b: Buffer) => onClientData(b));
  call.on('error', () => {});
  // Warm up the connection and learn the server-side call.
  const warm = new Promise<void>((r) => (onServerData = () => r()));
  call.write(Buffer.alloc(1));
  await warm;

  const payload = Buffer.alloc(SIZE, 7);
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const got = new Promise<void>((r) => (onServerData = () => r()));
    const t0 = performance.now();
    call.write(payload);
    await got;
    up.push(performance.now() - t0);
    const back = new Promise<void>((r) => (onClientData = () => r()));
    const t1 = performance.now();
    serverCall?.write(payload);
    await back;
    down.push(performance.now() - t1);
  }
  call.cancel();
  client.close();
  server.forceShutdown();
  const stat = (xs: number[]): Pick<Result, 'medianMs' | 'minMs' | 'maxMs'> => {
    const s = [...xs].sort((a, b) => a - b);
    const r = (x: number | undefined): number => Math.round((x ?? 0) * 10) / 10;
    return { medianMs: r(s[Math.floor(s.length / 2)]), minMs: r(s[0]), maxMs: r(s[s.length - 1]) };
  };
  const label = clientWindow === undefined ? 'default (65535)' : String(clientWindow);
  return [
    { direction: 'client→server', clientWindow: label, ...stat(up) },
    { direction: 'server→client', clientWindow: label, ...stat(down) },
  ];
}

const results = [...(await measure(undefined)), ...(await measure(64 << 20))];
console.log(
  JSON.stringify(
    { grpcJs: '1.14.7', messageBytes: SIZE, addedRttMs: 2 * DELAY_MS, rounds: ROUNDS, results },
    null,
    2,
  ),
);

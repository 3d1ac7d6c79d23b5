/**
 * A TCP proxy the tests control, for fault injection against the real
 * servers (as ioredis tests do with a misbehaving server): `cut()` drops
 * every connection and refuses new ones, `blackhole()` accepts but forwards
 * nothing, `stall()` holds every byte (a hung server or network) and
 * delivers them in order on `restore()`, `slow(ms)` delays each chunk.
 */
import { type Server, type Socket, createConnection, createServer } from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'blackhole' | 'stall' | 'slow';

export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** `host:port` of the proxy. */
  readonly address: string;
  /** Bytes forwarded in either direction since the proxy started: a round-trip counter for tests. */
  readonly bytesForwarded: number;
  cut(): void;
  blackhole(): void;
  /** Holds every byte in both directions, connections open; `restore()` delivers them, in order. */
  stall(): void;
  slow(delayMs: number): void;
  restore(): void;
  close(): Promise<void>;
}

export async function createTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  let mode: ProxyMode = 'pass';
  let delayMs = 0;
  let bytesForwarded = 0;
  const pairs = new Set<{ client: Socket; upstream?: Socket }>();
  const held: Array<{ to: Socket; chunk: Buffer }> = [];

  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole' || mode === 'cut') return;
      if (mode === 'stall') {
        held.push({ to, chunk });
        return;
      }
      bytesForwarded += chunk.length;
      if (mode === 'slow') setTimeout(() => to.writable && to.write(chunk), delayMs);
      else if (to.writable) to.write(chunk);
    });
  };

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const pair: { client: Socket; upstream?: Socket } = { client };
    pairs.add(pair);
    const upstream = createConnection({ host, port: target.port });
    pair.upstream = upstream;
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    forward(client, upstream);
    forward(upstream, client);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const dropAll = () => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    get mode() {
      return mode;
    },
    address: `127.0.0.1:${port}`,
    get bytesForwarded() {
      return bytesForwarded;
    },
    cut() {
      mode = 'cut';
      dropAll();
    },
    blackhole() {
      mode = 'blackhole';
    },
    stall() {
      mode = 'stall';
    },
    slow(ms) {
      mode = 'slow';
      delayMs = ms;
    },
    restore() {
      // Connections that lived through a blackhole hold half-sent requests: drop them.
      if (mode === 'blackhole') dropAll();
      mode = 'pass';
      for (const { to, chunk } of held.splice(0)) {
        bytesForwarded += chunk.length;
        if (to.writable) to.write(chunk);
      }
    },
    async close() {
      mode = 'cut';
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same URL pointed at the proxy. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

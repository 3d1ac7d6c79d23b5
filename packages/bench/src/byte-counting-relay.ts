/**
 * A local TCP relay in front of Redis that counts the bytes Redis sends through it: put in front of one
 * instance's connections (its command connection and the subscriber it duplicates), it measures what that
 * instance reads. Redis 7.0's CLIENT LIST has no per-connection byte totals, and the server's
 * `total_net_output_bytes` counts every user of a shared server.
 */
import { type Socket, createConnection, createServer } from 'node:net';

export interface ByteCountingRelay {
  /** redis:// URL of the relay. */
  url: string;
  /** Bytes from Redis to the instance so far. */
  bytesIn(): number;
  close(): Promise<void>;
}

export async function createByteCountingRelay(redisUrl: string): Promise<ByteCountingRelay> {
  const target = new URL(redisUrl);
  let bytesIn = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) });
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      bytesIn += chunk.length;
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = new URL(redisUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    bytesIn: () => bytesIn,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

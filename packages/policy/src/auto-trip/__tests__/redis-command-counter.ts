/**
 * A TCP relay in front of the real Redis that counts the commands its clients send (RESP arrays on the
 * way up). The Redis server is shared with other test files and other people, so its global
 * `INFO commandstats` cannot say which commands a flush sent; this counts exactly one connection's.
 */
import { type Server, type Socket, createConnection, createServer } from 'node:net';

export interface RedisCommandCounter {
  readonly port: number;
  /** Commands seen so far, by upper-cased name, in order. */
  readonly commands: string[];
  close(): Promise<void>;
}

/**
 * Parses client requests incrementally: `*<n>\r\n` then n bulk strings `$<len>\r\n<bytes>\r\n`.
 * Clients (ioredis) always send arrays, never inline commands.
 */
function requestParser(onCommand: (name: string) => void): (chunk: Buffer) => void {
  let buffer: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      let at = 0;
      const line = (): string | undefined => {
        const end = buffer.indexOf('\r\n', at);
        if (end < 0) return undefined;
        const text = buffer.toString('latin1', at, end);
        at = end + 2;
        return text;
      };
      const header = line();
      if (header === undefined) return;
      if (!header.startsWith('*')) throw new Error(`unexpected request from the client: ${header}`);
      const count = Number(header.slice(1));
      let name: string | undefined;
      for (let i = 0; i < count; i++) {
        const size = line();
        if (size === undefined) return;
        const length = Number(size.slice(1));
        if (buffer.length < at + length + 2) return;
        if (i === 0) name = buffer.toString('latin1', at, at + length).toUpperCase();
        at += length + 2;
      }
      buffer = buffer.subarray(at);
      onCommand(name ?? '');
    }
  };
}

export async function createRedisCommandCounter(target: { host: string; port: number }): Promise<RedisCommandCounter> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(client);
    sockets.add(upstream);
    const parse = requestParser((name) => commands.push(name));
    client.on('data', (chunk: Buffer) => {
      parse(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    commands,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

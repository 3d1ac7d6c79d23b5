/**
 * Change notices over Redis pub/sub. Messages can be lost (reconnects,
 * slow subscribers), so this only speeds propagation up: readers also poll.
 */
import type { Redis } from 'ioredis';
import type { ChangeBus } from '../../ports';
import { assertConnected } from './redis-state-cache';

export interface RedisChangeBusOptions {
  /** Channel namespace. @default 'rtv:ks:' */
  keyPrefix?: string;
  /** Whether `subscribe` really listens; off, the instance relies on polling alone. @default true */
  subscribe?: boolean;
}

export function createRedisChangeBus(redis: Redis, options: RedisChangeBusOptions = {}): ChangeBus {
  const channel = `${options.keyPrefix ?? 'rtv:ks:'}changes`;
  return {
    async publish(version) {
      assertConnected(redis);
      await redis.publish(channel, String(version));
    },
    async subscribe(onVersion) {
      if (options.subscribe === false) return async () => {};
      // A subscribed connection can run no other command: use a connection of its own.
      const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      subscriber.on('error', () => {
        // Reconnects are ioredis' job; the poll covers the gap.
      });
      subscriber.on('message', (received: string, message: string) => {
        if (received !== channel) return;
        const version = Number(message);
        if (Number.isFinite(version)) onVersion(version);
      });
      await subscriber.subscribe(channel);
      return async () => {
        subscriber.disconnect();
      };
    },
  };
}

/**
 * Change notices over Redis pub/sub, as JSON (see sync/change-notice.ts).
 * Messages can be lost (reconnects, slow subscribers), so this only speeds
 * propagation up: readers also poll.
 */
import type { Redis } from 'ioredis';
import type { ChangeBus } from '../../ports';
import { decodeNotice, encodeNotice } from '../../sync/change-notice';
import { DEFAULT_KEY_PREFIX } from './key-prefix';
import { assertConnected } from './redis-state-cache';

export interface RedisChangeBusOptions {
  /** Channel namespace. @default 'rtv:ks:' */
  keyPrefix?: string;
  /** Whether `subscribe` really listens; off, the instance relies on polling alone. @default true */
  subscribe?: boolean;
}

export function createRedisChangeBus(redis: Redis, options: RedisChangeBusOptions = {}): ChangeBus {
  const channel = `${options.keyPrefix ?? DEFAULT_KEY_PREFIX}changes`;
  return {
    async publish(notice) {
      assertConnected(redis);
      await redis.publish(channel, encodeNotice(notice));
    },
    subscribe(onNotice) {
      if (options.subscribe === false) return { ready: Promise.resolve(), close: async () => {} };
      // A subscribed connection can run no other command: use a connection of its own. It is
      // made before any I/O, so close() can end it even while Redis has never answered.
      const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      subscriber.on('error', () => {
        // Reconnects are ioredis' job; the poll covers the gap.
      });
      let closed = false;
      subscriber.on('message', (received: string, message: string) => {
        // A message already on the wire when close() ran is not delivered.
        if (closed || received !== channel) return;
        const notice = decodeNotice(message);
        if (notice) onNotice(notice);
      });
      const ready = subscriber.subscribe(channel).then(() => undefined);
      // A subscribe that fails after close() has nobody to tell.
      ready.catch(() => {});
      return {
        ready,
        async close() {
          closed = true;
          subscriber.disconnect();
        },
      };
    },
  };
}

/**
 * One subscriber of the raw pub/sub floor: a bare ioredis subscriber that reports the instant each
 * message arrives (`performance.timeOrigin + performance.now()`, comparable across processes).
 * Idle between messages, or (`paced`) waking every millisecond as a propagation reader does.
 */
import { Redis } from 'ioredis';

export type FloorChildMessage = { type: 'ready' } | { type: 'received'; trial: number; at: number };

const [redisUrl, channel, pacing] = process.argv.slice(2) as [string, string, 'idle' | 'paced' | undefined];
const send = (message: FloorChildMessage) => process.send?.(message);
const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
subscriber.on('message', (_channel: string, message: string) => {
  const at = performance.timeOrigin + performance.now();
  send({ type: 'received', trial: Number(message), at });
});
process.on('message', (message: { type: 'stop' }) => {
  if (message.type === 'stop') {
    subscriber.disconnect();
    process.exit(0);
  }
});
await subscriber.subscribe(channel);
// `paced`: awake every millisecond like a propagation reader checking, doing next to nothing.
let ticks = 0;
const tick = () => {
  ticks++;
  setTimeout(tick, 1);
};
if (pacing === 'paced') setTimeout(tick, 1);
send({ type: 'ready' });

/** Reads one fleet window hash as the tests' readers want it: each bucket's six doubles decoded, `x` as text. */
import type { Redis } from 'ioredis';

export async function readWindowHash(redis: Redis, key: string): Promise<Record<string, number[] | string>> {
  const raw = await redis.hgetallBuffer(key);
  const out: Record<string, number[] | string> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'x') out[field] = value.toString();
    else out[field] = Array.from({ length: value.length / 8 }, (_, i) => value.readDoubleLE(i * 8));
  }
  return out;
}

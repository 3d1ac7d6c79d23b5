/**
 * How a `throttle` picks what passes. With a key: a hash of (switch id, key) in [0, 1), compared
 * to the fraction, so one post or order is consistently in or out on every instance and raising
 * the fraction only ever lets more keys in. Without a key: a local token bucket refilled by the
 * fraction on every matching action. Neither allocates.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over a string's UTF-16 code units, continuing from `hash`. */
export function fnv1a(text: string, hash = FNV_OFFSET): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The hash state after a switch's id and a separator: computed once per switch at index time. */
export const keySeed = (switchId: string): number => fnv1a('\u0000', fnv1a(switchId));

/** murmur3's finaliser: FNV's low bits are poor on similar keys (`post_1`, `post_2`). */
function mix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Where `key` falls in [0, 1) for the switch whose seed this is. */
export const keyShare = (seed: number, key: string): number => mix(fnv1a(key, seed)) / 4294967296;

/**
 * A token bucket refilled by `fraction` on each request it sees and emptied by one per request
 * it lets through, capped at one request's worth of burst: exactly `fraction` of a steady stream
 * passes, spread out rather than in runs. Local to this instance (and to the switch's index entry,
 * which a patch keeps while the switch is unchanged).
 */
export class FractionBucket {
  private tokens = 0;

  take(fraction: number): boolean {
    this.tokens = Math.min(this.tokens + fraction, 1 + fraction);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

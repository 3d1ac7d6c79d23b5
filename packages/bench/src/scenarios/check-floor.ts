/**
 * The machine's floor for a check on the same data: the same switches in eight nested Maps (one per
 * priority level, keyed like the levels' coordinates), asked in priority order with an early exit. What
 * any in-process index must do at least; `isTripped` and `check` are judged as fractions of it.
 */
import type { CheckContext } from '@rtv/policy';
import type { SwitchTarget } from '../peers/switch-flags';

export interface FloorAnswer {
  readonly tripped: boolean;
  readonly level: number;
}

type Nested = Map<string, Nested | FloorAnswer>;

const NOT_TRIPPED: FloorAnswer = Object.freeze({ tripped: false, level: 0 });

/** Returns the floor's synchronous check; answers are preallocated (no allocation per call). */
export function createCheckFloor(targets: SwitchTarget[]): (ctx: CheckContext) => FloorAnswer {
  const levels: Nested[] = Array.from({ length: 9 }, () => new Map());
  const put = (level: number, path: string[]) => {
    let map = levels[level] as Nested;
    for (const key of path.slice(0, -1)) {
      let inner = map.get(key) as Nested | undefined;
      if (inner === undefined) {
        inner = new Map();
        map.set(key, inner);
      }
      map = inner;
    }
    map.set(path[path.length - 1] as string, Object.freeze({ tripped: true, level }));
  };
  for (const t of targets) {
    const c = t.clientId;
    if (t.targetType === 'all') put(c === null ? 1 : 2, [c ?? '*']);
    else if (t.targetType === 'platform') put(c === null ? 3 : 4, c === null ? [t.targetValue] : [t.targetValue, c]);
    else if (t.platform === null) put(c === null ? 5 : 6, c === null ? [t.targetValue] : [t.targetValue, c]);
    else put(c === null ? 7 : 8, c === null ? [t.targetValue, t.platform] : [t.targetValue, t.platform, c]);
  }
  const [, l1, l2, l3, l4, l5, l6, l7, l8] = levels as [
    Nested,
    Nested,
    Nested,
    Nested,
    Nested,
    Nested,
    Nested,
    Nested,
    Nested,
  ];
  const get = (map: Nested | FloorAnswer | undefined, key: string): Nested | FloorAnswer | undefined =>
    map instanceof Map ? map.get(key) : undefined;
  const hit = (v: Nested | FloorAnswer | undefined): v is FloorAnswer => v !== undefined && !(v instanceof Map);

  return (ctx) => {
    const { clientId, action, platform } = ctx;
    let v = l1.get('*');
    if (hit(v)) return v;
    v = l2.get(clientId);
    if (hit(v)) return v;
    if (platform !== undefined) {
      v = l3.get(platform);
      if (hit(v)) return v;
      v = get(l4.get(platform), clientId);
      if (hit(v)) return v;
    }
    v = l5.get(action);
    if (hit(v)) return v;
    v = get(l6.get(action), clientId);
    if (hit(v)) return v;
    if (platform !== undefined) {
      const narrowed = l7.get(action);
      v = get(narrowed, platform);
      if (hit(v)) return v;
      v = get(get(l8.get(action), platform), clientId);
      if (hit(v)) return v;
    }
    return NOT_TRIPPED;
  };
}

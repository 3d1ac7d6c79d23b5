/**
 * The tracked (target, client) windows: nested maps (target -> client -> entry, so no key string is
 * built per record) threaded on one LRU list, so the number of keys stays capped with O(1) eviction.
 */
import type { AutoTripAggregateThreshold, AutoTripThreshold } from './config';
import { type BucketLayout, RollingCounter } from './rolling-counter';
import type { ParsedTarget } from './target';

/** What may trip: a (target, client) entry, or a target's all-clients aggregate. */
export interface TripSlot {
  /** No new trip before this instant (ms). */
  cooldownUntil: number;
  /** The trip in flight, so trips of one slot run one after the other. */
  chain: Promise<void> | undefined;
  /** Fleet mode: increments not pushed to Redis yet. */
  delta: RollingCounter | undefined;
  /** Fleet mode: queued for the next push. */
  dirty: boolean;
}

export class TargetState implements TripSlot {
  readonly clients = new Map<string, KeyEntry>();
  cooldownUntil = 0;
  chain: Promise<void> | undefined = undefined;
  delta: RollingCounter | undefined = undefined;
  dirty = false;
  constructor(
    readonly parsed: ParsedTarget,
    /** The sum over every client, kept apart so evicted clients still count. */
    readonly aggregate: RollingCounter,
    readonly threshold: AutoTripThreshold | undefined,
    readonly aggregateThreshold: AutoTripAggregateThreshold | undefined,
    /** Configured targets are kept for the monitor's life; others go with their last client. */
    readonly permanent: boolean,
  ) {}
}

export class KeyEntry implements TripSlot {
  /** Towards the most recently used end. */
  newer: KeyEntry | null = null;
  /** Towards the least recently used end. */
  older: KeyEntry | null = null;
  lastSeen = 0;
  cooldownUntil = 0;
  chain: Promise<void> | undefined = undefined;
  delta: RollingCounter | undefined = undefined;
  dirty = false;
  evicted = false;
  constructor(
    readonly owner: TargetState,
    readonly clientId: string,
    readonly counter: RollingCounter,
  ) {}
}

export class KeyRegistry {
  readonly targets = new Map<string, TargetState>();
  private newest: KeyEntry | null = null;
  private oldest: KeyEntry | null = null;
  private count = 0;
  /** Keys dropped to stay under the cap or because they went idle. */
  evictions = 0;

  constructor(
    private readonly layout: BucketLayout,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.count;
  }

  addTarget(
    parsed: ParsedTarget,
    threshold?: AutoTripThreshold,
    aggregate?: AutoTripAggregateThreshold,
    permanent = false,
  ) {
    const state = new TargetState(parsed, new RollingCounter(this.layout), threshold, aggregate, permanent);
    this.targets.set(parsed.target, state);
    return state;
  }

  /** Tracks a new client of `owner`, evicting the least recently used key when full. */
  insert(owner: TargetState, clientId: string, now: number): KeyEntry {
    let counter: RollingCounter | undefined;
    if (this.count >= this.maxKeys && this.oldest !== null) {
      const victim = this.oldest;
      this.remove(victim);
      // Reuse its buckets (no allocation under churn) unless a fleet push still reads them.
      if (!victim.dirty) {
        counter = victim.counter;
        counter.clear();
      }
    }
    const entry = new KeyEntry(owner, clientId, counter ?? new RollingCounter(this.layout));
    entry.lastSeen = now;
    owner.clients.set(clientId, entry);
    this.linkNewest(entry);
    this.count++;
    return entry;
  }

  /** Marks a key as just used. */
  touch(entry: KeyEntry): void {
    if (this.newest === entry) return;
    this.unlink(entry);
    this.linkNewest(entry);
  }

  /** Drops keys not recorded since `before` (ms); the list is in last-use order, so this stops at the first live one. */
  evictIdle(before: number): number {
    let dropped = 0;
    while (this.oldest !== null && this.oldest.lastSeen < before) {
      this.remove(this.oldest);
      dropped++;
    }
    return dropped;
  }

  remove(entry: KeyEntry): void {
    if (entry.evicted) return;
    entry.evicted = true;
    this.unlink(entry);
    this.count--;
    this.evictions++;
    const owner = entry.owner;
    owner.clients.delete(entry.clientId);
    this.dropIfUnused(owner);
  }

  /** Forgets an unconfigured target once nothing holds it (no client, no trip in flight, no pending push). */
  dropIfUnused(owner: TargetState): void {
    if (owner.clients.size === 0 && !owner.permanent && owner.chain === undefined && !owner.dirty) {
      if (this.targets.get(owner.parsed.target) === owner) this.targets.delete(owner.parsed.target);
    }
  }

  private linkNewest(entry: KeyEntry): void {
    entry.older = this.newest;
    entry.newer = null;
    if (this.newest !== null) this.newest.newer = entry;
    this.newest = entry;
    if (this.oldest === null) this.oldest = entry;
  }

  private unlink(entry: KeyEntry): void {
    if (entry.newer !== null) entry.newer.older = entry.older;
    else this.newest = entry.older;
    if (entry.older !== null) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    entry.newer = null;
    entry.older = null;
  }
}

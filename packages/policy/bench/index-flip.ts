/**
 * One flip at 1,000 active switches, in one process: a snapshot built from scratch (what a
 * notice cost before index-patch.ts, and what a full load still costs) against the notice
 * applied as a copy-on-write patch, and the same plus the first check of a kept switch at the
 * new version (its decisions rebuilt once). A global switch flipped (as the propagation
 * benchmark does) touches no client map; a client's switch copies the map of clients.
 *
 *   node --expose-gc --import tsx packages/policy/bench/index-flip.ts
 */
import { decisionsAt } from '../src/check/entry-decisions';
import { type Snapshot, createSnapshot, fromSwitchPayload, toSwitchPayload } from '../src/check/snapshot';
import type { SwitchChange } from '../src/ports';
import { applyNotice } from '../src/sync/delta';
import type { SwitchSummary } from '../src/types';
import { median, round } from './measure';

const ACTIVE = 1_000;
const FLIPS = 2_000;

const summary = (i: number, reason: string): SwitchSummary =>
  Object.freeze({
    id: `ks_${i}`,
    scope: 'platform',
    targetType: 'platform',
    targetValue: `platform_${i % 10}`,
    clientId: `client_${i}`,
    platform: null,
    reason,
    activatedAt: new Date(0),
    activatedBy: 'bench',
    expiresAt: null,
    mode: 'halt',
    allowActions: null,
    fraction: null,
    restart: null,
  });

/** The switch flipped as the propagation benchmark does: a global action switch, on then off. */
const globalAction: SwitchSummary = Object.freeze({
  ...summary(ACTIVE, 'flipped'),
  scope: 'action',
  targetType: 'action',
  targetValue: 'trade',
  clientId: null,
});

const gc = (globalThis as { gc?: () => void }).gc;
const start = () =>
  createSnapshot(
    1,
    Array.from({ length: ACTIVE }, (_, i) => summary(i, 'start')),
    'db',
  );

/** µs per flip (median), over `FLIPS` flips made by `flip`. */
function measure(flip: (current: Snapshot, version: number) => Snapshot): number {
  let current = start();
  gc?.();
  const times: number[] = [];
  for (let n = 0; n < FLIPS; n++) {
    const t0 = performance.now();
    current = flip(current, current.version + 1);
    times.push((performance.now() - t0) * 1000);
  }
  return round(median(times), 2);
}

/** What changes at `version`: the global switch on at even versions, off at odd; or client 0's reason. */
const changeAt = (target: 'global' | 'client', version: number): SwitchChange =>
  target === 'global'
    ? { id: globalAction.id, switch: version % 2 === 0 ? toSwitchPayload(globalAction) : null }
    : { id: 'ks_0', switch: toSwitchPayload(summary(0, `reason ${version}`)) };

const rebuild = (target: 'global' | 'client') => (current: Snapshot, version: number) => {
  const change = changeAt(target, version);
  const kept = current.index.switches.filter((s) => s.id !== change.id);
  const added = change.switch ? [fromSwitchPayload(change.switch)] : [];
  return createSnapshot(version, [...kept, ...added], 'db');
};
const patch = (target: 'global' | 'client') => (current: Snapshot, version: number) =>
  applyNotice(current, {
    version,
    databaseId: 'db',
    base: current.version,
    changes: [changeAt(target, version)],
  }) as Snapshot;
/** The patch, then a check of a kept switch at the new version (its decisions rebuilt once). */
const patchAndCheck = (target: 'global' | 'client') => (current: Snapshot, version: number) => {
  const next = patch(target)(current, version);
  const kept = next.index.byId.get('ks_1');
  if (kept) decisionsAt(kept, next.version);
  return next;
};

console.log(`one flip at ${ACTIVE} active client switches (1,000 clients), median of ${FLIPS} flips, us`);
console.log('  flipped switch              built from scratch   patched   patched + a kept entry checked');
for (const target of ['global', 'client'] as const) {
  const row = [rebuild(target), patch(target), patchAndCheck(target)].map((f) => String(measure(f)).padStart(9));
  console.log(
    `  ${(target === 'global' ? 'global action (on/off)' : "one client's (reason)").padEnd(26)} ${row.join('  ')}`,
  );
}

/**
 * The demo's story, told against any stage (embedded or real servers):
 * traffic flows for two clients; an operator stops a platform everywhere; an
 * error spike auto-trips one client's switch and opens an incident while the
 * other client carries on; the operator recovers; the audit trail is read
 * and its hash chain verified. Each claim is checked against the traffic the
 * services counted, so a broken story fails (and `pnpm demo` exits non-zero).
 */
import { type AuditEmitter, queryAudit, verifyAuditChain } from '@rtv/audit';
import type { Database } from '@rtv/db';
import type { Incident, IncidentService, KillSwitch, KillSwitchService } from '@rtv/policy';
import { chapterControlPlane } from './chapters/control-plane';
import type { Fleet } from './fleet';
import type { LiveView } from './live-view';
import { showReceipt } from './receipt-line';
import {
  DEMO_AUTO_TRIP_CONFIG,
  DEMO_CLIENTS,
  DEMO_PLATFORMS,
  type Tallies,
  type Tally,
  emptyTallies,
  tallyKey,
} from './traffic';

export interface StoryTimeline {
  /** How long each part of the story watches traffic. @default 1600 */
  phaseMs: number;
  /** Time given to a change to reach every service before traffic is judged. @default 300 */
  settleMs: number;
  /** Rows of the live view. @default 800 */
  rowMs: number;
  /** How long the error spike may take to trip the switch. @default 10000 */
  tripTimeoutMs: number;
}

export const DEFAULT_TIMELINE: StoryTimeline = { phaseMs: 1600, settleMs: 300, rowMs: 800, tripTimeoutMs: 10_000 };

export interface Stage {
  /** Where the state lives, for the opening lines. */
  description: string;
  db: Database;
  audit: AuditEmitter;
  /** The operator's own service instance (what `rtv-ks` would use). */
  operator: KillSwitchService;
  incidents: IncidentService;
  fleet: Fleet;
}

export interface StoryResult {
  ok: boolean;
  failures: string[];
  auditRecords: number;
}

const OPERATOR = 'alice@ops';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function delta(now: Tallies, before: Tallies): Tallies {
  const out = emptyTallies();
  for (const key of Object.keys(out)) {
    const a = now[key] ?? { ok: 0, failed: 0, blocked: 0 };
    const b = before[key] ?? { ok: 0, failed: 0, blocked: 0 };
    out[key] = { ok: a.ok - b.ok, failed: a.failed - b.failed, blocked: a.blocked - b.blocked };
  }
  return out;
}

const flowing = (t: Tally) => t.ok > 0 && t.blocked === 0 && t.failed === 0;
const stopped = (t: Tally) => t.ok === 0 && t.failed === 0 && t.blocked > 0;
const show = (t: Tally) => `${t.ok} ok, ${t.failed} failed, ${t.blocked} blocked`;

/** What every chapter uses: the stage, the view, and the checks it records. */
export interface StoryContext {
  stage: Stage;
  view: LiveView;
  timeline: StoryTimeline;
  check(passed: boolean, text: string): void;
  /** Watches traffic for a phase, printing a row each `rowMs`; returns what happened in that time. */
  watch(): Promise<Tallies>;
}

const at = (window: Tallies, clientId: string, platform: string) =>
  window[tallyKey(clientId, platform)] ?? { ok: 0, failed: 0, blocked: 0 };

/** The operator's tiktok switch, and no demo switch left on by a previous run on a real database. */
async function prepare({ stage }: StoryContext): Promise<KillSwitch> {
  const { operator } = stage;
  const tiktok = await operator.ensure({
    scope: 'platform',
    targetType: 'platform',
    targetValue: 'tiktok',
    createdBy: OPERATOR,
  });
  // A previous run on a real database may have left the demo's switches on.
  for (const leftover of await operator.listActive()) {
    const demoClient = leftover.clientId === null || (DEMO_CLIENTS as readonly string[]).includes(leftover.clientId);
    const demoTarget =
      leftover.id === tiktok.id || (leftover.targetType === 'platform' && leftover.targetValue === 'meta');
    if (demoClient && demoTarget) {
      await operator.deactivate({ id: leftover.id, reason: 'demo: reset before the story', deactivatedBy: OPERATOR });
    }
  }

  return tiktok;
}

async function chapterTraffic({ view, check, watch }: StoryContext): Promise<void> {
  // ---- 1: traffic ---------------------------------------------------------
  view.chapter('1. Traffic: both services publish and engage for client_a and client_b on meta and tiktok');
  const window = await watch();
  for (const clientId of DEMO_CLIENTS) {
    for (const platform of DEMO_PLATFORMS) {
      const t = at(window, clientId, platform);
      check(flowing(t), `${clientId} on ${platform} flows (${show(t)})`);
    }
  }
}

async function chapterOperatorStop({ stage, view, timeline, check, watch }: StoryContext, tiktok: KillSwitch) {
  const { operator } = stage;
  // ---- 2: an operator stops a platform everywhere -------------------------
  view.chapter('2. An operator stops tiktok for every client (a platform switch)');
  const activated = await operator.activate({
    id: tiktok.id,
    reason: 'TikTok API returning malformed responses; pausing all TikTok work',
    activatedBy: OPERATOR,
  });
  view.event(
    `${OPERATOR} activated ${tiktok.id} (platform tiktok, all clients): "${activated.switch.reason}" · state version ${operator.checkStats().snapshotVersion}`,
  );
  await showReceipt(view, operator, 'tiktok', 'stopped');
  await sleep(timeline.settleMs);
  const window = await watch();
  for (const clientId of DEMO_CLIENTS) {
    const t = at(window, clientId, 'tiktok');
    check(stopped(t), `${clientId} on tiktok is blocked in both services (${show(t)})`);
    const m = at(window, clientId, 'meta');
    check(flowing(m), `${clientId} on meta still flows (${show(m)})`);
  }
}

interface AutoTrip {
  tripped: KillSwitch | undefined;
  incident: Incident | undefined;
  trippedAt: number;
}

async function chapterAutoTrip({ stage, view, timeline, check, watch }: StoryContext): Promise<AutoTrip> {
  const { operator, incidents, fleet } = stage;
  // ---- 3: an error spike trips client_a's switch ---------------------------
  view.chapter("3. Meta starts failing for client_a: the auto-trip monitor trips client_a's meta switch");
  const spikeStart = Date.now();
  fleet.setOutage({ clientId: 'client_a', platform: 'meta' });
  view.event('the meta API now answers 500 to every call for client_a (client_b unaffected)');
  const tripDeadline = Date.now() + timeline.tripTimeoutMs;
  let tripped: KillSwitch | undefined;
  while (!tripped && Date.now() < tripDeadline) {
    await sleep(100);
    const active = await operator.listActive({ clientId: 'client_a', platform: 'meta' });
    tripped = active.find((row) => row.activatedBy === 'system:auto_trip');
  }
  const trippedAt = Date.now();
  check(tripped !== undefined, "client_a's meta switch was tripped by system:auto_trip");
  if (tripped) view.event(`${tripped.id} active: "${tripped.reason}"`);
  // The monitor opens the incident right after the activation commits: another process may see the switch first.
  let incident: Incident | undefined;
  while (tripped && !incident && Date.now() < tripDeadline + 2000) {
    const open = await incidents.listIncidents({ killSwitchId: tripped.id, status: 'open' });
    // Only this trip's: a previous run on a real database may have left one open on the same switch.
    incident = open.find((row) => row.startedAt.getTime() >= spikeStart - 1000);
    if (!incident) await sleep(100);
  }
  check(incident !== undefined, 'an incident was opened for the trip');
  if (incident) view.event(`incident ${incident.id} (${incident.severity}): ${incident.title}`);
  await sleep(timeline.settleMs);
  const window = await watch();
  const a = at(window, 'client_a', 'meta');
  check(stopped(a), `client_a on meta is blocked (${show(a)})`);
  const b = at(window, 'client_b', 'meta');
  check(flowing(b), `client_b on meta is unaffected (${show(b)})`);

  return { tripped, incident, trippedAt };
}

async function chapterRecovery(ctx: StoryContext, tiktok: KillSwitch, { tripped, incident, trippedAt }: AutoTrip) {
  const { stage, view, timeline, check, watch } = ctx;
  const { operator, incidents, fleet } = stage;
  // ---- 4: recovery ----------------------------------------------------------
  view.chapter('4. Recovery: meta is fixed; the operator acknowledges, deactivates both switches, resolves');
  fleet.setOutage(null);
  // Each service's monitor still holds the spike's failures until its window passes; deactivating sooner would
  // let the first successful call re-trip on old failures (the cooldown covers only the monitor that tripped).
  await sleep(Math.max(0, trippedAt + DEMO_AUTO_TRIP_CONFIG.windowMs + 250 - Date.now()));
  if (incident) await incidents.acknowledge({ id: incident.id, actor: OPERATOR, notes: 'looking at the meta errors' });
  await operator.deactivate({
    id: tiktok.id,
    reason: 'TikTok API healthy again after their fix',
    deactivatedBy: OPERATOR,
  });
  view.event(`${OPERATOR} deactivated ${tiktok.id} (tiktok resumes)`);
  await showReceipt(view, operator, 'tiktok', 'resumed');
  if (tripped) {
    await operator.deactivate({
      id: tripped.id,
      reason: 'meta errors for client_a resolved (expired token rotated)',
      deactivatedBy: OPERATOR,
    });
    view.event(`${OPERATOR} deactivated ${tripped.id} (client_a on meta resumes)`);
    await showReceipt(view, operator, 'client_a on meta', 'resumed');
  }
  if (incident) {
    await incidents.resolve({ id: incident.id, actor: OPERATOR, notes: 'token rotated; switch deactivated' });
    view.event(`incident ${incident.id} resolved`);
  }
  await sleep(timeline.settleMs);
  const window = await watch();
  for (const clientId of DEMO_CLIENTS) {
    for (const platform of DEMO_PLATFORMS) {
      const t = at(window, clientId, platform);
      check(flowing(t), `${clientId} on ${platform} flows again (${show(t)})`);
    }
  }
}

async function chapterAudit({ stage, view, check }: StoryContext, storyStart: Date): Promise<number> {
  // ---- 5: the audit trail -----------------------------------------------------
  view.chapter('5. The audit trail of this story (oldest first), and its hash chain');
  const page = await queryAudit(stage.db, { since: storyStart, limit: 200 });
  const records = [...page.records].reverse();
  for (const record of records) {
    const reason = typeof record.metadata.reason === 'string' ? ` "${record.metadata.reason}"` : '';
    view.line(
      `  #${String(record.seq).padEnd(4)} ${record.occurredAt.toISOString().slice(11, 23)}  ${record.type.padEnd(24)} ${record.actor.padEnd(17)} ${record.target ?? '-'}${reason}`,
    );
  }
  const types = new Set(records.map((record) => `${record.type} ${record.actor}`));
  check(types.has(`KILL_SWITCH_ACTIVATED ${OPERATOR}`), 'the trail holds the operator activation');
  check(types.has('KILL_SWITCH_ACTIVATED system:auto_trip'), 'the trail holds the auto-trip activation');
  check(
    records.some((record) => record.type === 'INCIDENT_OPENED'),
    'the trail holds the incident opening',
  );
  const verified = await verifyAuditChain(stage.db);
  check(
    verified.ok,
    verified.ok
      ? `audit chain verified: ${verified.count} records, every hash links to the previous one`
      : `audit chain broken at seq ${verified.brokenAt}: ${verified.reason}`,
  );
  return records.length;
}

export async function runStory(stage: Stage, view: LiveView, timeline: StoryTimeline = DEFAULT_TIMELINE) {
  const failures: string[] = [];
  const storyStart = new Date();
  const ctx: StoryContext = {
    stage,
    view,
    timeline,
    check(passed, text) {
      view.check(passed, text);
      if (!passed) failures.push(text);
    },
    async watch() {
      const start = stage.fleet.tallies();
      let previous = start;
      const end = Date.now() + timeline.phaseMs;
      while (Date.now() < end) {
        await sleep(Math.min(timeline.rowMs, Math.max(0, end - Date.now())));
        const current = stage.fleet.tallies();
        view.traffic(delta(current, previous));
        previous = current;
      }
      return delta(stage.fleet.tallies(), start);
    },
  };
  const tiktok = await prepare(ctx);
  await chapterTraffic(ctx);
  await chapterOperatorStop(ctx, tiktok);
  const trip = await chapterAutoTrip(ctx);
  await chapterRecovery(ctx, tiktok, trip);
  await chapterControlPlane(ctx, tiktok);
  const auditRecords = await chapterAudit(ctx, storyStart);
  return { ok: failures.length === 0, failures, auditRecords } satisfies StoryResult;
}

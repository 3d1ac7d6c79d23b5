/**
 * Now: the active switches grouped by blast radius (who, why, since, expiry,
 * receipt) and the fleet as a grid of instances, stale and lost ones first.
 */
import { type Json, api } from '../api';
import { type AppContext, type View, errorText } from '../app-context';
import { h, replaceChildren } from '../dom';
import { BLAST_RADIUS, clock, describeBlocked, formatDuration, receiptLine, relative, verbFor } from '../words';

function switchCard(sw: Json, receipt: Json): HTMLElement {
  return h(
    'li',
    { class: 'card active', 'data-switch': sw.id },
    h('h4', null, `Blocking ${describeBlocked(sw)}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Who'),
      h('dd', null, sw.activatedBy ?? '—'),
      h('dt', null, 'Why'),
      h('dd', null, sw.reason ?? '—'),
      h('dt', null, 'Since'),
      h('dd', null, h('time', { datetime: sw.activatedAt }, `${relative(sw.activatedAt)} (${clock(sw.activatedAt)})`)),
      h('dt', null, 'Expires'),
      h('dd', null, sw.expiresAt ? relative(sw.expiresAt) : 'never (until released)'),
      h('dt', null, 'Receipt'),
      h('dd', { class: receipt && !receipt.complete ? 'warn' : '' }, receiptLine(receipt, verbFor(receipt?.operation))),
    ),
    h('p', { class: 'id' }, sw.id),
  );
}

function activeSection(switches: Json[], receipts: Map<string, Json>): HTMLElement {
  const groups = Object.keys(BLAST_RADIUS).map((scope) => {
    const members = switches.filter((sw) => sw.scope === scope);
    if (members.length === 0) return null;
    return h(
      'section',
      { class: `group scope-${scope}`, 'aria-label': BLAST_RADIUS[scope] },
      h('h3', null, `${BLAST_RADIUS[scope]} (${members.length})`),
      h('ul', { class: 'cards' }, ...members.map((sw) => switchCard(sw, receipts.get(sw.id)))),
    );
  });
  return h(
    'section',
    { 'aria-labelledby': 'active-title' },
    h('h2', { id: 'active-title' }, `Active switches: ${switches.length}`),
    switches.length === 0 ? h('p', { class: 'calm' }, 'Nothing is stopped.') : groups,
  );
}

function instanceTile(i: Json): HTMLElement {
  const lag = i.lagMs === null ? '—' : `${i.lagMs} ms`;
  return h(
    'li',
    { class: `tile ${i.state} health-${i.health}`, 'data-instance': i.instanceId },
    h('strong', null, `${i.serviceName} · ${i.state}`),
    h('span', null, `v${i.version} · lag ${lag}`),
    h('span', null, `snapshot ${formatDuration(i.snapshotAgeMs)} old · seen ${formatDuration(i.heartbeatAgeMs)} ago`),
    h('span', null, `${i.health} · ${i.host} pid ${i.pid}`),
  );
}

/** Lost, then behind, then unhealthy (stale or degraded) instances first: what the operator must look at. */
const urgency = (i: Json): number => (i.state === 'lost' ? 0 : i.state === 'behind' ? 1 : i.health !== 'ok' ? 2 : 3);

function fleetSection(fleet: Json): HTMLElement {
  const { current, behind, lost } = fleet.summary;
  const instances = [...fleet.instances].sort((a: Json, b: Json) => urgency(a) - urgency(b));
  const unhealthy = instances.filter((i: Json) => i.state !== 'lost' && i.health !== 'ok').length;
  return h(
    'section',
    { 'aria-labelledby': 'fleet-title' },
    h('h2', { id: 'fleet-title' }, `Fleet: ${fleet.instances.length} instances`),
    h(
      'p',
      { class: behind + lost + unhealthy > 0 ? 'warn' : 'calm' },
      `${current} current, ${behind} behind, ${lost} lost, ${unhealthy} unhealthy`,
    ),
    h('ul', { class: 'tiles' }, ...instances.map(instanceTile)),
  );
}

/** The admin server's own view of the state: when it is not ok, what this page shows may be stale. */
function healthNote(health: Json): HTMLElement | null {
  if (health.status === 'operational') return null;
  const parts = Object.entries(health.components ?? {}).map(([name, status]) => `${name} ${status}`);
  return h(
    'p',
    { class: 'banner', role: 'alert', id: 'state-health' },
    `The server's state is ${health.status}${parts.length ? ` (${parts.join(', ')})` : ''}: what you see may be stale.`,
  );
}

async function load(root: HTMLElement, ctx: AppContext): Promise<void> {
  try {
    const [{ switches }, fleet, health] = await Promise.all([
      api('GET', '/switches?activeOnly=true'),
      api('GET', '/fleet'),
      api('GET', '/health').catch((error) => ({ status: 'failed', components: { server: errorText(error) } })),
    ]);
    const receipts = new Map<string, Json>();
    await Promise.all(
      switches.map(async (sw: Json) => receipts.set(sw.id, (await api('GET', `/switches/${sw.id}/receipt`)).receipt)),
    );
    replaceChildren(
      root,
      h('h1', null, 'Now'),
      healthNote(health),
      activeSection(switches, receipts),
      fleetSection(fleet),
    );
  } catch (error) {
    ctx.say(`Could not load: ${errorText(error)}`, 'error');
  }
}

export const nowView: View = {
  id: 'now',
  title: 'Now',
  async render(ctx, root) {
    await load(root, ctx);
    let pending: ReturnType<typeof setTimeout> | undefined;
    ctx.onAudit(() => {
      // A burst of records (a change, then its receipt) redraws once.
      clearTimeout(pending);
      pending = setTimeout(() => void load(root, ctx), 300);
    });
    // Heartbeats are not audited: the fleet grid is read again every few seconds.
    ctx.every(5000, () => void load(root, ctx));
  },
};

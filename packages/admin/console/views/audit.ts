/**
 * Incidents and audit: the incident timeline, then the audit trail with
 * filters and paging (newest first, by cursor), and a verify button that
 * checks the hash chain and compares it with the latest signed checkpoint.
 */
import { type Json, api, query } from '../api';
import { type AppContext, type View, errorText } from '../app-context';
import { field, h, replaceChildren } from '../dom';
import { clock } from '../words';

// Ten records fit a phone screen; older pages are one tap away.
const PAGE = 10;
const FILTERS = ['type', 'actor', 'target', 'clientId'] as const;

/** Filters and the cursors of the pages already seen (to go back), kept while the tab lives. */
const state = {
  filters: {} as Record<string, string>,
  cursors: [] as (string | undefined)[],
  verdict: { text: '', ok: true },
};

function summary(r: Json): string {
  const m = r.metadata ?? {};
  if (r.type === 'KILL_SWITCH_RECEIPT')
    return `${m.operation}: ${m.applied}/${m.expected} instances, p99 ${m.p99Ms ?? '—'} ms`;
  const bits = [m.reason, m.reasonCode, m.why, m.operation].filter((v) => typeof v === 'string');
  return bits.join(' · ');
}

function auditTable(records: Json[]): HTMLElement {
  return h(
    'div',
    { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Audit records' },
    h(
      'table',
      { class: 'audit' },
      h('caption', null, 'Audit trail, newest first'),
      h(
        'thead',
        null,
        h('tr', null, ...['#', 'When', 'Type', 'Actor', 'Target', 'Details'].map((t) => h('th', { scope: 'col' }, t))),
      ),
      h(
        'tbody',
        null,
        ...records.map((r) =>
          h(
            'tr',
            { 'data-type': r.type },
            h('td', null, r.seq),
            h('td', null, clock(r.occurredAt)),
            h('td', null, r.type),
            h('td', null, r.actor),
            h('td', null, r.target ?? '—'),
            h('td', null, summary(r)),
          ),
        ),
      ),
    ),
  );
}

function verdict(answer: Json): string {
  const chain = answer.chain.ok
    ? `chain intact over ${answer.chain.count} records`
    : `chain BROKEN at #${answer.chain.brokenAt}: ${answer.chain.reason}`;
  if (!answer.latestCheckpoint) return `${chain}; no checkpoint sealed yet to compare with.`;
  const cp = answer.latestCheckpoint;
  const against = answer.checkpoint
    ? answer.checkpoint.ok
      ? `matches the latest checkpoint (#${cp.seq}, signed ${clock(cp.signedAt)})`
      : `does NOT match the latest checkpoint (#${cp.seq}): ${answer.checkpoint.reason}`
    : `latest checkpoint #${cp.seq} not checked (the server has no public key)`;
  return `${answer.ok ? 'Verified' : 'FAILED'}: ${chain}; ${against}.`;
}

async function incidentsSection(): Promise<HTMLElement> {
  const list = await api('GET', '/incidents?limit=20')
    .then((a: Json) => a.incidents as Json[])
    .catch(() => null);
  return h(
    'section',
    { 'aria-labelledby': 'incidents-title' },
    h('h2', { id: 'incidents-title' }, 'Incident timeline'),
    list === null
      ? h('p', null, 'This server has no incident service.')
      : list.length === 0
        ? h('p', { class: 'calm' }, 'No incidents.')
        : h(
            'ol',
            { class: 'timeline' },
            ...list.map((i) =>
              h(
                'li',
                { class: `incident ${i.status}` },
                h('strong', null, `${clock(i.startedAt)} · ${i.severity} · ${i.status}`),
                h('span', null, i.title),
                i.resolvedAt ? h('span', null, `resolved ${clock(i.resolvedAt)} by ${i.resolvedBy ?? '—'}`) : null,
              ),
            ),
          ),
  );
}

function filterForm(ctx: AppContext, reload: () => void): HTMLElement {
  const inputs = FILTERS.map((name) =>
    h('input', { id: `audit-${name}`, name, value: state.filters[name] ?? '', autocomplete: 'off' }),
  );
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Audit filters' },
    ...inputs.map((input, i) =>
      field(FILTERS[i] === 'clientId' ? 'Client' : (FILTERS[i] ?? '').replace(/^./, (c) => c.toUpperCase()), input),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Filter'),
      h('button', { type: 'button', id: 'audit-verify', onclick: () => void verify(ctx) }, 'Verify the chain'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    state.filters = Object.fromEntries(inputs.map((input) => [input.name, input.value.trim()]));
    state.cursors = [];
    reload();
  });
  return form;
}

async function verify(ctx: AppContext): Promise<void> {
  const out = document.getElementById('verify-result');
  try {
    const answer = await api('POST', '/audit/verify', {});
    state.verdict = { text: verdict(answer), ok: answer.ok };
    if (out) {
      out.textContent = state.verdict.text;
      out.className = answer.ok ? 'verdict ok' : 'verdict error';
    }
  } catch (error) {
    ctx.say(`Could not verify: ${errorText(error)}`, 'error');
  }
}

async function load(ctx: AppContext, root: HTMLElement): Promise<void> {
  const reload = () => void load(ctx, root);
  const cursor = state.cursors[state.cursors.length - 1];
  try {
    const [incidents, page] = await Promise.all([
      incidentsSection(),
      api('GET', `/audit${query({ ...state.filters, limit: PAGE, cursor })}`),
    ]);
    const older = () => {
      state.cursors.push(page.nextCursor);
      reload();
    };
    const newer = () => {
      state.cursors.pop();
      reload();
    };
    replaceChildren(
      root,
      h('h1', null, 'Incidents and audit'),
      incidents,
      h(
        'section',
        { 'aria-labelledby': 'audit-title' },
        h('h2', { id: 'audit-title' }, 'Audit trail'),
        filterForm(ctx, reload),
        h(
          'p',
          { id: 'verify-result', class: `verdict ${state.verdict.ok ? 'ok' : 'error'}`, role: 'status' },
          state.verdict.text,
        ),
        auditTable(page.records),
        h(
          'nav',
          { class: 'actions', 'aria-label': 'Audit pages' },
          h('button', { type: 'button', disabled: state.cursors.length === 0, onclick: newer }, 'Newer'),
          h('span', null, `Page ${state.cursors.length + 1}`),
          h('button', { type: 'button', disabled: !page.nextCursor, onclick: older }, 'Older'),
        ),
      ),
    );
  } catch (error) {
    ctx.say(`Could not load the audit trail: ${errorText(error)}`, 'error');
  }
}

export const auditView: View = {
  id: 'audit',
  title: 'Incidents and audit',
  async render(ctx, root) {
    await load(ctx, root);
    // Only the newest page follows the trail live: an older page stays where the operator is reading.
    ctx.onAudit(() => {
      if (state.cursors.length === 0) void load(ctx, root);
    });
  },
};

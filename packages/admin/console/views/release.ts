/**
 * Release: requests waiting for a second person (approve, refuse); the
 * active switches with a release control (a request when the policy wants a
 * second person) and a break-glass bypass that needs its reason and expiry.
 */
import { type Json, api } from '../api';
import { type AppContext, type View, errorText } from '../app-context';
import { field, h, options, replaceChildren } from '../dom';
import { clock, describeBlocked, formatDuration, relative, targetLabel } from '../words';

const BYPASS_MINUTES = [15, 30, 60, 120, 240];

function openDialog(dialog: HTMLDialogElement): void {
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
}

/** A dialog asking for a reason code and text (and a duration for a bypass), then calling the API. */
function reasonDialog(ctx: AppContext, sw: Json, kind: 'release' | 'bypass', after: () => void): HTMLDialogElement {
  const code = h('select', { required: true, id: `${kind}-code` }, ...options(ctx.policy.reasonCodes));
  const reason = h('textarea', { required: true, minlength: 10, maxlength: 1000, rows: 3, id: `${kind}-reason` });
  const maxMinutes = Math.floor(ctx.policy.maxBypassMs / 60_000);
  const minutes = BYPASS_MINUTES.filter((m) => m <= maxMinutes).map(String);
  const duration = h('select', { id: 'bypass-minutes' }, ...options(minutes.length ? minutes : [String(maxMinutes)]));
  const dialog = h('dialog', { 'aria-labelledby': `${kind}-title`, class: 'confirm' });
  const verb = kind === 'release' ? 'Release' : 'Bypass';
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: `${kind}-title` }, `${verb} ${targetLabel(sw)}`),
    h('p', { class: 'blast' }, `This will RESUME ${describeBlocked(sw)}.`),
    kind === 'bypass'
      ? h('p', null, 'Break-glass: you release alone; the switch engages again when the bypass expires.')
      : null,
    field('Reason code', code),
    field('Reason', reason, 'At least 10 characters.'),
    kind === 'bypass' ? field('Bypass expires after (minutes)', duration) : null,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', id: `${kind}-confirm` }, verb),
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body: Json = { reasonCode: code.value, reason: reason.value };
    if (kind === 'bypass') body.durationMs = Number(duration.value) * 60_000;
    try {
      const answer = await api('POST', `/switches/${sw.id}/${kind === 'release' ? 'deactivate' : 'bypass'}`, body);
      dialog.close();
      if (answer.releaseRequest) ctx.say('Release requested: a second person must approve it (Release view).', 'ok');
      else ctx.say(`${verb} done: ${targetLabel(sw)} resumed.`, 'ok');
      after();
    } catch (error) {
      ctx.say(`${verb} refused: ${errorText(error)}`, 'error');
    }
  });
  dialog.append(form);
  return dialog;
}

function requestCard(ctx: AppContext, r: Json, sw: Json | undefined, after: () => void): HTMLElement {
  const decide = (verb: 'approve' | 'refuse') => async () => {
    try {
      await api('POST', `/approvals/${r.id}/${verb}`);
      ctx.say(verb === 'approve' ? 'Approved: the switch is released.' : 'Refused: the switch stays stopped.', 'ok');
      after();
    } catch (error) {
      ctx.say(`Could not ${verb}: ${errorText(error)}`, 'error');
    }
  };
  const what = sw ? targetLabel(sw) : r.switchId;
  return h(
    'li',
    { class: 'card pending', 'data-request': r.id },
    h('h3', null, `Release ${what}`),
    sw ? h('p', null, `Would resume ${describeBlocked(sw)}.`) : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Asked by'),
      h('dd', null, r.requestedBy),
      h('dt', null, 'Why'),
      h('dd', null, `${r.reasonCode}: ${r.reason}`),
      h('dt', null, 'Asked'),
      h('dd', null, `${relative(r.createdAt)} (${clock(r.createdAt)})`),
      h('dt', null, 'Lapses'),
      h('dd', null, relative(r.expiresAt)),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: decide('approve') }, `Approve release of ${what}`),
      h('button', { type: 'button', class: 'secondary', onclick: decide('refuse') }, `Refuse release of ${what}`),
    ),
  );
}

function activeCard(ctx: AppContext, sw: Json, after: () => void): HTMLElement {
  const twoPerson = ctx.policy.twoPersonScopes.includes(sw.scope) || ctx.policy.twoPersonSwitches.includes(sw.id);
  return h(
    'li',
    { class: 'card active', 'data-switch': sw.id },
    h('h3', null, targetLabel(sw)),
    h('p', null, `Blocking ${describeBlocked(sw)} since ${relative(sw.activatedAt)}, by ${sw.activatedBy ?? '—'}.`),
    twoPerson ? h('p', { class: 'hint' }, 'Needs a second person: releasing creates a request.') : null,
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', onclick: () => openDialog(reasonDialog(ctx, sw, 'release', after)) },
        `Release ${targetLabel(sw)}…`,
      ),
      ctx.identity.breakGlass
        ? h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => openDialog(reasonDialog(ctx, sw, 'bypass', after)) },
            `Bypass ${targetLabel(sw)}…`,
          )
        : null,
    ),
  );
}

async function load(ctx: AppContext, root: HTMLElement): Promise<void> {
  const reload = () => void load(ctx, root);
  try {
    const [{ approvals }, { switches }] = await Promise.all([
      api('GET', '/approvals?status=pending'),
      api('GET', '/switches?activeOnly=true'),
    ]);
    const byId = new Map<string, Json>(switches.map((sw: Json) => [sw.id, sw]));
    replaceChildren(
      root,
      h('h1', null, 'Release'),
      h(
        'section',
        { 'aria-labelledby': 'pending-title' },
        h('h2', { id: 'pending-title' }, `Waiting for a second person: ${approvals.length}`),
        h('ul', { class: 'cards' }, ...approvals.map((r: Json) => requestCard(ctx, r, byId.get(r.switchId), reload))),
      ),
      h(
        'section',
        { 'aria-labelledby': 'stopped-title' },
        h('h2', { id: 'stopped-title' }, `Stopped now: ${switches.length}`),
        h('p', { class: 'hint' }, `Requests lapse after ${formatDuration(ctx.policy.requestTtlMs)}.`),
        h('ul', { class: 'cards' }, ...switches.map((sw: Json) => activeCard(ctx, sw, reload))),
      ),
    );
  } catch (error) {
    ctx.say(`Could not load: ${errorText(error)}`, 'error');
  }
}

export const releaseView: View = {
  id: 'release',
  title: 'Release',
  async render(ctx, root) {
    await load(ctx, root);
    ctx.onAudit((records) => {
      if (records.some((r) => /RELEASE|BYPASS|ACTIVATED|DEACTIVATED/.test(r.type))) void load(ctx, root);
    });
  },
};

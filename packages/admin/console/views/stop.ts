/**
 * Stop: search the switches by target, client or id; stopping one states
 * its blast radius in words first (as the CLI's prompt does), asks for a
 * reason code and text, then shows the fleet's receipt as it arrives live.
 */
import { type Json, api } from '../api';
import { type AppContext, type View, errorText } from '../app-context';
import { field, h, options, replaceChildren } from '../dom';
import type { AuditEvent } from '../live';
import { describeBlocked, receiptLine, targetLabel } from '../words';
import { newSwitchForm } from './new-switch';

const STOP_CODES = ['incident', 'outage', 'abuse', 'security', 'compliance', 'drill', 'other'];

/** The switch whose receipt the operator is waiting for, kept across redraws. */
let watching: { id: string; since: number; line: HTMLElement; done: boolean } | undefined;

const haystack = (sw: Json): string =>
  [sw.id, sw.scope, targetLabel(sw), sw.clientId ?? 'all clients', sw.platform ?? '', describeBlocked(sw)]
    .join(' ')
    .toLowerCase();

function confirmDialog(ctx: AppContext, sw: Json, done: () => void): HTMLDialogElement {
  const code = h('select', { required: true, id: 'stop-code' }, ...options(STOP_CODES));
  const reason = h('textarea', { required: true, minlength: 10, maxlength: 1000, rows: 3, id: 'stop-reason' });
  const dialog = h('dialog', { 'aria-labelledby': 'stop-title', class: 'confirm' });
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: 'stop-title' }, 'Stop: confirm the blast radius'),
    h('p', { class: 'blast' }, `This will BLOCK ${describeBlocked(sw)}.`),
    h('p', null, `Switch ${sw.id} (scope ${sw.scope}, target ${targetLabel(sw)}).`),
    field('Reason code', code),
    field('Reason', reason, 'At least 10 characters: what the next person on call needs to know.'),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'danger', id: 'stop-confirm' }, `Stop ${targetLabel(sw)}`),
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const body = { reason: reason.value, metadata: { reasonCode: code.value } };
      const result = await api('POST', `/switches/${sw.id}/activate`, body);
      dialog.close();
      ctx.say(
        result.changed ? `Stopped ${targetLabel(sw)}; waiting for the fleet's receipt.` : 'It was already stopped.',
        'ok',
      );
      const line = h('p', { class: 'receipt', id: 'stop-receipt', role: 'status' });
      line.textContent = `Receipt for ${targetLabel(sw)}: waiting for instances to confirm…`;
      watching = { id: sw.id, since: new Date(result.switch.updatedAt).getTime(), line, done: !result.changed };
      done();
      void pollReceipt(watching);
    } catch (error) {
      ctx.say(`Not stopped: ${errorText(error)}`, 'error');
    }
  });
  dialog.append(form);
  return dialog;
}

function resultRow(ctx: AppContext, sw: Json, redraw: () => void): HTMLElement {
  const open = () => {
    const dialog = confirmDialog(ctx, sw, redraw);
    document.body.append(dialog);
    dialog.addEventListener('close', () => dialog.remove());
    dialog.showModal();
  };
  return h(
    'li',
    { class: `card ${sw.isActive ? 'active' : ''}`, 'data-switch': sw.id },
    h('h3', null, targetLabel(sw), ' ', h('span', { class: 'badge' }, sw.isActive ? 'stopped' : 'running')),
    h('p', null, `Blocks ${describeBlocked(sw)} when active.`),
    h('p', { class: 'id' }, `${sw.scope} · ${sw.id}`),
    sw.isActive ? null : h('button', { type: 'button', class: 'danger', onclick: open }, `Stop ${targetLabel(sw)}…`),
  );
}

type Watch = NonNullable<typeof watching>;

/** A receipt of this stop, not of an earlier change of the same switch. */
function show(watch: Watch, receipt: Json): void {
  if (watch.done || !receipt || new Date(String(receipt.committedAt)).getTime() < watch.since) return;
  watch.done = true;
  watch.line.textContent = `Receipt: ${receiptLine(receipt, 'stopped')}`;
}

function onReceipts(records: AuditEvent[]): void {
  const watch = watching;
  if (!watch) return;
  for (const r of records) if (r.type === 'KILL_SWITCH_RECEIPT' && r.target === watch.id) show(watch, r.metadata);
}

/** Besides the live feed (a reconnect can miss a record), the receipt is read until it arrives. */
async function pollReceipt(watch: Watch): Promise<void> {
  for (let i = 0; i < 30 && !watch.done; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    if (watch.done) return;
    show(watch, (await api('GET', `/switches/${watch.id}/receipt`).catch(() => ({ receipt: null }))).receipt);
  }
}

export const stopView: View = {
  id: 'stop',
  title: 'Stop',
  async render(ctx, root) {
    let switches: Json[] = [];
    const search = h('input', {
      type: 'search',
      id: 'stop-search',
      autocomplete: 'off',
      placeholder: 'tiktok, publish, client_a…',
    });
    const list = h('ul', { class: 'cards', 'aria-live': 'polite' });
    const draw = () => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      const shown = switches.filter((sw) => words.every((w) => haystack(sw).includes(w)));
      replaceChildren(
        list,
        ...shown.map((sw) => resultRow(ctx, sw, () => void reload())),
        shown.length ? null : h('li', null, 'No switch matches.'),
      );
    };
    const reload = async () => {
      try {
        switches = (await api('GET', '/switches')).switches;
        replaceChildren(
          root,
          h('h1', null, 'Stop'),
          watching?.line,
          field('Search switches and targets', search),
          list,
          newSwitchForm(ctx, (created) => {
            search.value = created;
            void reload();
          }),
        );
        draw();
      } catch (error) {
        ctx.say(`Could not load switches: ${errorText(error)}`, 'error');
      }
    };
    search.addEventListener('input', draw);
    ctx.onAudit(onReceipts);
    await reload();
  },
};

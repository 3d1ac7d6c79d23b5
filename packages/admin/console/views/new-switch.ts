/**
 * A form to create a switch for a target that has none yet, so the Stop
 * view can stop any target (created inactive: stopping is still a separate,
 * confirmed step that states its blast radius).
 */
import { api } from '../api';
import { type AppContext, errorText } from '../app-context';
import { field, h, options } from '../dom';
import { targetLabel } from '../words';

export function newSwitchForm(ctx: AppContext, created: (search: string) => void): HTMLElement {
  const scope = h('select', { id: 'new-scope' }, ...options(['platform', 'action', 'client', 'global']));
  const targetType = h('select', { id: 'new-target-type' }, ...options(['platform', 'action', 'all']));
  const targetValue = h('input', { id: 'new-target', autocomplete: 'off', maxlength: 100 });
  const clientId = h('input', { id: 'new-client', autocomplete: 'off', maxlength: 100 });
  const platform = h('input', { id: 'new-platform', autocomplete: 'off', maxlength: 50 });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'New switch' },
    field('Blast radius (scope)', scope),
    field('Target type', targetType),
    field('Target', targetValue, 'A platform or an action; empty for all.'),
    field('Client (optional)', clientId),
    field('Only on platform (optional, actions)', platform),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Create switch')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body: Record<string, string> = {
      scope: scope.value,
      targetType: targetType.value,
      targetValue: targetType.value === 'all' ? '*' : targetValue.value.trim(),
    };
    if (clientId.value.trim()) body.clientId = clientId.value.trim();
    if (platform.value.trim()) body.platform = platform.value.trim();
    try {
      const { switch: sw } = await api('POST', '/switches', body);
      ctx.say(`Created ${targetLabel(sw)} (not active): stop it below.`, 'ok');
      created(sw.targetValue === '*' ? sw.id : sw.targetValue);
    } catch (error) {
      ctx.say(`Not created: ${errorText(error)}`, 'error');
    }
  });
  return h('details', { class: 'new-switch' }, h('summary', null, 'No switch for this target? Create one'), form);
}

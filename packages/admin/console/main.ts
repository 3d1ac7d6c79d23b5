/**
 * The operator console: sign in (a token, or the identity of an
 * authenticating proxy), then four views over the admin API with live
 * updates and a banner whenever the live connection is lost or stale.
 */
import { ApiError, api, session } from './api';
import { type AppContext, type View, errorText } from './app-context';
import { field, h, replaceChildren } from './dom';
import { type AuditEvent, type LiveState, connectLive } from './live';
import { auditView } from './views/audit';
import { nowView } from './views/now';
import { releaseView } from './views/release';
import { stopView } from './views/stop';
import { formatDuration } from './words';

const VIEWS: View[] = [nowView, stopView, releaseView, auditView];
const app = document.getElementById('app') as HTMLElement;

function signIn(message = ''): void {
  const token = h('input', { type: 'password', id: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = h('p', { role: 'alert', class: 'error', id: 'signin-error' }, message);
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Kill switches · sign in'),
    field('API token', token, 'Create one with: rtv-ks tokens create --role operator --name you'),
    h('button', { type: 'submit' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.set(token.value.trim());
    try {
      await start();
    } catch (error) {
      session.set(null);
      status.textContent =
        error instanceof ApiError && error.status === 401
          ? 'That token is unknown, expired or revoked.'
          : errorText(error);
    }
  });
  replaceChildren(app, h('main', { id: 'main', tabindex: -1 }, form));
  token.focus();
}

function bannerText(state: LiveState, lastFrameAt: number | null): string {
  const since = lastFrameAt ? ` Last update ${formatDuration(Date.now() - lastFrameAt)} ago.` : '';
  if (state === 'down') return `Live updates lost: reconnecting. What you see may be out of date.${since}`;
  if (state === 'stale') return `Live updates are stale: nothing heard from the server recently.${since}`;
  if (state === 'connecting') return 'Connecting to live updates…';
  return '';
}

async function start(): Promise<void> {
  const [{ identity }, policy] = await Promise.all([api('GET', '/whoami'), api('GET', '/policy')]);
  const banner = h('div', { id: 'live-banner', class: 'banner', role: 'status', 'aria-live': 'polite' });
  const liveDot = h('span', { id: 'live-state', class: 'live connecting' }, 'connecting');
  const messages = h('div', { id: 'messages', role: 'status', 'aria-live': 'polite', class: 'messages' });
  const main = h('main', { id: 'main', tabindex: -1 });
  const nav = h(
    'nav',
    { 'aria-label': 'Views' },
    h('ul', null, ...VIEWS.map((v) => h('li', null, h('a', { href: `#${v.id}`, id: `nav-${v.id}` }, v.title)))),
  );
  const signOut = () => {
    stopLive();
    session.set(null);
    location.hash = '';
    signIn();
  };
  const header = h(
    'header',
    null,
    h('strong', { class: 'brand' }, 'Kill switches'),
    nav,
    h('span', { class: 'who' }, `${identity.actor} (${identity.role})`, ' ', liveDot),
    h('button', { type: 'button', id: 'sign-out', class: 'secondary', onclick: signOut }, 'Sign out'),
  );
  let listeners: ((records: AuditEvent[]) => void)[] = [];
  let timers: ReturnType<typeof setInterval>[] = [];
  const ctx: AppContext = {
    identity,
    policy,
    say(message, kind = 'info') {
      replaceChildren(messages, h('p', { class: `message ${kind}` }, message));
    },
    onAudit: (listener) => listeners.push(listener),
    every: (ms, fn) => timers.push(setInterval(fn, ms)),
  };
  const show = async () => {
    const view = VIEWS.find((v) => `#${v.id}` === location.hash) ?? nowView;
    listeners = [];
    for (const t of timers) clearInterval(t);
    timers = [];
    for (const v of VIEWS)
      document.getElementById(`nav-${v.id}`)?.setAttribute('aria-current', v === view ? 'page' : 'false');
    document.title = `${view.title} · kill switches`;
    replaceChildren(messages);
    await view.render(ctx, main);
  };
  const stopLive = connectLive({
    onState(state, lastFrameAt) {
      liveDot.className = `live ${state}`;
      liveDot.textContent = state;
      banner.textContent = bannerText(state, lastFrameAt);
      banner.hidden = state === 'live';
    },
    onAudit: (records) => {
      for (const listener of listeners) listener(records);
    },
    onReconnect: () => void show(),
  });
  banner.textContent = bannerText('connecting', null);
  replaceChildren(app, header, banner, messages, main);
  window.onhashchange = () => {
    void show();
    main.focus({ preventScroll: true });
  };
  await show();
}

// The skip link focuses the content without touching the hash (the hash names the view).
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main')?.focus();
});

// A trusted proxy may already identify the user: try without a token first.
start().catch((error) => {
  if (session.token && error instanceof ApiError && error.status === 401) session.set(null);
  signIn(error instanceof ApiError && error.status === 401 ? '' : errorText(error));
});

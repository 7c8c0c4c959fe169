// The status page: polls /api/status every second and updates the DOM in place (keyed by
// mapping and record, so buttons under the pointer are never replaced mid-click). Data is
// only ever written with textContent: record ids and error reasons come from the shops.
import { createCharts } from './charts.js';

const POLL_MS = 1000;
const TOKEN_KEY = 'mapsync-admin-token';
const $ = (id) => document.getElementById(id);

// A token handed over in the URL fragment (printed by `serve --sandbox`) moves to session
// storage and out of the address bar; fragments never reach the server or its logs.
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('token')) {
  sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
  history.replaceState(null, '', location.pathname);
}

const tokenInput = $('admin-token');
tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
tokenInput.addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, tokenInput.value));
$('admin-form').addEventListener('submit', (event) => event.preventDefault());

const charts = createCharts($('records-chart'), $('requests-chart'));
let lastStatus;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && key !== 'list') node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function setText(node, text) {
  const value = String(text ?? '');
  if (node.textContent !== value) node.textContent = value;
}

/** Keep `container`'s children in the order of `items`, creating/updating by key. */
function syncList(container, items, keyOf, create, update) {
  const existing = new Map([...container.children].map((child) => [child.dataset.key, child]));
  let previous = null;
  for (const item of items) {
    const key = keyOf(item);
    let node = existing.get(key);
    if (node) existing.delete(key);
    else {
      node = create(item);
      node.dataset.key = key;
    }
    update(node, item);
    const expected = previous ? previous.nextSibling : container.firstChild;
    if (node !== expected) container.insertBefore(node, expected);
    previous = node;
  }
  for (const stale of existing.values()) stale.remove();
}

function ago(iso, now) {
  if (!iso) return 'never';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 1) return 'just now';
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

function until(iso, now) {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds <= 0) return 'now';
  if (seconds < 90) return `in ${seconds} s`;
  if (seconds < 5400) return `in ${Math.round(seconds / 60)} min`;
  return `in ${Math.round(seconds / 3600)} h`;
}

const ARROWS = { 'two-way': '⇄', 'one-way': '→' };

function countsText(counts) {
  const parts = Object.entries(counts ?? {})
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`);
  return parts.length ? parts.join(', ') : 'nothing to do';
}

async function admin(path, body) {
  const token = tokenInput.value.trim();
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

function flash(message, kind = 'error') {
  const banner = $('banner');
  banner.textContent = message;
  banner.className = `banner ${kind}`;
  banner.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => {
    banner.hidden = true;
  }, 6000);
}

function action(button, path, body, done) {
  return async () => {
    button.disabled = true;
    try {
      const answer = await admin(path, body);
      if (done) flash(done(answer), 'ok');
      await refresh();
    } catch (error) {
      flash(error.message);
    } finally {
      button.disabled = false;
    }
  };
}

function createMappingCard(m) {
  const name = m.name;
  const base = `/api/mappings/${encodeURIComponent(name)}`;
  const card = el('article', { class: 'panel mapping', 'data-testid': `mapping-${name}` });
  const pause = el('button', { type: 'button', class: 'secondary', 'data-role': 'pause' });
  pause.addEventListener('click', (event) => {
    const paused = card.dataset.paused === 'true';
    action(pause, `${base}/${paused ? 'resume' : 'pause'}`)(event);
  });
  const runNow = el('button', { type: 'button', class: 'secondary', text: 'Run now', 'data-role': 'run' });
  runNow.addEventListener(
    'click',
    action(runNow, `${base}/run`, { mode: 'incremental' }, () => `${name}: run requested`),
  );
  const retryAll = el('button', { type: 'button', text: 'Retry all', 'data-role': 'retry-all' });
  retryAll.addEventListener(
    'click',
    action(retryAll, `${base}/retry`, {}, (a) =>
      a.accepted
        ? `${name}: retry started`
        : `${name}: ${a.succeeded} of ${a.retried} retried records synced`,
    ),
  );
  card.append(
    el(
      'header',
      {},
      el(
        'div',
        {},
        el('h3', { 'data-role': 'title' }),
        el('p', { class: 'flow small', 'data-role': 'flow' }),
        el('p', { class: 'muted small description', 'data-role': 'description' }),
      ),
      el(
        'div',
        { class: 'actions admin-only' },
        el('a', {
          href: `/playground?mapping=${encodeURIComponent(name)}`,
          class: 'small',
          text: 'Playground',
          'data-role': 'playground',
        }),
        runNow,
        pause,
      ),
      el('span', { class: 'badge', 'data-role': 'state' }),
    ),
    el(
      'dl',
      { class: 'stats' },
      stat('Linked', 'linked'),
      stat('Pending', 'pending'),
      stat('Failed', 'failed'),
      stat('Last run', 'last-run'),
    ),
    el('p', { class: 'small', 'data-role': 'actions', 'data-testid': `actions-${name}`, hidden: true }),
    el('p', { class: 'small', 'data-role': 'run-detail' }),
    el(
      'section',
      { class: 'failures', 'data-role': 'failures' },
      el(
        'div',
        { class: 'failures-head' },
        el('span', { 'data-role': 'failures-title' }),
        el('span', { class: 'admin-only' }, retryAll),
      ),
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', { text: 'Record' }),
            el('th', { text: 'Reason' }),
            el('th', { text: 'Failed' }),
            el('th'),
          ),
        ),
        el('tbody', { 'data-role': 'failed-rows' }),
      ),
    ),
  );
  return card;
}

function stat(label, role) {
  const box = el('div', { class: 'stat' });
  box.append(el('dt', { text: label }), el('dd', { 'data-role': role, 'data-testid': role }));
  return box;
}

/** "Done: invoice 12 · credit-note 4 (5 made)": records per action, operations when more. */
function actionsText(actions) {
  const parts = actions.map((a) => `${a.name} ${a.records}${a.made > a.records ? ` (${a.made} made)` : ''}`);
  return parts.length > 0 ? `Done: ${parts.join(' · ')}` : '';
}

function part(card, role) {
  return card.querySelector(`[data-role="${role}"]`);
}

function updateMappingCard(card, m, now, adminEnabled) {
  card.dataset.paused = String(m.paused);
  setText(part(card, 'title'), m.name);
  const children = (m.children ?? []).map((c) => ` + ${c.target.entity}s`).join('');
  setText(
    part(card, 'flow'),
    `${m.source.system} ${m.source.entity} ${ARROWS[m.direction] ?? '→'} ${m.target.system} ${m.target.entity}${children}`,
  );
  const description = part(card, 'description');
  setText(description, m.description ?? '');
  description.title = m.description ?? '';
  const state = part(card, 'state');
  let stateText = 'idle';
  let stateClass = 'badge';
  if (m.paused) {
    stateText = 'paused';
    stateClass += ' warn';
  } else if (m.current) {
    stateText =
      m.current.kind === 'run'
        ? `${m.current.mode} run`
        : m.current.kind === 'records'
          ? 'syncing changes'
          : 'retrying';
    stateClass += ' busy';
  } else if (m.lastRun?.status === 'failed') {
    stateText = 'last run failed';
    stateClass += ' bad';
  }
  setText(state, stateText);
  state.className = stateClass;
  setText(part(card, 'pause'), m.paused ? 'Resume' : 'Pause');
  setText(part(card, 'linked'), m.linked ?? '–');
  setText(part(card, 'pending'), m.pending);
  const actions = part(card, 'actions');
  actions.hidden = !m.actions?.length;
  setText(actions, actionsText(m.actions ?? []));
  const failed = part(card, 'failed');
  setText(failed, m.failed.count);
  failed.className = m.failed.count > 0 ? 'bad' : '';
  const last = m.lastRun;
  const lastRun = part(card, 'last-run');
  setText(
    lastRun,
    last ? `${last.status} · ${ago(last.finishedAt, now)}` : m.current ? 'running…' : 'not yet',
  );
  lastRun.className = last?.status === 'failed' ? 'bad' : last?.status === 'ok' ? 'good' : '';
  const detail = last
    ? `${last.mode} run took ${(last.durationMs / 1000).toFixed(1)} s: ${countsText(last.counts)}${last.error ? ` — ${last.error}` : ''}. Next poll ${until(m.nextPollAt, now)}, full reconciliation ${until(m.nextReconcileAt, now)}.`
    : `First run ${until(m.nextPollAt, now)}.`;
  setText(part(card, 'run-detail'), m.error ? `${detail} Store: ${m.error}` : detail);

  const failures = part(card, 'failures');
  failures.hidden = m.failed.count === 0;
  setText(
    part(card, 'failures-title'),
    `${m.failed.count} failed record${m.failed.count === 1 ? '' : 's'}${m.failed.count > m.failed.items.length ? ` (first ${m.failed.items.length} shown)` : ''}`,
  );
  syncList(
    part(card, 'failed-rows'),
    m.failed.items,
    (f) => `${f.side}:${f.id}`,
    (f) => {
      const retry = el('button', {
        type: 'button',
        text: 'Retry',
        class: 'admin-only',
        'data-testid': `retry-${m.name}-${f.id}`,
      });
      retry.addEventListener(
        'click',
        action(retry, `/api/mappings/${encodeURIComponent(m.name)}/retry`, { id: f.id, side: f.side }, (a) =>
          a.accepted
            ? `${m.name} ${f.id}: retry started`
            : a.succeeded
              ? `${m.name} ${f.id}: synced`
              : `${m.name} ${f.id}: still failing`,
        ),
      );
      return el(
        'tr',
        { 'data-testid': `failed-${m.name}-${f.id}` },
        el('td', { 'data-role': 'record' }),
        el('td', { 'data-role': 'reason', class: 'reason' }),
        el('td', { 'data-role': 'when', class: 'nowrap' }),
        el('td', {}, retry),
      );
    },
    (row, f) => {
      setText(part(row, 'record'), `${f.side === 'source' ? m.source.system : m.target.system} #${f.id}`);
      setText(part(row, 'reason'), f.reason);
      setText(
        part(row, 'when'),
        `${ago(f.failedAt, now)}${f.attempts ? ` · ${f.attempts}×` : ''}${f.stopped ? ' · retries stopped' : ''}`,
      );
    },
  );
  for (const node of card.querySelectorAll('.admin-only')) node.hidden = !adminEnabled;
}

function renderBudget(budget) {
  const box = $('budget');
  if (budget.length === 0) {
    setText(box, 'No rate-limited system configured.');
    return;
  }
  syncList(
    box,
    budget,
    (b) => b.system,
    (b) =>
      el(
        'div',
        { class: 'meter' },
        el('span', { class: 'meter-label', text: b.system }),
        el('span', { class: 'meter-bar' }, el('span', { class: 'meter-fill' })),
        el('span', { class: 'meter-value', 'data-testid': `budget-${b.system}` }),
      ),
    (node, b) => {
      const share = b.limit > 0 ? Math.min(1, b.inUse / b.limit) : 0;
      const fill = node.querySelector('.meter-fill');
      fill.style.width = `${Math.round(share * 100)}%`;
      fill.className = `meter-fill${share >= 0.9 ? ' hot' : share >= 0.6 ? ' warm' : ''}`;
      setText(
        node.querySelector('.meter-value'),
        `${b.inUse} / ${b.limit} per ${b.intervalMs / 1000} s${b.queued ? ` · ${b.queued} waiting` : ''}`,
      );
    },
  );
}

const OUTCOME_WORD = {
  created: 'created',
  updated: 'updated',
  deleted: 'deleted',
  archived: 'archived',
  failed: 'failed',
  linked: 'linked',
  conflict: 'conflict',
};

const BADGE_CLASS = { failed: 'bad', conflict: 'warn' };

/** The detail column: the failure's reason, a conflict's verdict, or the changed properties. */
function feedDetail(e, m) {
  if (e.outcome === 'failed') return e.reason ?? '';
  if (e.outcome === 'conflict') {
    const side = e.winner === 'source' ? m?.source : e.winner === 'target' ? m?.target : undefined;
    const verdict = e.winner === 'none' ? 'left for a person' : `${side ? side.system : e.winner} value won`;
    return `${(e.properties ?? []).join(', ')} changed in both systems: ${verdict} (${e.policy})`;
  }
  return (e.properties ?? []).join(', ');
}

function renderFeed(feed, mappings) {
  const byName = new Map(
    mappings.flatMap((m) => [[m.name, m], ...(m.children ?? []).map((c) => [c.name, c])]),
  );
  $('feed-empty').hidden = feed.length > 0;
  syncList(
    $('feed'),
    feed,
    (e) => `${e.at}|${e.mapping}|${e.side}|${e.id}|${e.outcome}`,
    (e) => {
      const m = byName.get(e.mapping);
      const from = e.side === 'source' ? m?.source : m?.target;
      const towards =
        e.direction === 'to-source' ? m?.source : e.direction === 'to-target' ? m?.target : undefined;
      const time = new Date(e.at).toLocaleTimeString();
      return el(
        'li',
        {
          class: `feed-item ${e.outcome}`,
          'data-mapping': e.mapping,
          'data-id': e.id,
          'data-outcome': e.outcome,
        },
        el('time', { datetime: e.at, text: time }),
        el('span', {
          class: `badge ${BADGE_CLASS[e.outcome] ?? 'good'}`,
          text: OUTCOME_WORD[e.outcome] ?? e.outcome,
        }),
        el(
          'span',
          { class: 'what' },
          el('strong', { text: `${e.mapping} ` }),
          document.createTextNode(`${from ? `${from.system} ${from.entity}` : e.side} #${e.id}`),
          towards ? document.createTextNode(` → ${towards.system}`) : null,
        ),
        el('span', {
          class: e.outcome === 'failed' ? 'reason' : 'props',
          text: feedDetail(e, m),
        }),
      );
    },
    () => {},
  );
}

function renderInfo(info) {
  const panel = $('info-panel');
  if (!info) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const list = $('info');
  if (list.dataset.rendered) return;
  list.dataset.rendered = 'yes';
  for (const [key, value] of Object.entries(info)) {
    list.append(el('dt', { text: key }), el('dd', {}, el('code', { text: String(value) })));
  }
}

function render(status) {
  lastStatus = status;
  const now = Date.parse(status.service.now);
  const s = status.service;
  setText(
    $('service-meta'),
    `v${s.version} · up since ${new Date(s.startedAt).toLocaleString()}${s.draining ? ' · shutting down' : ''}`,
  );
  $('admin-token-label').hidden = !s.adminEnabled;
  setText(
    $('admin-note'),
    s.adminEnabled
      ? ''
      : 'Read-only: retry, pause and resume need MAPSYNC_ADMIN_TOKEN in the service environment.',
  );
  setText($('bucket-seconds'), status.series.records.bucketSeconds);
  renderBudget(status.budget);
  syncList(
    $('mappings'),
    status.mappings,
    (m) => m.name,
    createMappingCard,
    (card, m) => updateMappingCard(card, m, now, s.adminEnabled),
  );
  renderFeed(status.feed, status.mappings);
  renderInfo(s.info);
  charts.update(status.series, status.budget);
}

async function refreshReadiness() {
  try {
    const response = await fetch('/readyz', { cache: 'no-store' });
    const dot = $('health-dot');
    dot.className = `dot ${response.ok ? 'good' : 'bad'}`;
    dot.title = response.ok ? 'ready' : 'not ready: see /readyz';
  } catch {
    $('health-dot').className = 'dot bad';
  }
}

async function refresh() {
  try {
    const response = await fetch('/api/status', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    document.body.dataset.loaded = 'true';
  } catch (error) {
    setText($('service-meta'), `cannot reach the service (${error.message})`);
    $('health-dot').className = 'dot bad';
  }
}

async function loop() {
  await refresh();
  setTimeout(loop, POLL_MS);
}

window.addEventListener('resize', () => {
  if (lastStatus) charts.resize();
});

loop();
refreshReadiness();
setInterval(refreshReadiness, 5000);

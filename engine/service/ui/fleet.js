// The fleet's status pages (web role): `/` lists the tenants, `/tenants/<id>` shows one.
// Everything is written with textContent: tenant names and failure reasons are data, not HTML.
const $ = (id) => document.getElementById(id);
const tenantPath = /^\/tenants\/([a-z0-9][a-z0-9-]{0,62})$/.exec(location.pathname);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function when(iso) {
  if (!iso) return '–';
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (seconds < -1) return `in ${-seconds} s`;
  if (seconds < 90) return `${Math.max(0, seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${new Date(iso).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

function jobText(job) {
  if (!job) return '–';
  const counts = Object.entries(job.counts ?? {})
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const codes = (job.codes ?? []).join(', ');
  return `${job.kind} ${job.outcome} ${when(job.at)}${counts ? ` (${counts})` : ''}${codes ? ` [${codes}]` : ''}`;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function showError(error) {
  $('banner').hidden = false;
  $('banner').textContent = `cannot read the status: ${error.message}`;
  $('health-dot').className = 'dot bad';
}

async function renderList() {
  const data = await getJson('/api/status');
  $('meta').textContent = `version ${data.version} · ${data.tenants.length} tenants`;
  $('jobs').textContent = `jobs: ${
    Object.entries(data.jobs)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'unknown'
  }`;
  const body = $('tenants');
  body.replaceChildren();
  for (const t of data.tenants) {
    const row = el('tr');
    row.dataset.tenant = t.id;
    const link = el('a', t.id);
    link.href = `/tenants/${t.id}`;
    const first = el('td');
    first.append(link);
    row.append(
      first,
      el('td', t.name ?? ''),
      el('td', t.systems.map((s) => `${s.name} (${s.connector})`).join(', ')),
      el('td', t.ownMappings ? 'own' : 'shared'),
      el('td', jobText(t.lastJob)),
    );
    body.append(row);
  }
  $('tenants-empty').hidden = data.tenants.length > 0;
  $('tenants-panel').hidden = false;
}

async function renderTenant(id) {
  const response = await fetch(`/api/status/tenants/${id}`);
  if (response.status === 404) {
    $('tenant-title').textContent = `No tenant "${id}"`;
    $('tenant-panel').hidden = false;
    return;
  }
  if (!response.ok) throw new Error(`status ${response.status}`);
  const t = await response.json();
  $('meta').textContent = `tenant ${t.id}`;
  $('tenant-title').textContent = t.name ? `${t.name} (${t.id})` : t.id;
  $('tenant-meta').textContent =
    `${t.systems.map((s) => `${s.name} (${s.connector})`).join(' ↔ ')} · ${t.ownMappings ? 'own mappings' : 'shared mappings'} · updated ${when(t.updatedAt)}`;
  const list = $('tenant-mappings');
  list.replaceChildren();
  for (const m of t.mappings) {
    const box = el('article', undefined, 'panel mapping');
    box.dataset.mapping = m.name;
    box.append(
      el('h3', m.name),
      el('p', `${m.source.system}.${m.source.entity} → ${m.target.system}.${m.target.entity}`, 'muted small'),
    );
    const stats = el('dl', undefined, 'stats');
    const stat = (label, value, role) => {
      const d = el('div', undefined, 'stat');
      const dd = el('dd', value);
      if (role) dd.dataset.role = role;
      d.append(el('dt', label), dd);
      stats.append(d);
    };
    stat('linked', m.linked, 'linked');
    stat('failed', m.failed.count, 'failed');
    stat('next poll', when(m.nextPollAt));
    stat('next reconciliation', when(m.nextReconcileAt));
    for (const [kind, job] of Object.entries(m.lastJobs)) stat(`last ${kind}`, jobText(job));
    box.append(stats);
    if (m.failed.items.length > 0) {
      const table = el('table', undefined, 'failures');
      const head = el('tr');
      for (const h of ['record', 'code', 'reason', 'attempts', 'next retry']) head.append(el('th', h));
      table.append(head);
      for (const f of m.failed.items) {
        const row = el('tr');
        row.append(
          el('td', `${f.mapping} ${f.side} ${f.id}`),
          el('td', f.code ?? ''),
          el('td', f.reason, 'reason'),
          el('td', f.attempts),
          el('td', f.stopped ? 'retries stopped' : when(f.nextRetryAt)),
        );
        table.append(row);
      }
      box.append(table);
    }
    list.append(box);
  }
  $('tenant-panel').hidden = false;
}

async function refresh() {
  try {
    if (tenantPath) await renderTenant(tenantPath[1]);
    else await renderList();
    $('banner').hidden = true;
    $('health-dot').className = 'dot good';
  } catch (error) {
    showError(error);
  }
}

refresh();
setInterval(refresh, 5000);

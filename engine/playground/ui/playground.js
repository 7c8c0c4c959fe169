// The playground page: pick a mapping and a sample record, edit, and see the payload, the
// way back and every diagnostic, evaluated on the server (debounced, the latest edit wins).
// Nothing is written unless "Save to file" is pressed. Data from the files and the records
// only ever reaches the DOM as text.
import { createEditor } from './editor.js';

const DEBOUNCE_MS = 250;
const TOKEN_KEY = 'mapsync-admin-token';
const $ = (id) => document.getElementById(id);

// A token handed over in the fragment (printed by `mapsync playground` and `serve --sandbox`)
// moves to session storage and out of the address bar; fragments never reach the server.
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('token')) {
  sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
  history.replaceState(null, '', location.pathname + location.search);
}

const state = {
  mappings: [],
  current: undefined, // the listed mapping
  version: undefined, // of the text on disk the edit started from
  saved: '', // that text
  links: {},
  caseName: undefined, // a test case whose input is shown unchanged
  connected: false,
  sequence: 0,
  evaluations: 0,
};

const editor = createEditor({
  textarea: $('text'),
  marks: $('marks'),
  onChange: () => {
    updateButtons();
    schedule();
  },
});

async function api(path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const response = await fetch(`/playground/api/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (response.status === 401 || response.status === 403) $('token-form').hidden = false;
  return { status: response.status, ok: response.ok, answer };
}

function banner(text) {
  $('banner').textContent = text ?? '';
  $('banner').hidden = !text;
}

function option(value, text) {
  const node = document.createElement('option');
  node.value = value;
  node.textContent = text;
  return node;
}

async function load(preferred) {
  const { ok, answer } = await api('mappings');
  if (!ok) return banner(answer.error);
  banner();
  state.mappings = answer.mappings;
  state.connected = answer.connected;
  $('mapping').replaceChildren(
    ...answer.mappings.map((m) =>
      option(
        m.file,
        `${m.name}${m.direction ? ` (${m.direction}, ${m.source.system} ${m.source.entity} → ${m.target.system} ${m.target.entity})` : ''}`,
      ),
    ),
  );
  const wanted =
    answer.mappings.find((m) => m.name === preferred || m.file === preferred) ?? answer.mappings[0];
  if (wanted) select(wanted.file);
  document.body.dataset.ready = 'true';
}

function select(file) {
  const mapping = state.mappings.find((m) => m.file === file);
  state.current = mapping;
  state.version = mapping.version;
  state.saved = mapping.text;
  $('mapping').value = file;
  $('file').textContent = file;
  $('save-result').textContent = '';
  editor.setText(mapping.text);
  const samples = [
    ...mapping.cases.map((c) => option(`case:${c.name}`, `test case: ${c.name}`)),
    option('paste', 'pasted record'),
    ...(state.connected ? [option('live', 'live record by id')] : []),
  ];
  $('sample').replaceChildren(...samples);
  pickSample(samples[0].value);
  const url = new URL(location.href);
  url.searchParams.set('mapping', mapping.name);
  history.replaceState(null, '', url.pathname + url.search);
  updateButtons();
}

function pickSample(value) {
  $('sample').value = value;
  $('live-form').hidden = value !== 'live';
  state.caseName = undefined;
  state.links = {};
  if (value.startsWith('case:')) {
    const testCase = state.current.cases.find((c) => `case:${c.name}` === value);
    state.caseName = testCase.name;
    state.links = testCase.links;
    $('direction').value = testCase.direction;
    $('record').value = JSON.stringify(testCase.input, null, 2);
  } else if (value === 'paste' && !$('record').value.trim()) {
    $('record').value = '{\n}';
  }
  evaluateNow();
}

function updateButtons() {
  const dirty = editor.text !== state.saved;
  $('save').disabled = !dirty;
  $('revert').disabled = !dirty;
  $('state').textContent = dirty ? 'edited (not saved)' : 'as on disk';
}

let timer;
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(evaluateNow, DEBOUNCE_MS);
}

/** The sample as the request names it, or an error to show. */
function sampleRequest() {
  if (state.caseName) return { case: state.caseName };
  const direction = $('direction').value;
  let record;
  try {
    record = JSON.parse($('record').value);
  } catch (error) {
    return { error: `the record is not JSON: ${error.message}` };
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { error: 'the record must be a JSON object' };
  }
  return { record, direction, links: state.links };
}

async function evaluateNow(extra) {
  clearTimeout(timer);
  if (!state.current) return;
  const sample = extra ?? sampleRequest();
  $('record-error').hidden = !sample.error;
  $('record-error').textContent = sample.error ?? '';
  const body = { file: state.current.file, text: editor.text, ...(sample.error ? {} : sample) };
  const sequence = ++state.sequence;
  document.body.dataset.busy = 'true';
  const { ok, answer } = await api('evaluate', body);
  if (sequence !== state.sequence) return; // a newer edit is on its way
  document.body.dataset.busy = 'false';
  if (!ok) {
    banner(answer.error);
    return;
  }
  banner();
  if (extra?.live && answer.input !== undefined) {
    // A fetched record becomes the sample: later edits map it without fetching again.
    $('record').value = JSON.stringify(answer.input, null, 2);
    $('sample').value = 'paste';
    $('live-form').hidden = true;
  }
  show(answer);
  state.evaluations += 1;
  document.body.dataset.evaluations = String(state.evaluations);
}

function show(answer) {
  const own = answer.diagnostics.filter((d) => d.file === answer.file);
  const runtime = [answer.failure, answer.reverseFailure].filter((d) => d && d.file === answer.file);
  editor.setDiagnostics([...own, ...runtime]);
  showDiagnostics([...answer.diagnostics, ...runtime]);
  const what = answer.direction === 'to-source' ? 'the source record' : 'the target record to create';
  $('payload-what').textContent = answer.payload === undefined ? '' : what;
  $('payload').textContent = answer.payload === undefined ? '' : JSON.stringify(answer.payload, null, 2);
  text(
    $('failure'),
    answer.failure &&
      `${answer.failure.code} at ${answer.failure.line}:${answer.failure.col}: ${answer.failure.message}`,
  );
  text(
    $('unlinked'),
    answer.unlinked.length
      ? `$link without an answer (empty in the payload): ${answer.unlinked.join(', ')}`
      : '',
  );
  const reverse = answer.reverse !== undefined || answer.reverseFailure !== undefined;
  $('reverse-box').hidden = !reverse;
  $('reverse').textContent = answer.reverse === undefined ? '' : JSON.stringify(answer.reverse, null, 2);
  text(
    $('reverse-failure'),
    answer.reverseFailure && `${answer.reverseFailure.code}: ${answer.reverseFailure.message}`,
  );
}

function text(node, value) {
  node.textContent = value ?? '';
  node.hidden = !value;
}

function showDiagnostics(list) {
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.filter((d) => d.severity === 'warning').length;
  $('diagnostic-count').textContent =
    `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  $('diagnostics').replaceChildren(
    ...list.map((d) => {
      const item = document.createElement('li');
      item.className = d.severity;
      item.dataset.code = d.code;
      item.textContent = `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code} ${d.message}`;
      if (state.current && d.file === state.current.file && d.line > 0) {
        item.tabIndex = 0;
        item.addEventListener('click', () => editor.focusAt(d.line, d.col));
      }
      return item;
    }),
  );
}

async function save() {
  $('save').disabled = true;
  $('save-result').textContent = 'saving…';
  const { status, ok, answer } = await api('save', {
    file: state.current.file,
    version: state.version,
    text: editor.text,
  });
  if (ok) {
    state.version = answer.version;
    state.saved = editor.text;
    state.current.text = editor.text;
    state.current.version = answer.version;
    const errors = answer.diagnostics.filter((d) => d.severity === 'error').length;
    $('save-result').textContent =
      `saved ${answer.file}; validate: ${errors === 0 ? 'no errors' : `${errors} errors`}` +
      (answer.note ? ` (${answer.note})` : '');
    $('save-result').dataset.outcome = errors === 0 ? 'valid' : 'invalid';
    showDiagnostics(answer.diagnostics);
  } else {
    $('save-result').textContent = `${answer.error}${status === 409 ? '' : ' (nothing was written)'}`;
    $('save-result').dataset.outcome = 'refused';
    if (answer.diagnostics) showDiagnostics(answer.diagnostics);
  }
  updateButtons();
}

$('mapping').addEventListener('change', () => {
  if (editor.text !== state.saved && !confirm('Drop the unsaved edit of this mapping?')) {
    $('mapping').value = state.current.file;
    return;
  }
  select($('mapping').value);
});
$('sample').addEventListener('change', () => pickSample($('sample').value));
$('direction').addEventListener('change', () => {
  state.caseName = undefined;
  schedule();
});
$('record').addEventListener('input', () => {
  // An edited case input is a pasted record (the case's link answers stay).
  state.caseName = undefined;
  schedule();
});
$('live-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const id = $('live-id').value.trim();
  if (id) evaluateNow({ live: { id }, direction: $('direction').value });
});
$('save').addEventListener('click', save);
$('revert').addEventListener('click', () => {
  editor.setText(state.saved);
  updateButtons();
  evaluateNow();
});
$('token-form').hidden = true;
$('token').value = sessionStorage.getItem(TOKEN_KEY) ?? '';
$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  load(state.current?.name);
});
window.addEventListener('beforeunload', (event) => {
  if (state.current && editor.text !== state.saved) event.preventDefault();
});

load(new URLSearchParams(location.search).get('mapping') ?? undefined);

// The dashboard: loads the journey model, then keeps the map, the opportunities and the FAQ table of the
// chosen persona and window up to date from /v1/stream (a refresh within about a second of a change),
// plus a slow timer so a relative window keeps sliding when nothing happens. A click on a figure (a
// drill-down button, drill.js) opens the conversations behind it in the transcript view, in the window and
// persona of the map on screen.
import { Unauthorized, download, getJson, readToken, saveToken } from './api.js';
import { Controls } from './controls.js';
import { el, fill } from './dom.js';
import { drillButton, drillOf, setDrill } from './drill.js';
import { count } from './format.js';
import { FaqView } from './faq_view.js';
import { MapView } from './map_view.js';
import { openStream } from './stream.js';
import { TranscriptView } from './transcript_view.js';

const byId = (id) => document.getElementById(id);
const FAQ_LIMIT = 50;
const SLIDE_MS = 60e3;

const state = {
  journey: null,
  map: null,
  mapQuery: '',  // the query the map on screen was read with: drill-downs use its window and persona
  faq: null,
  opportunities: null,  // what the opportunities list shows (drawn anew only when it changes)
  mapView: null,
  faqView: null,
  transcript: null,
  controls: null,
  stream: null,
  pending: null,
  refreshing: false,
  again: false,
};

function showError(message) {
  const panel = byId('error-panel');
  panel.hidden = !message;
  panel.textContent = message || '';
}

function setLive(status) {
  const live = byId('live');
  live.dataset.state = status;
  live.textContent = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…',
                       unauthorized: 'token needed' }[status] || status;
  live.title = status === 'live' ? 'Updates arrive as events are tagged' : 'Not receiving live updates right now';
}

function askForToken(message) {
  byId('token-panel').hidden = false;
  byId('token-error').textContent = message || '';
  byId('content').hidden = true;
  byId('token').focus();
}

function updateExports() {
  const q = state.controls.query();
  byId('export-map-csv').href = '/v1/map.csv?' + q;
  byId('export-map-mmd').href = '/v1/map.mmd?' + q;
  byId('export-faq-csv').href = '/v1/faq.csv?' + q;
  const { from, to } = state.controls.range();
  byId('window-label').textContent = new Date(from).toLocaleString() + ' – ' + new Date(to).toLocaleString();
}

// What an opportunity opens: a cell's conversations with pain; for a transition (customers who went no
// further than a stage), the conversations at that stage.
function opportunityFilters(o) {
  if (o.kind === 'cell') return { stage: o.stage, touchpoint: o.touchpoint, pain: 'any' };
  return { stage: o.stage, touchpoint: o.touchpoint };
}

// Drawn anew only when the list changed, so a live refresh leaves the buttons (and the focus) alone.
function renderOpportunities(list) {
  const ol = byId('opportunities');
  const text = JSON.stringify((list || []).map((o) => [o.kind, o.stage, o.touchpoint, o.line, Math.round(o.impact)]));
  if (state.opportunities === text) return;
  state.opportunities = text;
  const items = (list || []).map((o) => {
    const button = drillButton('opportunity-drill', opportunityFilters(o), 'Opportunity: ' + o.line, o.line);
    setDrill(button, 'Opportunity: ' + o.line);
    return el('li', { class: 'opportunity-' + o.kind }, button,
              el('span', { class: 'impact' }, ' · impact ' + count(Math.round(o.impact))));
  });
  fill(ol, items.length ? items : [el('li', { class: 'none' }, 'Nothing stands out in this window.')]);
}

async function showEmptyStateIfNoData(map) {
  const windowEmpty = map.touchpoints.every((t) => t.interactions === 0) && !(map.unstaged && map.unstaged.interactions > 0);
  if (!windowEmpty) {
    byId('empty-panel').hidden = true;
    byId('window-empty-panel').hidden = true;
    return;
  }
  const any = await getJson('/v1/interactions?limit=1');
  const nothingYet = !any.interactions || any.interactions.length === 0;
  byId('empty-panel').hidden = !nothingYet;
  byId('window-empty-panel').hidden = nothingYet;
}

// One refresh at a time; a change arriving meanwhile asks for one more.
async function refresh() {
  if (state.refreshing) {
    state.again = true;
    return;
  }
  state.refreshing = true;
  try {
    const q = state.controls.query();
    const [map, faq] = await Promise.all([getJson('/v1/map?' + q), getJson(`/v1/faq?${q}&limit=${FAQ_LIMIT}`)]);
    state.map = map;
    state.mapQuery = q;
    byId('map-grid').dataset.query = q;  // which window is on screen (the controls may be ahead of it)
    state.faq = faq;
    state.mapView.render(map, state.controls.shadeBy());
    state.faqView.render(faq);
    renderOpportunities(map.opportunities);
    const unstaged = map.unstaged ? map.unstaged.interactions : 0;
    byId('unstaged').hidden = !(unstaged > 0);
    byId('unstaged').querySelector('.v-unstaged').textContent = count(unstaged);
    await showEmptyStateIfNoData(map);
    updateExports();
    byId('updated').textContent = new Date().toLocaleTimeString();
    byId('updated').dateTime = new Date().toISOString();
    document.body.dataset.ready = 'true';
    showError('');
  } catch (e) {
    if (e instanceof Unauthorized) askForToken(readToken() ? 'That token was refused.' : '');
    else showError('Could not load the map: ' + e.message);
  } finally {
    state.refreshing = false;
    if (state.again) {
      state.again = false;
      scheduleRefresh(0);
    }
  }
}

function scheduleRefresh(delayMs) {
  if (state.pending) return;
  state.pending = setTimeout(() => {
    state.pending = null;
    refresh();
  }, delayMs);
}

function startStream() {
  if (state.stream) state.stream.close();
  state.stream = openStream('/v1/stream', (message) => {
    if (message.event === 'map' || message.event === 'faq') scheduleRefresh(100);
  }, (status) => {
    setLive(status);
    if (status === 'unauthorized') askForToken('');
    if (status === 'live') scheduleRefresh(0);  // catch up on what happened while disconnected
  });
}

async function start() {
  byId('curl-line').textContent =
    `curl -X POST ${location.origin}/v1/events -H 'Content-Type: application/json' -d ` +
    `'{"id":"first-1","type":"message","anonymous_id":"visitor-1","channel":"chatbot","role":"user","text":"Where is my order?"}'`;
  byId('copy-curl').addEventListener('click', async () => {
    const text = byId('curl-line').textContent;
    try {
      await navigator.clipboard.writeText(text);
      byId('copy-curl').textContent = 'Copied';
    } catch (_) {
      getSelection().selectAllChildren(byId('curl-line'));
    }
  });
  for (const id of ['export-map-csv', 'export-map-mmd', 'export-faq-csv']) {
    byId(id).addEventListener('click', (e) => {
      if (!readToken()) return;  // open daemon: the plain link works
      e.preventDefault();
      const a = e.currentTarget;
      const name = 'touchpoint-' + id.replace('export-', '').replace('-csv', '.csv').replace('-mmd', '.mmd');
      download(a.getAttribute('href'), name).catch((err) => showError('Export failed: ' + err.message));
    });
  }
  byId('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    saveToken(byId('token').value.trim());
    byId('token').value = '';
    byId('token-panel').hidden = true;
    byId('content').hidden = false;
    boot();
  });

  state.controls = new Controls((what) => {
    if (what === 'shade' && state.map) state.mapView.render(state.map, state.controls.shadeBy());
    else scheduleRefresh(0);
  });
  byId('content').addEventListener('click', (e) => {
    const button = e.target.closest('button.drill');
    if (!button || button.disabled || !state.transcript) return;
    openDrill(button);
  });
  setInterval(() => {
    if (state.controls.isRelative() && state.journey) scheduleRefresh(0);
  }, SLIDE_MS);
  boot();
}

function openDrill(button) {
  const drill = drillOf(button);
  if (drill.filters.cluster !== undefined && state.faq) {
    const cluster = (state.faq.clusters || []).find((c) => String(c.id) === drill.filters.cluster);
    if (cluster) drill.phrasings = cluster.phrasings || [];
  }
  const label = state.map
    ? new Date(state.map.from).toLocaleString() + ' – ' + new Date(state.map.to).toLocaleString()
    : '';
  state.transcript.open(drill, button, state.mapQuery, label);
}

async function boot() {
  try {
    state.journey = await getJson('/v1/journey');
  } catch (e) {
    if (e instanceof Unauthorized) return askForToken(readToken() ? 'That token was refused.' : '');
    return showError('Could not reach the daemon: ' + e.message);
  }
  if (!state.mapView) {
    state.controls.setPersonas(state.journey.personas);
    state.mapView = new MapView(byId('map-grid'), state.journey);
    state.faqView = new FaqView(byId('faq-table'), byId('faq-empty'), state.journey);
    state.transcript = new TranscriptView(byId('transcript'), state.journey,
                                          () => askForToken(readToken() ? 'That token was refused.' : ''));
  }
  await refresh();
  startStream();
}

start();

// The transcript view: the conversations behind a clicked figure, in a modal <dialog> over the page.
// GET /v1/conversations with the figure's filters and the window and persona of the map on screen, PAGE_SIZE
// at a time, newest first; "More" follows next_cursor until it is null. The heading says what was clicked and
// the exact total. Every received string (chat text, ids, names, URLs) is set as text through dom.js: a URL
// is shown, never made a link. Escape or the close button closes it and focus goes back to the figure.
import { Unauthorized, getJson } from './api.js';
import { el, fill } from './dom.js';
import { findDrill } from './drill.js';
import { count } from './format.js';
import { phrasingList } from './faq_view.js';

export const PAGE_SIZE = 20;

const ROLE_NAMES = { user: 'Customer', bot: 'Bot', agent: 'Agent' };
const TYPE_NAMES = { page: 'Page view', track: 'Event', identify: 'Identify', feedback: 'Feedback', handoff: 'Hand-off',
                     message: 'Message' };

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

function timeEl(iso, short) {
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime()) ? String(iso) : short ? d.toLocaleTimeString() : d.toLocaleString();
  return el('time', { datetime: iso, title: when(iso) }, text);
}

export class TranscriptView {
  // `dialog`: the page's #transcript; `journey`: /v1/journey (names for ids); `onUnauthorized`: called when
  // the read token is missing or refused.
  constructor(dialog, journey, onUnauthorized) {
    this.dialog = dialog;
    this.onUnauthorized = onUnauthorized;
    this.names = {
      stage: new Map(journey.stages.map((s) => [s.id, s.name])),
      touchpoint: new Map(journey.touchpoints.map((t) => [t.id, t.name])),
      persona: new Map((journey.personas || []).map((p) => [p.id, p.name])),
    };
    const q = (sel) => dialog.querySelector(sel);
    this.title = q('#transcript-title');
    this.total = q('.v-total');
    this.totalUnit = q('.total-unit');
    this.scope = q('.transcript-scope');
    this.phrasings = q('.transcript-phrasings');
    this.list = q('.conversations');
    this.status = q('.transcript-status');
    this.more = q('.transcript-more');
    this.generation = 0;
    this.next = null;
    this.shown = 0;
    q('.transcript-close').addEventListener('click', () => this.close());
    this.more.addEventListener('click', () => this.load(this.next));
    // Escape closes here rather than through the dialog's own cancel, so the focus is back on the figure
    // when the dialog is gone (the 'close' event comes a task later).
    dialog.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      this.close();
    });
    dialog.addEventListener('close', () => {
      if (!dialog.open) this.closed();
    });
  }

  // After the dialog closed, however it was closed: a page still on its way is dropped and the focus goes back
  // to the figure (or to the same figure drawn anew by a live update meanwhile).
  closed() {
    if (!this.opener) return;
    this.generation += 1;
    delete this.dialog.dataset.state;
    const opener = this.opener.isConnected ? this.opener : findDrill(this.opener);
    this.opener = null;
    if (opener && !opener.disabled) opener.focus();
  }

  name(kind, id) {
    return this.names[kind].get(id) || id;
  }

  // Opens the view for `drill` ({filters, what, phrasings?}) in the window `windowQuery` (the map's
  // from/to/persona as a query string); `opener` gets the focus back on close.
  open(drill, opener, windowQuery, windowLabel) {
    this.generation += 1;
    this.opener = opener;
    const params = new URLSearchParams(windowQuery);
    for (const [key, value] of Object.entries(drill.filters)) params.set(key, value);
    params.set('limit', String(PAGE_SIZE));
    this.query = params.toString();
    this.dialog.dataset.query = this.query;
    this.next = null;
    this.shown = 0;

    this.title.textContent = drill.what || 'Conversations';
    this.total.textContent = '…';
    this.totalUnit.textContent = ' conversations';
    const f = drill.filters;
    const parts = [];
    if (f.stage) parts.push('at stage ' + this.name('stage', f.stage));
    if (f.touchpoint) parts.push('on ' + this.name('touchpoint', f.touchpoint));
    if (f.pain) parts.push(f.pain === 'any' ? 'with a pain signal' : 'with the pain "' + f.pain + '"');
    if (f.cluster !== undefined) parts.push('asking this question');
    const persona = params.get('persona');
    fill(this.scope,
         'with an interaction ' + (parts.length ? parts.join(' ') : 'of any kind') + ' · ',
         windowLabel || '', ' · ', persona ? 'persona ' + this.name('persona', persona) : 'all personas');
    this.phrasings.hidden = !drill.phrasings;
    fill(this.phrasings, drill.phrasings ? [el('h3', {}, 'Asked as'), phrasingList(drill.phrasings)] : []);
    fill(this.list);
    this.more.hidden = true;
    if (!this.dialog.open) this.dialog.showModal();
    this.load(null);
  }

  close() {
    if (this.dialog.open) this.dialog.close();
    this.closed();
  }

  async load(cursor) {
    const generation = this.generation;
    this.dialog.dataset.state = 'loading';
    this.more.disabled = true;
    this.status.textContent = 'Loading…';
    try {
      const page = await getJson('/v1/conversations?' + this.query + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      if (generation !== this.generation) return;
      this.total.textContent = count(page.total);
      this.totalUnit.textContent = page.total === 1 ? ' conversation' : ' conversations';
      const items = page.conversations.map((c) => this.conversation(c));
      this.list.append(...items);
      this.shown += items.length;
      this.next = page.next_cursor || null;
      this.more.hidden = !this.next;
      this.more.disabled = false;
      this.status.textContent = page.total ? `Showing ${count(this.shown)} of ${count(page.total)}, newest first.`
                                           : 'No conversations match in this window.';
      this.dialog.dataset.state = 'ready';
      // After "More", the first new conversation takes the focus (the button may be gone).
      if (cursor && items.length) items[0].querySelector('.conversation-title').focus();
    } catch (e) {
      if (generation !== this.generation) return;
      if (e instanceof Unauthorized) {
        this.close();
        this.onUnauthorized();
        return;
      }
      this.status.textContent = 'Could not load the conversations: ' + e.message;
      this.dialog.dataset.state = 'error';
      this.more.disabled = false;
      this.more.hidden = cursor === null;  // "More" retries a failed page
    }
  }

  conversation(c) {
    const names = (kind, ids) => (ids && ids.length ? ids.map((id) => this.name(kind, id)).join(', ') : '–');
    const fact = (label, cls, ...value) => [el('dt', {}, label), el('dd', { class: cls }, ...value)];
    const turns = (c.turns || []).map((t) => this.turn(t));
    return el('li', { class: 'conversation', dataset: { id: c.id } },
              el('h3', { class: 'conversation-title', tabindex: '-1' }, 'Conversation ', el('span', { class: 'v-id' }, c.id)),
              el('dl', { class: 'conversation-facts' },
                 fact('Customer', 'v-customer', c.customer_id === null || c.customer_id === undefined ? 'anonymous' : c.customer_id),
                 fact('Started', 'v-started', timeEl(c.started_at)),
                 fact('Ended', 'v-ended', timeEl(c.ended_at)),
                 fact('Stages', 'v-stages', names('stage', c.stages)),
                 fact('Touchpoints', 'v-touchpoints', names('touchpoint', c.touchpoints)),
                 fact('Pain', 'v-pain', c.pain && c.pain.length ? c.pain.join(', ') : 'none'),
                 fact('Rating', 'v-rating', c.rating === null || c.rating === undefined ? '–' : c.rating + '/5')),
              el('ol', { class: 'turns' }, turns),
              c.turns_omitted ? el('p', { class: 'help' }, count(c.turns_omitted) + ' more turns not shown.') : null);
  }

  turn(t) {
    const role = t.role || 'none';
    const who = t.role ? ROLE_NAMES[t.role] || t.role : TYPE_NAMES[t.type] || t.type;
    const tags = t.tags || {};
    const flags = [];
    if (t.intent) flags.push(el('span', { class: 'flag intent' }, 'intent: ', t.intent));
    if (t.fallback) flags.push(el('span', { class: 'flag fallback' }, 'fallback'));
    if (t.escalated) flags.push(el('span', { class: 'flag escalated' }, 'escalated'));
    if (t.rating !== null && t.rating !== undefined) flags.push(el('span', { class: 'flag rating' }, 'rated ' + t.rating + '/5'));
    const where = [tags.stage ? this.name('stage', tags.stage) : null, tags.touchpoint ? this.name('touchpoint', tags.touchpoint) : null]
      .filter((x) => x);
    const pain = (tags.pain || []).map((p) => el('span', { class: 'pain-reason' }, p));
    let body;
    if (t.text !== null && t.text !== undefined) body = el('p', { class: 'turn-text' }, t.text);
    else if (t.name || t.url) {
      body = el('p', { class: 'turn-page' }, t.name ? el('span', { class: 'page-name' }, t.name) : null,
                t.name && t.url ? ' ' : null, t.url ? el('span', { class: 'page-url' }, t.url) : null);
    }
    return el('li', { class: 'turn', dataset: { role } },
              el('div', { class: 'turn-meta' },
                 el('span', { class: 'role' }, who), ' ', timeEl(t.timestamp, true),
                 where.length ? el('span', { class: 'turn-where' }, where.join(' / ')) : null,
                 flags, pain.length ? el('span', { class: 'turn-pain' }, 'pain: ', pain) : null),
              body);
  }
}

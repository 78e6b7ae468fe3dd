// The FAQ pain-point table: clusters by pain score with their rates, trend and opportunity. A click (or
// Enter) on a question opens its examples, its phrasings and the stage / touchpoint breakdown. Open rows
// stay open across live updates. The "Asked" count is a drill-down button (drill.js): it opens the
// conversations that asked the question (cluster=<id>).
import { el, fill, setText } from './dom.js';
import { drillButton, setDrill } from './drill.js';
import { count, percent, rating, trend } from './format.js';

function breakdown(counts, names) {
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([id, n]) => (names.get(id) || id) + ' ' + count(n)).join(', ') : '–';
}

// The cluster's distinct phrasings, most asked first, each with how often it was asked.
export function phrasingList(phrasings) {
  const items = (phrasings || []).map((p) => el('li', {}, el('span', { class: 'phrasing' }, p.text), ' ',
                                                 el('span', { class: 'phrasing-count' }, '×' + count(p.count))));
  return items.length ? el('ul', { class: 'phrasings' }, items) : el('p', {}, '–');
}

export class FaqView {
  constructor(table, empty, journey) {
    this.body = table.tBodies[0];
    this.empty = empty;
    this.stageNames = new Map(journey.stages.map((s) => [s.id, s.name]));
    this.touchpointNames = new Map(journey.touchpoints.map((t) => [t.id, t.name]));
    this.open = new Set();
    this.rows = new Map();  // cluster id -> {row, details}
    this.order = '';
  }

  render(faq) {
    const clusters = faq.clusters || [];
    this.empty.hidden = clusters.length > 0;
    const order = clusters.map((c) => c.id).join(',');
    const seen = new Set();
    for (const c of clusters) {
      seen.add(c.id);
      let entry = this.rows.get(c.id);
      if (!entry) {
        entry = this.create(c);
        this.rows.set(c.id, entry);
      }
      this.update(entry, c);
    }
    for (const id of [...this.rows.keys()]) if (!seen.has(id)) this.rows.delete(id);
    if (order !== this.order) {
      fill(this.body, clusters.map((c) => {
        const e = this.rows.get(c.id);
        return [e.row, e.details];
      }));
      this.order = order;
    }
  }

  create(c) {
    const toggle = el('button', { type: 'button', class: 'expand', 'aria-expanded': 'false' }, el('span', { class: 'label' }));
    const cells = {};
    const num = (name) => (cells[name] = el('td', { class: 'num v-' + name }));
    const drill = drillButton('faq-drill', { cluster: c.id }, 'FAQ: ' + c.label, el('span', { class: 'v-asked' }));
    cells.count = el('td', { class: 'num v-count' }, drill);
    const row = el('tr', { class: 'cluster', dataset: { cluster: c.id } },
                   el('td', { class: 'question' }, toggle),
                   cells.count, num('customers'), num('unanswered'), num('escalated'), num('negative'), num('rating'),
                   num('trend'), num('pain'), (cells.opportunity = el('td', { class: 'opportunity' })));
    const details = el('tr', { class: 'cluster-details', hidden: true, dataset: { cluster: c.id } },
                       el('td', { colspan: 10 }));
    toggle.addEventListener('click', () => {
      const opening = details.hidden;
      details.hidden = !opening;
      toggle.setAttribute('aria-expanded', String(opening));
      if (opening) this.open.add(c.id);
      else this.open.delete(c.id);
    });
    return { row, details, toggle, cells, drill };
  }

  update(entry, c) {
    const { cells, toggle, details, drill } = entry;
    setText(toggle.querySelector('.label'), c.label);
    setText(drill.querySelector('.v-asked'), count(c.count));
    drill.dataset.what = 'FAQ: ' + c.label;
    setDrill(drill, `Asked ${count(c.count)} times: "${c.label}"`, c.count > 0);
    setText(cells.customers, count(c.customers));
    setText(cells.unanswered, percent(c.unanswered_rate));
    setText(cells.escalated, percent(c.escalation_rate));
    setText(cells.negative, percent(c.negative_rate));
    setText(cells.rating, rating(c.avg_rating));
    const t = trend(c.trend);
    setText(cells.trend, t.arrow + ' ' + t.text);
    cells.trend.dataset.direction = t.direction;
    cells.trend.title = 'previous window: ' + count(c.trend ? c.trend.previous : 0);
    setText(cells.pain, c.pain_score.toFixed(1));
    setText(cells.opportunity, c.opportunity || '');

    const examples = (c.examples || []).map((x) => el('li', {}, x));
    fill(details.cells[0],
         el('div', { class: 'detail-grid' },
            el('div', {}, el('h3', {}, 'Examples'), examples.length ? el('ul', { class: 'examples' }, examples) : el('p', {}, '–'),
               el('h3', {}, 'Phrasings'), phrasingList(c.phrasings)),
            el('div', {},
               el('h3', {}, 'Where it is asked'),
               el('p', {}, el('strong', {}, 'Stages: '), breakdown(c.stages, this.stageNames)),
               el('p', {}, el('strong', {}, 'Touchpoints: '), breakdown(c.touchpoints, this.touchpointNames)),
               c.intent ? el('p', {}, el('strong', {}, 'Bot intent: '), c.intent) : null)));
  }
}

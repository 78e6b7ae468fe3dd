// The journey map as people draw it: stages as columns in journey order, touchpoints as rows, a cell per
// pair with interactions, customers and pain (numbers, shaded by pain or volume), the emotion curve across
// the stages, and what happens between stages (conversion, drop-off, time to next, where drop-offs went).
// The figures are drill-down buttons (drill.js): a cell opens its conversations, its pain share those with
// pain, a stage's figures its conversations, the stage's pain share and each top reason those with pain.
import { el, fill, flash, setText } from './dom.js';
import { drillButton, setDrill } from './drill.js';
import { count, duration, level, percent, sentiment, share } from './format.js';
import { drawCurve } from './curve_view.js';

const key = (stage, touchpoint) => stage + '\u0000' + touchpoint;

// "(none)" is the API's key for interactions without a stage or touchpoint.
function topEntries(counts, names, limit) {
  return Object.entries(counts || {})
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([id, n]) => (id === '(none)' ? 'none' : names.get(id) || id) + ' ' + count(n));
}

export class MapView {
  constructor(table, journey) {
    this.table = table;
    this.journey = journey;
    this.stageNames = new Map(journey.stages.map((s) => [s.id, s.name]));
    this.touchpointNames = new Map(journey.touchpoints.map((t) => [t.id, t.name]));
    this.layout = '';
    this.cells = new Map();
    this.stageCells = new Map();
    this.footCells = new Map();
  }

  // Rows are the touchpoints with interactions at some stage in the window, in journey order (interactions
  // without a stage are counted below the map, not as an empty row).
  rowsOf(map) {
    const active = new Set(map.cells.map((c) => c.touchpoint));
    return this.journey.touchpoints.filter((t) => active.has(t.id)).map((t) => t.id);
  }

  render(map, shadeBy) {
    const rows = this.rowsOf(map);
    const layout = map.stages.map((s) => s.id).join(',') + '|' + rows.join(',');
    if (layout !== this.layout) this.build(map.stages, rows);
    this.layout = layout;

    const byKey = new Map(map.cells.map((c) => [key(c.stage, c.touchpoint), c]));
    let maxInteractions = 0;
    for (const c of map.cells) maxInteractions = Math.max(maxInteractions, c.interactions);
    for (const [k, cell] of this.cells) this.fillCell(cell, byKey.get(k), shadeBy, maxInteractions);

    for (const stage of map.stages) this.fillStage(stage);
    drawCurve(this.curveCell, map.stages);
  }

  build(stages, rows) {
    const [thead, tbody, tfoot] = [this.table.tHead, this.table.tBodies[0], this.table.tFoot];
    this.cells.clear();
    this.stageCells.clear();
    this.footCells.clear();

    const head = el('tr', {}, el('th', { scope: 'col', class: 'corner' }, 'Touchpoint \\ Stage'));
    for (const s of stages) {
      const th = el('th', { scope: 'col', class: 'stage', dataset: { stage: s.id } },
                    el('span', { class: 'stage-name' }, s.name),
                    drillButton('stage-figures', { stage: s.id }, 'Stage: ' + s.name,
                                el('span', { class: 'v-customers' }), ' customers · ', el('span', { class: 'v-interactions' }), ' interactions'));
      this.stageCells.set(s.id, th);
      head.append(th);
    }
    const curveCell = el('td', { colspan: stages.length, class: 'curve-cell' });
    const curveRow = el('tr', { class: 'curve-row' }, el('th', { scope: 'row' }, 'Emotion curve'), curveCell);
    const sentimentRow = el('tr', { class: 'sentiment-row' }, el('th', { scope: 'row' }, 'Mean sentiment'));
    for (const s of stages) {
      const td = el('td', { class: 'num', dataset: { stage: s.id } }, el('span', { class: 'v-sentiment' }));
      sentimentRow.append(td);
    }
    fill(thead, head, curveRow, sentimentRow);
    this.curveCell = curveCell;

    const body = [];
    for (const tp of rows) {
      const tpName = this.touchpointNames.get(tp) || tp;
      const tr = el('tr', { dataset: { touchpoint: tp } }, el('th', { scope: 'row' }, tpName));
      for (const s of stages) {
        const where = s.name + ' / ' + tpName;
        const td = el('td', { class: 'cell', dataset: { stage: s.id, touchpoint: tp } },
                      drillButton('cell-drill', { stage: s.id, touchpoint: tp }, 'Map cell: ' + where,
                                  el('span', { class: 'figure' }, el('span', { class: 'v-interactions' }), el('span', { class: 'unit' }, ' interactions')),
                                  el('span', { class: 'figure' }, el('span', { class: 'v-customers' }), el('span', { class: 'unit' }, ' customers'))),
                      drillButton('cell-pain-drill', { stage: s.id, touchpoint: tp, pain: 'any' }, 'Pain in map cell: ' + where,
                                  el('span', { class: 'figure pain' }, el('span', { class: 'v-pain' }), el('span', { class: 'unit' }, ' pain'))),
                      el('ul', { class: 'cell-faq' }));
        this.cells.set(key(s.id, tp), td);
        tr.append(td);
      }
      body.push(tr);
    }
    fill(tbody, body);

    const footRow = (label, cls, content) => {
      const tr = el('tr', { class: cls }, el('th', { scope: 'row' }, label));
      for (const s of stages) {
        const td = el('td', { dataset: { stage: s.id } }, content ? content(s) : null);
        this.footCells.set(cls + ':' + s.id, td);
        tr.append(td);
      }
      return tr;
    };
    // The stage's pain share opens its conversations with any pain; each top reason, those with that reason.
    const painContent = (s) => [
      drillButton('stage-pain-drill', { stage: s.id, pain: 'any' }, 'Pain at ' + s.name + ': any reason',
                  el('span', { class: 'v-stage-pain' })),
      el('span', { class: 'pain-reasons' }),
    ];
    fill(tfoot,
         footRow('Pain at this stage', 'foot-pain', painContent),
         footRow('Went on to a later stage', 'foot-conversion'),
         footRow('Time to next stage', 'foot-time'),
         footRow('Drop-offs went next', 'foot-after'));
  }

  fillCell(td, cell, shadeBy, maxInteractions) {
    const q = (sel) => td.querySelector(sel);
    const interactions = cell ? cell.interactions : 0;
    const painRate = cell ? share(cell.pain.interactions, cell.interactions) : null;
    setText(q('.v-interactions'), count(interactions));
    setText(q('.v-customers'), count(cell ? cell.customers : 0));
    setText(q('.v-pain'), percent(painRate));
    const where = `${this.stageNames.get(td.dataset.stage)} / ${this.touchpointNames.get(td.dataset.touchpoint)}`;
    setDrill(q('.cell-drill'), `${count(interactions)} interactions, ${count(cell ? cell.customers : 0)} customers at ${where}`,
             interactions > 0);
    setDrill(q('.cell-pain-drill'), `${percent(painRate)} of interactions with pain at ${where}`,
             !!cell && cell.pain.interactions > 0);
    td.classList.toggle('empty', !cell);
    const shade = shadeBy === 'volume' ? level(share(interactions, maxInteractions)) : level(painRate);
    td.className = td.className.replace(/\bshade-\d\b/g, '').trim() + ' shade-' + shade;
    td.classList.toggle('by-volume', shadeBy === 'volume');

    const faq = cell && cell.faq ? cell.faq : [];
    const list = q('.cell-faq');
    const text = faq.map((f) => f.label + ' (' + f.count + ')').join('\n');
    if (list.dataset.text !== text) {
      list.dataset.text = text;
      fill(list, faq.map((f) => el('li', { title: f.label }, el('span', { class: 'faq-label' }, f.label), ' ',
                                   el('span', { class: 'faq-count' }, '×' + count(f.count)))));
    }
    const reasons = cell ? cell.pain.top.map((r) => r.reason + ' ' + r.count).join(', ') : '';
    td.title = cell ? `${this.stageNames.get(cell.stage)} / ${this.touchpointNames.get(cell.touchpoint)}` +
                          (reasons ? '\npain: ' + reasons : '') : '';
  }

  fillStage(stage) {
    const th = this.stageCells.get(stage.id);
    if (!th) return;
    setText(th.querySelector('.v-customers'), count(stage.customers));
    setText(th.querySelector('.v-interactions'), count(stage.interactions));
    setDrill(th.querySelector('.stage-figures'),
             `${count(stage.customers)} customers, ${count(stage.interactions)} interactions at ${stage.name}`, stage.interactions > 0);
    const sentimentCell = this.table.tHead.querySelector(`.sentiment-row td[data-stage="${CSS.escape(stage.id)}"] .v-sentiment`);
    if (sentimentCell) setText(sentimentCell, sentiment(stage.sentiment));

    const foot = (row) => this.footCells.get(row + ':' + stage.id);
    this.fillStagePain(foot('foot-pain'), stage);
    const last = this.journey.stages.length && this.journey.stages[this.journey.stages.length - 1].id === stage.id;
    setText(foot('foot-conversion'), last ? 'last stage' : stage.conversion_to_next === null
      ? '–'
      : percent(stage.conversion_to_next) + ' continued · ' + count(stage.dropoff) + ' dropped off');
    const t = stage.time_to_next_s || {};
    setText(foot('foot-time'), last || t.median === null || t.median === undefined
      ? '–'
      : 'median ' + duration(t.median) + ' · p90 ' + duration(t.p90));
    const after = stage.after_dropoff || {};
    const touchpoints = topEntries(after.touchpoints, this.touchpointNames, 2);
    const stages = topEntries(after.stages, this.stageNames, 2);
    setText(foot('foot-after'), touchpoints.length ? touchpoints.join(', ') + ' · stage: ' + stages.join(', ') : '–');
  }

  // "33% · unanswered 12, escalated 5": the share and the top two reasons, each a drill-down button.
  fillStagePain(td, stage) {
    const pain = stage.pain || { interactions: 0, top: [] };
    const rate = stage.interactions ? percent(share(pain.interactions, stage.interactions)) : '–';
    setText(td.querySelector('.v-stage-pain'), rate);
    setDrill(td.querySelector('.stage-pain-drill'), `${rate} of interactions with pain at ${stage.name}`, pain.interactions > 0);
    const top = stage.interactions ? pain.top.slice(0, 2) : [];
    const reasons = td.querySelector('.pain-reasons');
    // The same reasons: their counts change in place (a focused button stays); others: drawn anew.
    const key = top.map((r) => r.reason).join('\n');
    if (reasons.dataset.reasons !== key) {
      const had = !!reasons.dataset.reasons;
      reasons.dataset.reasons = key;
      fill(reasons, top.map((r, i) => [i ? ', ' : ' · ',
        drillButton('pain-reason-drill', { stage: stage.id, pain: r.reason }, `Pain at ${stage.name}: ${r.reason}`,
                    el('span', { class: 'reason' }, r.reason), ' ', el('span', { class: 'v-reason-count' }))]));
      if (had) flash(reasons);
    }
    reasons.querySelectorAll('.pain-reason-drill').forEach((button, i) => {
      const r = top[i];
      setText(button.querySelector('.v-reason-count'), count(r.count));
      setDrill(button, `${count(r.count)} interactions with pain "${r.reason}" at ${stage.name}`);
    });
  }
}

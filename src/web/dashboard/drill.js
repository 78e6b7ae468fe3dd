// Drill-down buttons: a figure on the map, an opportunity or a FAQ row that opens the conversations behind
// it. Each button carries the filters of /v1/conversations it stands for (stage, touchpoint, pain, cluster)
// and what was clicked, in data-* attributes; the page listens for clicks on `button.drill` in one place
// (app.js) and opens the transcript view with them. The window and persona are the page's, added there.
import { el } from './dom.js';

export const FILTERS = ['stage', 'touchpoint', 'pain', 'cluster'];

// A <button class="drill ..."> for `filters` ({stage, touchpoint, pain, cluster}; absent: any). `what`
// names what was clicked (the transcript view's heading).
export function drillButton(cls, filters, what, ...children) {
  const dataset = { what };
  for (const key of FILTERS) {
    const value = filters[key];
    if (value !== undefined && value !== null && value !== '') dataset[key] = String(value);
  }
  return el('button', { type: 'button', class: 'drill ' + cls, dataset }, ...children);
}

// What a screen reader announces: the figure (its visible text is only a number) and what a click opens.
// Disabled (and so out of the tab order) when there is nothing behind the figure.
export function setDrill(button, figure, enabled = true) {
  button.setAttribute('aria-label', figure + ': open the conversations');
  button.disabled = !enabled;
}

// The filters and heading a drill button stands for.
export function drillOf(button) {
  const filters = {};
  for (const key of FILTERS) if (button.dataset[key] !== undefined) filters[key] = button.dataset[key];
  return { filters, what: button.dataset.what || '' };
}

// The button on the page now that stands for the same figure as `button` (a live update may have drawn it
// anew): the same kind and filters. Null when there is none.
export function findDrill(button) {
  const same = (b) => b.className === button.className && FILTERS.every((key) => b.dataset[key] === button.dataset[key]);
  return [...document.querySelectorAll('button.drill')].find(same) || null;
}

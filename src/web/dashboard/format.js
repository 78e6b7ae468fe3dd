// How numbers read on the dashboard.

export function count(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
}

export function percent(rate) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '–';
  return Math.round(rate * 100) + '%';
}

export function share(part, whole) {
  return whole > 0 ? part / whole : null;
}

export function sentiment(value) {
  if (value === null || value === undefined) return '–';
  return (value > 0 ? '+' : '') + value.toFixed(2);
}

export function rating(value) {
  return value === null || value === undefined ? '–' : value.toFixed(1) + '/5';
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.round(seconds);
  if (s < 90) return s + ' s';
  if (s < 90 * 60) return Math.round(s / 60) + ' min';
  if (s < 36 * 3600) return (s / 3600).toFixed(s < 10 * 3600 ? 1 : 0) + ' h';
  return (s / 86400).toFixed(s < 10 * 86400 ? 1 : 0) + ' d';
}

// Trend against the previous window: an arrow and the change, or "new" when there was nothing before.
export function trend(t) {
  if (!t) return { arrow: '', text: '–', direction: 'flat' };
  if (t.change === null || t.change === undefined) return { arrow: '★', text: 'new', direction: 'new' };
  const pct = Math.round(t.change * 100);
  if (pct > 0) return { arrow: '▲', text: '+' + pct + '%', direction: 'up' };
  if (pct < 0) return { arrow: '▼', text: pct + '%', direction: 'down' };
  return { arrow: '▶', text: '0%', direction: 'flat' };
}

// A shade level 0..5 for a value in 0..1 (cells carry numbers too: colour is never the only signal).
export function level(fraction) {
  if (!(fraction > 0)) return 0;
  return Math.min(5, 1 + Math.floor(fraction * 5));
}

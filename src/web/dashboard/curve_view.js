// The emotion curve: mean sentiment per stage (-1..+1) as a line across the stage columns. The SVG stretches
// with the table (columns are equal), so points are drawn as zero-length round-capped lines that keep their
// shape. A stage without sentiment leaves a gap rather than a made-up value.
import { svg } from './dom.js';

const HEIGHT = 100;

export function drawCurve(container, stages) {
  const n = stages.length;
  const width = n * 100;
  const y = (v) => (HEIGHT / 2) - v * (HEIGHT / 2 - 8);
  const root = svg('svg', { viewBox: `0 0 ${width} ${HEIGHT}`, preserveAspectRatio: 'none', class: 'curve',
                            role: 'img', 'aria-label': 'Emotion curve: mean sentiment per stage' });
  root.append(svg('line', { x1: 0, x2: width, y1: y(0), y2: y(0), class: 'curve-zero' }));
  root.append(svg('line', { x1: 0, x2: width, y1: y(1), y2: y(1), class: 'curve-grid' }));
  root.append(svg('line', { x1: 0, x2: width, y1: y(-1), y2: y(-1), class: 'curve-grid' }));

  const dots = [];
  let segment = [];
  const flush = () => {
    if (segment.length > 1) root.append(svg('polyline', { points: segment.join(' '), class: 'curve-line' }));
    segment = [];
  };
  stages.forEach((s, i) => {
    if (s.sentiment === null || s.sentiment === undefined) return flush();
    const x = i * 100 + 50;
    segment.push(`${x},${y(s.sentiment).toFixed(1)}`);
    const dot = svg('line', { x1: x, x2: x, y1: y(s.sentiment), y2: y(s.sentiment),
                              class: 'curve-dot ' + (s.sentiment > 0.05 ? 'good' : s.sentiment < -0.05 ? 'bad' : 'neutral') });
    const title = svg('title');
    title.textContent = `${s.name}: ${s.sentiment.toFixed(2)}`;
    dot.append(title);
    dots.push(dot);
  });
  flush();
  root.append(...dots);  // over the line
  container.replaceChildren(root);
}

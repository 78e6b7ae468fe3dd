// The only way the dashboard builds DOM: elements with text children. Received text (questions, labels,
// names) is set as textContent, never parsed as HTML, so markup in a chat message stays visible text.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'title') node.title = String(value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Replaces a node's children; returns the node.
export function fill(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

// Sets text and marks the node as changed for a moment when the value differs, so live updates are seen.
export function setText(node, text) {
  const value = String(text);
  if (node.textContent === value) return false;
  const had = node.textContent !== '';
  node.textContent = value;
  if (had) flash(node);
  return true;
}

export function flash(node) {
  node.classList.remove('changed');
  void node.offsetWidth;  // restart the animation
  node.classList.add('changed');
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

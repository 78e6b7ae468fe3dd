// The controls (persona, window, shading) and the query they make. The choice is kept in the URL's
// fragment so a reload or a shared link shows the same view; the token never goes there.

const WINDOWS_MS = { '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3, '30d': 30 * 24 * 3600e3 };

const byId = (id) => document.getElementById(id);

// datetime-local wants local time without a zone.
function toLocalInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3);
  return d.toISOString().slice(0, 16);
}

export class Controls {
  constructor(onChange) {
    this.onChange = onChange;
    this.persona = byId('persona');
    this.window = byId('window');
    this.from = byId('from');
    this.to = byId('to');
    this.shade = byId('shade');
    this.custom = byId('custom-window');
    this.restore();
    for (const input of [this.persona, this.window, this.from, this.to, this.shade]) {
      input.addEventListener('change', () => this.changed(input));
    }
    byId('controls').addEventListener('submit', (e) => e.preventDefault());
  }

  setPersonas(personas) {
    const selected = this.persona.value || this.pendingPersona || '';
    for (const p of personas) this.persona.append(new Option(p.name, p.id));
    this.persona.value = personas.some((p) => p.id === selected) ? selected : '';
  }

  changed(input) {
    if (input === this.window && this.window.value === 'custom' && !this.from.value) {
      const now = Date.now();
      this.from.value = toLocalInput(now - WINDOWS_MS['7d']);
      this.to.value = toLocalInput(now);
    }
    this.custom.hidden = this.window.value !== 'custom';
    this.save();
    this.onChange(input === this.shade ? 'shade' : 'query');
  }

  // The window as ISO times, "to" being now for the relative windows.
  range() {
    if (this.window.value === 'custom') {
      const from = Date.parse(this.from.value);
      const to = Date.parse(this.to.value);
      if (Number.isFinite(from) && Number.isFinite(to) && from < to) {
        return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      }
    }
    const span = WINDOWS_MS[this.window.value] || WINDOWS_MS['7d'];
    const now = Date.now();
    return { from: new Date(now - span).toISOString(), to: new Date(now).toISOString() };
  }

  isRelative() {
    return this.window.value !== 'custom';
  }

  query() {
    const params = new URLSearchParams(this.range());
    if (this.persona.value) params.set('persona', this.persona.value);
    return params.toString();
  }

  shadeBy() {
    return this.shade.value;
  }

  save() {
    const state = new URLSearchParams();
    if (this.persona.value) state.set('persona', this.persona.value);
    state.set('window', this.window.value);
    if (this.window.value === 'custom') {
      state.set('from', this.from.value);
      state.set('to', this.to.value);
    }
    if (this.shade.value !== 'pain') state.set('shade', this.shade.value);
    history.replaceState(null, '', '#' + state.toString());
  }

  restore() {
    const state = new URLSearchParams(location.hash.slice(1));
    this.pendingPersona = state.get('persona') || '';
    const win = state.get('window');
    if (win && [...this.window.options].some((o) => o.value === win)) this.window.value = win;
    if (state.get('from')) this.from.value = state.get('from');
    if (state.get('to')) this.to.value = state.get('to');
    if (state.get('shade') === 'volume') this.shade.value = 'volume';
    this.custom.hidden = this.window.value !== 'custom';
  }
}

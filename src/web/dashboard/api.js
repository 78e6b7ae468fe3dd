// The read API as the dashboard uses it. When the daemon requires a read token it is asked for once and kept
// in this tab's sessionStorage: it travels in the Authorization header only, never in a URL.

const TOKEN_KEY = 'touchpoint.read_token';

export class Unauthorized extends Error {}

export function readToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function saveToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function authHeaders() {
  const token = readToken();
  return token ? { Authorization: 'Bearer ' + token } : {};
}

// GET a JSON document; throws Unauthorized on 401 and an Error naming the field on other failures.
export async function getJson(path) {
  const res = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
  if (res.status === 401) throw new Unauthorized('read token required');
  if (!res.ok) {
    let detail = 'HTTP ' + res.status;
    try {
      const body = await res.json();
      if (body && body.error) detail += ': ' + (body.field ? body.field + ': ' : '') + body.error;
    } catch (_) { /* not JSON: the status says enough */ }
    throw new Error(detail);
  }
  return res.json();
}

// Downloads an export with the token in the header (a plain link cannot carry it).
export async function download(path, filename) {
  const res = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
  if (res.status === 401) throw new Unauthorized('read token required');
  if (!res.ok) throw new Error('HTTP ' + res.status);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

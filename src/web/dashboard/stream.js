// GET /v1/stream (Server-Sent Events) read through fetch rather than EventSource, because EventSource
// cannot send the Authorization header. Reconnects by itself with a growing delay and reports its state:
// 'connecting', 'live', 'reconnecting' or 'unauthorized'.
import { authHeaders } from './api.js';

const MAX_DELAY_MS = 30000;
// The daemon sends a keep-alive comment every 15 s: a stream silent for longer than this is dead (a laptop
// that slept, a proxy that dropped the connection without closing it) and is replaced.
const SILENCE_MS = 45000;

// Splits an SSE byte stream into events ({event, data}); `feed` takes decoded text as it arrives.
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.retryMs = null;
  }

  feed(text) {
    this.buffer += text.replace(/\r\n?/g, '\n');
    let end;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.dispatch(block);
    }
  }

  dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (data.length) this.onEvent({ event, data: data.join('\n') });
  }
}

export function openStream(path, onEvent, onState) {
  let stopped = false;
  let controller = null;
  let failures = 0;
  let timer = null;

  const schedule = (delayMs) => {
    if (stopped) return;
    timer = setTimeout(connect, delayMs);
  };

  async function connect() {
    if (stopped) return;
    onState(failures ? 'reconnecting' : 'connecting');
    controller = new AbortController();
    const parser = new SseParser(onEvent);
    let retryAfterMs = null;
    try {
      const res = await fetch(path, { headers: { ...authHeaders(), Accept: 'text/event-stream' }, cache: 'no-store',
                                      signal: controller.signal });
      if (res.status === 401) {
        onState('unauthorized');
        return;  // the page asks for a token and opens a new stream
      }
      if (!res.ok || !res.body) {
        const seconds = Number(res.headers.get('Retry-After'));
        if (seconds > 0) retryAfterMs = seconds * 1000;
        throw new Error('HTTP ' + res.status);
      }
      failures = 0;
      onState('live');
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let heard = Date.now();
      const watchdog = setInterval(() => {
        if (Date.now() - heard > SILENCE_MS) controller.abort();
      }, 5000);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          heard = Date.now();
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } finally {
        clearInterval(watchdog);
      }
    } catch (_) {
      if (stopped) return;
    }
    // The stream ended (daemon restarted, network, proxy timeout): come back.
    failures += 1;
    onState('reconnecting');
    const backoff = Math.min(MAX_DELAY_MS, (parser.retryMs || 1000) * 2 ** Math.min(failures - 1, 5));
    schedule(retryAfterMs || backoff);
  }

  connect();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      if (controller) controller.abort();
    },
  };
}

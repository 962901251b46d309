// @ts-check
// A task's Server-Sent Events: EventSource without a token, fetch with one
// (EventSource cannot send an Authorization header). Both reconnect, and
// say how the stream stands through `onState`.

import { authHeaders, taskPath, token } from './api.js';

/** Every event type the server sends; EventSource delivers named events only to listeners of that name. */
export const EVENT_TYPES = ['accepted', 'started', 'progress', 'component.succeeded', 'component.failed', 'completed', 'failed', 'cancelled'];
const RECONNECT_MS = 2000;

/**
 * @typedef {'connecting' | 'live' | 'reconnecting' | 'refused'} StreamState
 * `reconnecting` also when the server ended the stream of a finished task; `refused`: it will not stream (a 4xx).
 */

/**
 * @typedef {object} StreamHandlers
 * @property {(type: string, data: string) => void} onEvent the event type and its raw `data`
 * @property {(state: StreamState) => void} onState
 */

/**
 * @typedef {{ close(): void }} Stream
 */

/**
 * One SSE block (the lines between blank lines) read into its event type, data and id.
 * @param {string} block
 * @returns {{ type: string, data: string | null, id: string | null }}
 */
export function parseSseBlock(block) {
  let type = 'message';
  /** @type {string[]} */
  const data = [];
  /** @type {string | null} */
  let id = null;
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === 0) continue;
    const field = colon < 0 ? line : line.slice(0, colon);
    const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = val;
    else if (field === 'data') data.push(val);
    else if (field === 'id') id = val;
  }
  return { type, data: data.length ? data.join('\n') : null, id };
}

/**
 * Opens the event stream of a task.
 * @param {string} id
 * @param {StreamHandlers} handlers
 * @returns {Stream}
 */
export function openStream(id, handlers) {
  handlers.onState('connecting');
  return token() ? fetchStream(id, handlers) : eventSourceStream(id, handlers);
}

/**
 * @param {string} id
 * @param {StreamHandlers} handlers
 * @returns {Stream}
 */
function eventSourceStream(id, { onEvent, onState }) {
  const es = new EventSource(taskPath(id, '/events'));
  for (const type of EVENT_TYPES) es.addEventListener(type, (e) => onEvent(type, /** @type {MessageEvent} */ (e).data));
  es.onmessage = (e) => onEvent('message', e.data);
  es.onopen = () => onState('live');
  // The browser retries by itself unless the server refused the stream.
  es.onerror = () => onState(es.readyState === EventSource.CLOSED ? 'refused' : 'reconnecting');
  return { close: () => es.close() };
}

/**
 * @param {string} id
 * @param {StreamHandlers} handlers
 * @returns {Stream}
 */
function fetchStream(id, { onEvent, onState }) {
  const ctl = new AbortController();
  let closed = false;
  let lastId = '';
  (async () => {
    while (!closed) {
      try {
        const headers = authHeaders({ Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) });
        const res = await fetch(taskPath(id, '/events'), { headers, signal: ctl.signal });
        if (!res.ok || !res.body) {
          if (res.status >= 400 && res.status < 500) {
            onState('refused');
            return;
          }
        } else {
          onState('live');
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf = (buf + value).replace(/\r\n?/g, '\n');
            let end;
            while ((end = buf.indexOf('\n\n')) >= 0) {
              const block = parseSseBlock(buf.slice(0, end));
              buf = buf.slice(end + 2);
              if (block.id !== null) lastId = block.id;
              if (block.data !== null && !closed) onEvent(block.type, block.data);
            }
          }
        }
      } catch {
        if (closed) return;
      }
      if (closed) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, RECONNECT_MS));
    }
  })();
  return {
    close() {
      closed = true;
      ctl.abort();
    },
  };
}

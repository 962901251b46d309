// slotflow editors' page: submit an article, follow the task live, play the video.
// Plain ES module, no dependencies. Talks to the /v1 API (docs/http-api.md).

const EVENT_TYPES = ['accepted', 'started', 'progress', 'component.succeeded', 'component.failed', 'completed', 'failed', 'cancelled'];
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const ACTIVE = new Set(['queued', 'running']);
const MAX_EVENTS = 200;
const POLL_MS = 2000;

const $ = (id) => document.getElementById(id);

/** `h('li', { class: 'x', dataset: { testid: 'y' }, onclick }, 'text', child)`: DOM without innerHTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

// ---------------------------------------------------------------- API

function token() {
  try {
    return localStorage.getItem('slotflowToken') || '';
  } catch {
    return '';
  }
}

function authHeaders(extra = {}) {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body, headers = {}) {
  const init = { method, headers: authHeaders(body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'The server did not answer.');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data && data.error;
    throw new ApiError(res.status, (err && err.code) || `http-${res.status}`, (err && err.message) || `${method} ${path} answered ${res.status}`);
  }
  return data;
}

const taskPath = (id, rest = '') => `/v1/tasks/${encodeURIComponent(id)}${rest}`;

/** A URL the browser can load itself: the URL as is, or (with a token, which media elements cannot send) a blob URL. */
async function mediaUrl(url) {
  if (!token()) return url;
  const res = await fetch(url, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, `http-${res.status}`, `${url} answered ${res.status}`);
  return URL.createObjectURL(await res.blob());
}

// ---------------------------------------------------------------- formatting

function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

function fmtBytes(n) {
  if (typeof n !== 'number') return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** What a component is doing, in words: its slot state, or what it waits on while in flight. */
function componentLabel(c) {
  if (c.state !== 'pending' || !c.in_flight) return c.state;
  if (c.kind === 'approval') return 'awaiting approval';
  if (c.kind === 'callback') return 'waiting for service';
  if (c.kind === 'fanout') return 'running scenes';
  return 'running';
}

const stateClass = (c) => (c.state === 'pending' && c.in_flight ? 'running' : c.state);

/** Bits of the word no component's slot owns (when the server leaves `unknown_bits` out). */
function unknownBits(view) {
  try {
    let owned = 0n;
    for (const c of view.components) owned |= 3n << BigInt(2 * c.slot);
    return '0x' + (BigInt(view.slot_word) & ~owned & ((1n << 64n) - 1n)).toString(16);
  } catch {
    return '?';
  }
}

/** The table `slotflow slots decode` prints. */
function plainTable(header, rows, right) {
  const widths = header.map((head, i) => Math.max(head.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function decodedText(view) {
  const moduleState = new Map((view.modules || []).map((m) => [m.module, m.state]));
  const rows = view.components.map((c) => [`${c.module} (${moduleState.get(c.module) ?? '?'})`, c.component, String(c.slot), c.state]);
  return [
    `flow ${view.flow} v${view.version}`,
    `word ${view.slot_word} = ${view.hex}`,
    `status ${view.status}`,
    '',
    ...plainTable(['MODULE', 'COMPONENT', 'SLOT', 'STATE'], rows, new Set([2])),
    '',
    `unknown bits ${view.unknown_bits ?? unknownBits(view)}`,
  ].join('\n');
}

// ---------------------------------------------------------------- the open task

const current = {
  id: null,
  view: null,
  stream: null,
  poll: null,
  inflight: null,
  again: false,
  seenEvents: new Set(),
  /** Bumped by each resume, so a re-rendered video is not served from the cache. */
  generation: 0,
  videoKey: null,
  bundleKey: null,
};

function showError(el, message) {
  el.textContent = message || '';
  el.hidden = !message;
}

function setStreamState(text) {
  $('stream-state').textContent = text;
}

function openTask(id, { push = true } = {}) {
  if (current.id !== id) {
    closeStream();
    current.id = id;
    current.view = null;
    current.seenEvents = new Set();
    current.generation = 0;
    clearResult();
    $('events').replaceChildren();
    $('task-id').textContent = id;
    $('task').hidden = false;
    showError($('task-error'), '');
    if (push && location.hash !== `#task=${id}`) history.replaceState(null, '', `#task=${encodeURIComponent(id)}`);
    markRecent();
  }
  refresh();
  connectStream(id);
}

/** Re-fetch the task and re-render; calls while one is running coalesce into one more fetch. */
function refresh() {
  if (current.inflight) {
    current.again = true;
    return current.inflight;
  }
  current.inflight = (async () => {
    do {
      current.again = false;
      const id = current.id;
      if (!id) return;
      try {
        const view = await api('GET', taskPath(id));
        if (id === current.id) render(view);
      } catch (e) {
        if (id === current.id) showError($('task-error'), `Could not load the task: ${e.message}`);
      }
    } while (current.again);
  })().finally(() => {
    current.inflight = null;
  });
  return current.inflight;
}

function onEvent(taskId, type, raw) {
  if (taskId !== current.id) return;
  let ev = null;
  try {
    ev = JSON.parse(raw);
  } catch {
    ev = null;
  }
  if (ev && ev.id !== undefined) {
    if (current.seenEvents.has(String(ev.id))) return;
    current.seenEvents.add(String(ev.id));
  }
  logEvent(type, ev);
  refresh();
  const own = !ev || ev.scene === null || ev.scene === undefined;
  if (TERMINAL.has(type) && own) {
    // A late client replays history, and a resumed task has finished before: close only when the task has really ended.
    refresh().then(() => {
      if (taskId !== current.id || !current.view || !TERMINAL.has(current.view.phase)) return;
      closeStream();
      setStreamState('');
      loadRecent();
    });
  }
}

function logEvent(type, ev) {
  const parts = [fmtTime(ev && ev.created_at) || new Date().toLocaleTimeString(), type];
  if (ev && ev.component) parts.push(ev.component);
  if (ev && typeof ev.scene === 'number') parts.push(`scene ${ev.scene + 1}`);
  if (ev && ev.attempt) parts.push(`attempt ${ev.attempt}`);
  if (ev && ev.slot_word) parts.push(`word ${ev.slot_word}`);
  const list = $('events');
  list.prepend(h('li', { class: `ev ev-${type.replace('.', '-')}` }, parts.join(' · ')));
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
}

function connectStream(id) {
  closeStream();
  setStreamState('connecting…');
  current.stream = token() ? fetchStream(id) : eventSourceStream(id);
}

function closeStream() {
  if (current.stream) current.stream.close();
  current.stream = null;
  stopPolling();
}

function eventSourceStream(id) {
  const es = new EventSource(taskPath(id, '/events'));
  // Named events never reach onmessage: one listener per type.
  for (const type of EVENT_TYPES) es.addEventListener(type, (e) => onEvent(id, type, e.data));
  es.onmessage = (e) => onEvent(id, 'message', e.data);
  es.onopen = () => {
    setStreamState('live');
    stopPolling();
  };
  es.onerror = () => {
    if (id !== current.id) return;
    // The server ends the stream once the task has ended: nothing more to hear.
    if (current.view && TERMINAL.has(current.view.phase)) {
      closeStream();
      setStreamState('');
      return;
    }
    // The browser retries by itself unless the server refused the stream; poll meanwhile.
    setStreamState(es.readyState === EventSource.CLOSED ? 'polling' : 'reconnecting…');
    startPolling();
  };
  return { close: () => es.close() };
}

/** EventSource cannot send an Authorization header; with a token, read the stream through fetch. */
function fetchStream(id) {
  const ctl = new AbortController();
  let closed = false;
  let lastId = '';
  (async () => {
    while (!closed) {
      try {
        const headers = authHeaders({ Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) });
        const res = await fetch(taskPath(id, '/events'), { headers, signal: ctl.signal });
        if (!res.ok || !res.body) {
          setStreamState('polling');
          startPolling();
          if (res.status >= 400 && res.status < 500) return;
        } else {
          setStreamState('live');
          stopPolling();
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf = (buf + value).replace(/\r\n?/g, '\n');
            let end;
            while ((end = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, end);
              buf = buf.slice(end + 2);
              let type = 'message';
              const data = [];
              for (const line of block.split('\n')) {
                const colon = line.indexOf(':');
                if (colon === 0) continue;
                const field = colon < 0 ? line : line.slice(0, colon);
                const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
                if (field === 'event') type = val;
                else if (field === 'data') data.push(val);
                else if (field === 'id') lastId = val;
              }
              if (data.length && !closed) onEvent(id, type, data.join('\n'));
            }
          }
        }
      } catch {
        if (closed) return;
      }
      if (closed) return;
      setStreamState('reconnecting…');
      startPolling();
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return {
    close() {
      closed = true;
      ctl.abort();
    },
  };
}

function startPolling() {
  if (current.poll) return;
  current.poll = setInterval(() => {
    if (current.view && TERMINAL.has(current.view.phase)) stopPolling();
    else refresh();
  }, POLL_MS);
}

function stopPolling() {
  if (current.poll) clearInterval(current.poll);
  current.poll = null;
}

// ---------------------------------------------------------------- actions

async function act(button, path, body, label) {
  const id = current.id;
  button.disabled = true;
  showError($('task-error'), '');
  try {
    await api('POST', taskPath(id, path), body);
    if (path === '/resume') {
      current.generation += 1;
      clearResult();
    }
    if (id === current.id) {
      await refresh();
      if (path !== '/cancel') connectStream(id);
    }
    loadRecent();
  } catch (e) {
    showError($('task-error'), `${label} failed: ${e.message}`);
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- rendering

function render(view) {
  current.view = view;
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.testid : null;

  const status = $('task-status');
  status.textContent = view.phase;
  status.className = `badge phase-${view.phase}`;
  $('task-meta').textContent = `${view.flow} v${view.version} · status ${view.status} · ${fmtTime(view.created_at)}`;
  $('cancel').hidden = !ACTIVE.has(view.phase);
  $('cancel').disabled = false;

  if (view.error) {
    const e = view.error;
    const where = e.component ? `${e.component}${e.attempt ? ` (attempt ${e.attempt})` : ''}: ` : '';
    showError($('task-error'), `${where}${e.name ? `${e.name}: ` : ''}${e.message ?? ''}`);
  } else if (view.phase !== 'failed') {
    showError($('task-error'), '');
  }

  renderProgress(view);
  renderModules(view);
  renderComponents(view);
  renderScenes(view);
  renderAssets(view);
  renderResult(view);
  $('decoded').textContent = decodedText(view);
  markRecent(view);

  if (TERMINAL.has(view.phase)) stopPolling();
  if (focused) {
    const again = $('task').querySelector(`[data-testid="${CSS.escape(focused)}"]`);
    if (again && again !== document.activeElement && !again.disabled) again.focus();
  }
}

function renderProgress(view) {
  const total = view.components.length;
  const done = view.components.filter((c) => c.state !== 'pending').length;
  const running = view.components.filter((c) => c.in_flight).map((c) => c.component);
  const bar = $('progress-bar');
  bar.max = Math.max(total, 1);
  bar.value = done;
  let text = `${done} of ${total} components finished`;
  if (running.length) text += ` · now: ${running.join(', ')}`;
  $('progress-text').textContent = text;
}

function renderModules(view) {
  $('modules').replaceChildren(
    ...(view.modules || []).map((m) =>
      h('li', { class: `module state-${m.state}`, dataset: { testid: `module-${m.module}` } },
        h('span', { class: 'name' }, m.module),
        h('span', { class: 'sub' }, m.status),
        h('span', { class: `badge state-${m.state}` }, m.state),
      ),
    ),
  );
}

function renderComponents(view) {
  const rows = view.components.map((c) => {
    const actions = [];
    if (c.state === 'failed') {
      actions.push(h('button', {
        type: 'button', class: 'small', dataset: { testid: `resume-${c.component}` },
        'aria-label': `Resume from ${c.component}`,
        onclick: (e) => act(e.currentTarget, '/resume', { from: c.component }, `Resume from ${c.component}`),
      }, 'Resume from here'));
    }
    if (c.kind === 'approval' && c.in_flight) {
      const reason = h('input', { type: 'text', class: 'reason', placeholder: 'reason (optional)', 'aria-label': `Reason for rejecting ${c.component}`, dataset: { testid: `reason-${c.component}` } });
      actions.push(
        h('button', {
          type: 'button', class: 'small ok', dataset: { testid: `approve-${c.component}` }, 'aria-label': `Approve ${c.component}`,
          onclick: (e) => act(e.currentTarget, '/approve', { component: c.component, approved: true }, `Approving ${c.component}`),
        }, 'Approve'),
        h('button', {
          type: 'button', class: 'small danger', dataset: { testid: `reject-${c.component}` }, 'aria-label': `Reject ${c.component}`,
          onclick: (e) => act(e.currentTarget, '/approve',
            { component: c.component, approved: false, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }, `Rejecting ${c.component}`),
        }, 'Reject'),
        reason,
      );
    }
    const err = c.state === 'failed' && c.error ? (typeof c.error === 'string' ? c.error : c.error.message || JSON.stringify(c.error)) : '';
    const tries = c.attempts > 1 || c.executions > 1 ? `${c.attempts}` : c.attempts ? '1' : '';
    return h('tr', { class: `state-${stateClass(c)}`, dataset: { testid: `component-${c.component}`, state: c.state, inFlight: String(c.in_flight) } },
      h('th', { scope: 'row' },
        h('span', { class: 'name' }, c.component),
        h('span', { class: 'sub' }, c.module, c.kind && c.kind !== 'job' ? ` · ${c.kind}` : ''),
        err ? h('span', { class: 'cerr' }, err) : null,
      ),
      h('td', {}, h('span', { class: `badge state-${stateClass(c)}` }, componentLabel(c))),
      h('td', { class: 'num', title: `${c.executions ?? 0} executions`, 'data-label': 'attempts' }, tries),
      h('td', { class: 'num', 'data-label': 'time' }, c.in_flight ? '…' : fmtDuration(c.duration_ms)),
      h('td', { class: 'actions' }, actions),
    );
  });
  $('components').replaceChildren(...rows);
}

function renderScenes(view) {
  const scenes = view.scenes || [];
  $('scenes-block').hidden = scenes.length === 0;
  $('scenes').replaceChildren(
    ...scenes.map((s) => {
      const busy = ACTIVE.has(s.phase);
      return h('li', { class: `scene phase-${s.phase}`, dataset: { testid: `scene-${s.index}`, phase: s.phase } },
        h('span', { class: 'name' }, `Scene ${s.index + 1}`),
        h('span', { class: `badge phase-${s.phase}` }, s.phase),
        h('span', { class: 'sub' }, s.status ? `status ${s.status}` : ''),
        h('button', {
          type: 'button', class: 'small', dataset: { testid: `regenerate-${s.index}` },
          'aria-label': `Regenerate scene ${s.index + 1}`, disabled: busy,
          onclick: (e) => act(e.currentTarget, '/resume', { from: s.component, scene: s.index }, `Regenerating scene ${s.index + 1}`),
        }, 'Regenerate'),
      );
    }),
  );
}

function renderAssets(view) {
  const assets = view.assets || [];
  $('assets-block').hidden = assets.length === 0;
  $('assets-count').textContent = String(assets.length);
  $('assets').replaceChildren(
    ...assets.map((a) => {
      const label = [a.kind, a.component, typeof a.scene === 'number' ? `scene ${a.scene + 1}` : '', a.provider, fmtBytes(a.bytes)].filter(Boolean).join(' · ');
      return h('li', { dataset: { testid: `asset-${a.id}` } }, a.url && !token() ? h('a', { href: a.url, target: '_blank', rel: 'noopener' }, label) : label);
    }),
  );
}

function clearResult() {
  const video = $('video');
  video.pause();
  video.removeAttribute('src');
  video.load();
  video.hidden = true;
  $('bundle').hidden = true;
  $('bundle').removeAttribute('href');
  $('result').hidden = true;
  current.videoKey = null;
  current.bundleKey = null;
}

function withGeneration(url) {
  return current.generation ? `${url}${url.includes('?') ? '&' : '?'}r=${current.generation}` : url;
}

function renderResult(view) {
  const video = $('video');
  const bundle = $('bundle');
  const isBundle = Boolean(view.bundle);
  const videoUrl = !isBundle && view.video ? withGeneration(view.video) : null;
  const bundleUrl = isBundle ? withGeneration(view.bundle) : null;

  if (videoUrl !== current.videoKey) {
    current.videoKey = videoUrl;
    if (videoUrl) {
      mediaUrl(videoUrl).then(
        (src) => {
          if (current.videoKey !== videoUrl) return;
          video.src = src;
          video.hidden = false;
          $('result').hidden = false;
        },
        (e) => showError($('task-error'), `Could not load the video: ${e.message}`),
      );
    } else {
      video.removeAttribute('src');
      video.hidden = true;
    }
  }
  if (bundleUrl !== current.bundleKey) {
    current.bundleKey = bundleUrl;
    bundle.hidden = !bundleUrl;
    if (bundleUrl) {
      bundle.href = bundleUrl;
      bundle.setAttribute('download', `${view.id}.zip`);
      $('result').hidden = false;
    } else bundle.removeAttribute('href');
  }
  if (!videoUrl && !bundleUrl) $('result').hidden = true;
}

// ---------------------------------------------------------------- recent tasks

let recentTasks = [];

async function loadRecent() {
  try {
    const data = await api('GET', '/v1/tasks?limit=20');
    recentTasks = (data && data.tasks) || [];
    showError($('recent-error'), '');
    renderRecent();
  } catch (e) {
    showError($('recent-error'), `Could not list tasks: ${e.message}`);
  }
}

function renderRecent() {
  recentShown = JSON.stringify([current.id, recentTasks.map((t) => [t.id, t.phase])]);
  const list = $('recent');
  if (!recentTasks.length) {
    list.replaceChildren(h('li', { class: 'empty' }, 'No tasks yet.'));
    return;
  }
  list.replaceChildren(
    ...recentTasks.map((t) =>
      h('li', {},
        h('button', {
          type: 'button', class: 'recent-item', dataset: { testid: `recent-${t.id}`, id: t.id },
          'aria-current': t.id === current.id ? 'true' : null,
          'aria-label': `Open task ${t.id} (${t.flow}, ${t.phase})`,
          onclick: () => openTask(t.id),
        },
          h('span', { class: 'rid' }, t.id),
          h('span', { class: 'sub' }, `${t.flow} · ${fmtTime(t.created_at)}`),
          h('span', { class: `badge phase-${t.phase}` }, t.phase),
        ),
      ),
    ),
  );
}

/** Keeps the open task's entry marked and its phase fresh without another request. */
let recentShown = '';
function markRecent(view) {
  if (view) {
    const t = recentTasks.find((x) => x.id === view.id);
    if (t) Object.assign(t, { phase: view.phase, status: view.status, slot_word: view.slot_word });
  }
  const shown = JSON.stringify([current.id, recentTasks.map((t) => [t.id, t.phase])]);
  if (recentTasks.length && shown !== recentShown) renderRecent();
}

// ---------------------------------------------------------------- the form

function formError(message) {
  showError($('form-error'), message);
}

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = form.elements.body.value.trim();
  const title = form.elements.title.value.trim();
  const size = form.elements.size.value.trim();
  if (!body) {
    formError('Write or load an article first.');
    form.elements.body.focus();
    return;
  }
  if (size && !/^\d{2,4}x\d{2,4}$/.test(size)) {
    formError('Frame size must look like 540x960 (width x height, even numbers).');
    form.elements.size.focus();
    return;
  }
  const options = { format: form.elements.format.value };
  const voice = form.elements.voice.value;
  if (voice && voice !== 'auto') options.voice = voice;
  options.music = form.elements.music.checked;
  const kind = form.elements.kind.value;
  if (kind === 'fast') options.style = 'fast';
  if (kind === 'images') options.output = 'images';
  if (size) options.size = size;

  const button = form.querySelector('[data-testid="submit"]');
  button.disabled = true;
  button.textContent = 'Sending…';
  formError('');
  try {
    const key = typeof crypto !== 'undefined' && crypto.randomUUID ? { 'Idempotency-Key': crypto.randomUUID() } : {};
    const res = await api('POST', '/v1/tasks', { article: { ...(title ? { title } : {}), body }, options }, key);
    openTask(res.id);
    loadRecent();
    $('task').scrollIntoView({ behavior: 'smooth', block: 'start' });
  } catch (e) {
    formError(`Could not start the task: ${e.message}`);
  } finally {
    button.disabled = false;
    button.textContent = 'Make the video';
  }
}

function loadFile(event) {
  const file = event.currentTarget.files && event.currentTarget.files[0];
  if (!file) return;
  if (file.size > 900 * 1024) {
    formError(`${file.name} is too large (${fmtBytes(file.size)}); the limit is about 900 KB.`);
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    $('body').value = String(reader.result || '');
    formError('');
  };
  reader.onerror = () => formError(`Could not read ${file.name}.`);
  reader.readAsText(file);
}

// ---------------------------------------------------------------- start

function taskFromHash() {
  const m = /^#task=(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

function start() {
  $('task-form').addEventListener('submit', submit);
  $('file').addEventListener('change', loadFile);
  $('refresh-recent').addEventListener('click', loadRecent);
  $('cancel').addEventListener('click', (e) => act(e.currentTarget, '/cancel', undefined, 'Cancelling'));
  window.addEventListener('hashchange', () => {
    const id = taskFromHash();
    if (id && id !== current.id) openTask(id, { push: false });
  });
  const id = taskFromHash();
  if (id) openTask(id, { push: false });
  loadRecent();
}

start();

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { probe } from '../../../src/adapters/ffmpeg/index.ts';
import { compileSettings } from '../../../src/settings.ts';
import { mediaFromSettings } from '../../../src/pipeline/providers.ts';
import { fullRegistry } from '../../../src/runtime/composition.ts';
import { startHttp } from '../../../src/http/start.ts';
import { connect, startScheduler, startWorker } from '../../../src/runtime/composition.ts';
import { chaosEnv } from '../env.ts';
import { fuzzFlows } from '../flow-mutations.ts';
import { Checks, type Scale, type ScenarioReport } from '../report.ts';

/**
 * Scenario 6, hostile input.
 *
 *   flows     random mutations of the shipped flows through the validator
 *             (scripts/chaos/flow-mutations.ts): only validation errors
 *   articles  empty, 5 MB, binary, invalid UTF-8, control characters,
 *             filter-injection strings, RTL, emoji, CJK through
 *             POST /v1/tasks: a clear 4xx, or accepted and rendered to a
 *             playable video; never a crash or a task that never ends
 *   auth      every /v1 route without the bearer token (or with a wrong
 *             or mangled one): 401
 *   paths     traversal on the asset, video and page routes, sent raw so no
 *             client tidies the path first: 404, never a file's bytes
 */

export const HOSTILE_SCALES: Record<Scale, { mutations: number; renders: 'few' | 'all'; renderTimeoutMs: number }> = {
  short: { mutations: 10000, renders: 'few', renderTimeoutMs: 150000 },
  long: { mutations: 10000, renders: 'all', renderTimeoutMs: 600000 },
};

const API_TOKEN = 'chaos-secret-token';
const INJECTION = "It's 5:00 \\ 100% {bold} %{pts} %{eif\\:n\\:d} [in]; a,b [out] drawtext=text='pwned':fontfile=/etc/passwd " +
  '$(touch /tmp/slotflow-pwned) `id` ${HOME} %s%n {{7*7}} <script>alert(1)</script> \\\\\' \\" :: ;; ,,';

export interface ArticleCase {
  what: string;
  /** The raw request body. */
  body: string | Buffer;
  /** `reject`: a 4xx with an error code; `render`: accepted and rendered; `either`: one of the two, cleanly. */
  expect: 'reject' | 'render' | 'either';
  status?: number;
  /** Only in the long run (each render costs seconds). */
  longOnly?: boolean;
}

const tiny = { size: '160x90', music: false };
const submit = (article: { title?: string; body: string }) => JSON.stringify({ article, options: tiny });

export function articleCases(): ArticleCase[] {
  const mostlyControls = Array.from({ length: 400 }, (_, i) => String.fromCharCode(1 + (i % 26))).join('') + ' some words';
  const binary = randomBytes(3000).toString('latin1');
  const invalidUtf8Heavy = Buffer.concat([
    Buffer.from('{"article":{"body":"'), Buffer.alloc(200, 0xff), Buffer.from(' a word"},"options":{"size":"160x90","music":false}}'),
  ]);
  const invalidUtf8Few = Buffer.concat([
    Buffer.from('{"article":{"body":"Broken bytes \xc3'.replace('\xc3', '')), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]),
    Buffer.from(' in an otherwise fine sentence. And a second sentence."},"options":{"size":"160x90","music":false}}'),
  ]);
  return [
    { what: 'an empty article', body: submit({ body: '' }), expect: 'reject', status: 400 },
    { what: 'an article of whitespace and empty markup', body: submit({ body: ' \n\t\n# \n\n<p></p>\n```\n```\n' }), expect: 'reject', status: 400 },
    { what: 'a 5 MB article', body: submit({ body: 'word '.repeat(1024 * 1024) }), expect: 'reject', status: 413 },
    { what: 'an article over the text limit (60,000 characters)', body: submit({ body: 'Many words here. '.repeat(3600) }), expect: 'reject', status: 400 },
    { what: 'a binary article', body: submit({ body: binary }), expect: 'reject', status: 400 },
    { what: 'an article of mostly control characters', body: submit({ body: mostlyControls }), expect: 'reject', status: 400 },
    { what: 'an article of mostly invalid UTF-8', body: invalidUtf8Heavy, expect: 'reject', status: 400 },
    { what: 'a title over 500 characters', body: submit({ title: 't'.repeat(501), body: 'Fine.' }), expect: 'reject', status: 400 },
    { what: 'an article that is not a string', body: JSON.stringify({ article: { body: { $ne: null } } }), expect: 'reject', status: 400 },
    { what: 'filter-injection strings in the title and the text', body: submit({ title: INJECTION.slice(0, 200), body: `# ${INJECTION}\n\n${INJECTION}. Second sentence here.` }), expect: 'render' },
    {
      what: 'RTL, emoji and CJK together',
      body: submit({ title: 'مرحبا 🎬 שלום 你好', body: 'مرحبا بالعالم. هذا اختبار.\n\n\u202eשלום עולם\u202c. 🎬🔥👨‍👩‍👧‍👦🇺🇳 emoji everywhere 😀.\n\n这是一个测试。我们在测试中文。日本語のテスト。한국어 시험.' }),
      expect: 'render',
    },
    { what: 'a few control characters and invalid UTF-8 bytes in text', body: invalidUtf8Few, expect: 'either' },
    { what: 'right-to-left text (Arabic, Hebrew, overrides)', body: submit({ body: 'مرحبا بالعالم. هذا اختبار للنص.\n\nשלום עולם. \u202eevil override\u202c text.' }), expect: 'render', longOnly: true },
    { what: 'emoji only lines and ZWJ sequences', body: submit({ body: '🎬🔥 Lights, camera. 👨‍👩‍👧‍👦 family. 🇺🇳🏳️‍🌈 flags.\n\n😀😀😀' }), expect: 'render', longOnly: true },
    { what: 'a Chinese article', body: submit({ title: '测试', body: '这是一个测试。我们在测试中文文章的渲染。第三句话在这里。' }), expect: 'render', longOnly: true },
    { what: 'control characters sprinkled in text', body: submit({ body: 'Bell\u0007 and escape\u001b[31m red\u001b[0m. Back\u0008space and DEL\u007f here.' }), expect: 'either', longOnly: true },
    { what: 'HTML with scripts and styles', body: submit({ body: '<html><head><style>p{}</style><script>while(true){}</script></head><body><h1>Title</h1><p>One paragraph.</p><p>Two.</p></body></html>' }), expect: 'render', longOnly: true },
    { what: 'one 2,000-character word', body: submit({ body: 'a'.repeat(2000) }), expect: 'either', longOnly: true },
  ];
}

/** A raw HTTP request line and headers, so no client normalises `..` or percent-escapes away. */
export function rawRequest(port: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(10000, () => {
      socket.destroy();
      reject(new Error(`no answer to GET ${target}`));
    });
    socket.on('data', (b) => (data += b.toString('latin1')));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`);
  });
}

interface Answer {
  status: number;
  json: { id?: string; error?: { code?: string; message?: string } };
}

function post(url: string, body: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json = {};
        try {
          json = JSON.parse(text) as object;
        } catch {
          // a non-JSON answer is itself a finding; the status says enough
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    // A server may refuse a huge body before reading it all; that is an answer, not an error.
    req.on('error', reject);
    req.end(body);
  });
}

export async function hostileInput(scale: Scale): Promise<ScenarioReport> {
  const opts = HOSTILE_SCALES[scale];
  const started = Date.now();
  const checks = new Checks();
  const figures: Record<string, number | string> = {};

  const env = await chaosEnv('hostile');
  const d = connect(env.settings);
  let submitted = 0;
  let completed = 0;
  try {
    await startScheduler(d, env.settings);
    await startWorker(d, env.settings, fullRegistry(env.settings));
    const open = await startHttp(d, { ...env.settings, httpAddr: '127.0.0.1:0' });
    const secured = await startHttp(d, { ...env.settings, httpAddr: '127.0.0.1:0', apiToken: API_TOKEN });
    const base = open.url;
    const port = Number(new URL(base).port);
    const securedPort = Number(new URL(secured.url).port);

    // Articles.
    const cases = articleCases().filter((c) => opts.renders === 'all' || !c.longOnly);
    const accepted: Array<{ c: ArticleCase; id: string }> = [];
    let rejected = 0;
    for (const c of cases) {
      const res = await post(`${base}/v1/tasks`, c.body).catch((e: Error): Answer => ({ status: -1, json: { error: { code: 'transport', message: e.message } } }));
      const clearRejection = res.status >= 400 && res.status < 500 && typeof res.json.error?.code === 'string' && typeof res.json.error.message === 'string';
      if (res.status === 202 && res.json.id) {
        accepted.push({ c, id: res.json.id });
        submitted++;
        checks.expect(`${c.what}: ${c.expect === 'reject' ? `a clear ${c.status}` : 'accepted for rendering'}`, c.expect !== 'reject', 'got 202');
      } else if (clearRejection) {
        rejected++;
        checks.expect(`${c.what}: a clear ${c.status ?? '4xx'}`, c.expect !== 'render' && (c.status === undefined || c.status === res.status),
          `got ${res.status} ${res.json.error?.code}: ${res.json.error?.message?.slice(0, 120)}`);
      } else {
        checks.expect(`${c.what}: a clear answer`, false, `got ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
      }
    }
    figures.articles = cases.length;
    figures.articles_rejected = rejected;
    figures.articles_rendered = 0;
    // Flows, while the accepted articles render.
    const fuzz = await fuzzFlows({ runs: opts.mutations });
    figures.mutations = fuzz.runs - fuzz.handmade.length;
    figures.handmade_flows = fuzz.handmade.length;
    figures.mutations_compiled = fuzz.compiled - fuzz.handmade.filter((h) => h.includes(': compiled')).length;
    figures.mutations_refused = fuzz.refused - fuzz.handmade.filter((h) => h.includes(': refused')).length;
    figures.validator_throws = fuzz.crashes.length;
    figures.slowest_validation_ms = Math.round(fuzz.maxMs);
    if (fuzz.harnessErrors > 0) figures.mutations_not_made = fuzz.harnessErrors;
    const handmadeThrew = fuzz.handmade.filter((h) => h.includes(': THREW'));
    checks.expect('hand-made hostile flows (params nested 100 to 20,000 deep, as a document and as a file) give validation errors, never a throw',
      handmadeThrew.length === 0, handmadeThrew.join('; ') || fuzz.handmade.join('; '));
    const randomCrashes = fuzz.crashes.filter((c) => c.sample >= 0);
    checks.expect(`${opts.mutations} random flow mutations (seed ${fuzz.seed}): the validator never throws`, randomCrashes.length === 0,
      randomCrashes.slice(0, 3).map((c) => `sample ${c.sample} (${c.kind}): ${c.error}`).join('; ') || undefined);
    checks.expect('every validation result is a compiled flow or well-formed errors', fuzz.malformed.length === 0,
      fuzz.malformed.slice(0, 3).map((c) => `sample ${c.sample}: ${c.why}`).join('; ') || undefined);
    checks.expect('no validation hangs', fuzz.slow.length === 0, fuzz.slow.slice(0, 3).map((s) => `sample ${s.sample}: ${s.ms} ms`).join('; ') || undefined);

    const until = Date.now() + opts.renderTimeoutMs;
    for (const { c, id } of accepted) {
      let view: { phase?: string; video?: string | null; error?: unknown } = {};
      while (Date.now() < until) {
        view = (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as typeof view;
        if (view.phase === 'completed' || view.phase === 'failed' || view.phase === 'cancelled') break;
        await sleep(250);
      }
      let bytes = 0;
      let type = '';
      let probed = '';
      if (view.phase === 'completed' && view.video) {
        const res = await fetch(`${base}${view.video}`);
        type = res.headers.get('content-type') ?? '';
        const data = Buffer.from(await res.arrayBuffer());
        bytes = data.length;
        const file = path.join(env.settings.dataDir, `probe-${id}.mp4`);
        await writeFile(file, data);
        const p = await probe(mediaFromSettings(compileSettings()).runner, file).catch((e: Error) => ({ error: e.message }));
        probed = 'error' in p ? p.error : `${p.video?.width}x${p.video?.height} ${p.durationSec.toFixed(1)} s`;
      }
      const ok = view.phase === 'completed' && bytes > 1000 && type === 'video/mp4' && probed.startsWith('160x90 ');
      if (ok) {
        completed++;
        figures.articles_rendered = Number(figures.articles_rendered) + 1;
      }
      checks.expect(`${c.what}: rendered to a video`, ok, `phase ${view.phase ?? 'unknown (still running?)'}, ${bytes} bytes ${type} ${probed}${view.error ? `, error ${JSON.stringify(view.error)}` : ''}`);
    }
    checks.expect('the injection strings ran nothing', !existsSync('/tmp/slotflow-pwned'));

    // Auth.
    const someTask = accepted[0]?.id ?? '00000000-0000-0000-0000-000000000000';
    const routes: Array<[string, string]> = [
      ['GET', '/v1/tasks'], ['POST', '/v1/tasks'], ['GET', `/v1/tasks/${someTask}`], ['GET', `/v1/tasks/${someTask}/events`],
      ['GET', `/v1/tasks/${someTask}/video`], ['POST', `/v1/tasks/${someTask}/resume`], ['POST', `/v1/tasks/${someTask}/approve`],
      ['POST', `/v1/tasks/${someTask}/cancel`], ['GET', '/v1/assets/1'], ['GET', '/v1/nonexistent'],
    ];
    const badHeaders: Array<[string, Record<string, string>]> = [
      ['no token', {}], ['a wrong token', { authorization: 'Bearer wrong' }], ['the token as Basic', { authorization: `Basic ${API_TOKEN}` }],
      ['the token in lower-case scheme', { authorization: `bearer ${API_TOKEN}` }], ['the token with a suffix', { authorization: `Bearer ${API_TOKEN}x` }],
      ['a prefix of the token', { authorization: `Bearer ${API_TOKEN.slice(0, -1)}` }], ['an empty bearer', { authorization: 'Bearer ' }],
    ];
    let unauthorized = 0;
    const authFailures: string[] = [];
    for (const [method, route] of routes) {
      for (const [what, headers] of badHeaders) {
        const res = await fetch(`${secured.url}${route}`, {
          method, headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body: '{}' } : {}),
        });
        await res.body?.cancel();
        if (res.status === 401) unauthorized++;
        else authFailures.push(`${method} ${route} with ${what}: ${res.status}`);
      }
    }
    // Request targets a router might read differently from the auth check.
    for (const target of [`http://127.0.0.1:${securedPort}/v1/tasks`, '//v1/tasks', '/v1//tasks', '/v1/tasks?/v1/callbacks/x', '/v1/callbacks/../tasks', '/v1/callbacks/..%2Ftasks', '/V1/tasks', '/v1/%74asks']) {
      const res = await rawRequest(securedPort, target);
      if (res.status === 401 || res.status === 404 || res.status === 400) unauthorized++;
      else authFailures.push(`GET ${target} (raw): ${res.status} ${res.body.slice(0, 80)}`);
    }
    figures.unauthorized_requests_refused = unauthorized;
    checks.expect('every /v1 route refuses a request without the right bearer token', authFailures.length === 0, authFailures.slice(0, 6).join('; ') || undefined);
    const withToken = await fetch(`${secured.url}/v1/tasks`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    await withToken.body?.cancel();
    checks.expect('the right token is accepted (the check is not refusing everything)', withToken.status === 200, `got ${withToken.status}`);

    // Path traversal.
    const outside = await d.store.listAssets(someTask);
    await d.store.recordAssets([
      { taskId: someTask, component: 'Chaos', scene: null, kind: 'image', provider: 'chaos', hash: 'x', path: '/etc/passwd', bytes: 1, latencyMs: 0, reused: false },
      { taskId: someTask, component: 'Chaos', scene: null, kind: 'image', provider: 'chaos', hash: 'y', path: `${env.settings.dataDir}/assets/../../../../etc/passwd`, bytes: 1, latencyMs: 0, reused: false },
    ]);
    const planted = (await d.store.listAssets(someTask)).slice(outside.length).map((a) => a.id);
    const targets = [
      '/v1/assets/../../../../etc/passwd', '/v1/assets/..%2F..%2F..%2F..%2Fetc%2Fpasswd', '/v1/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/v1/assets/....//....//etc/passwd', '/v1/assets/1%00.mp4', '/v1/assets/-1', '/v1/assets/1e3', '/v1/assets/0x10', '/v1/assets/99999999999999999999',
      ...planted.map((id) => `/v1/assets/${id}`),
      `/v1/tasks/..%2F..%2F..%2Fetc%2Fpasswd/video`, `/v1/tasks/${someTask}/../../../etc/passwd`, '/v1/tasks/%2e%2e/video',
      '/../../etc/passwd', '/..%2f..%2fetc%2fpasswd', '/app.js/../../package.json', '/%2e%2e/package.json', '/style.css%00.js',
      '/web/../package.json', '/package.json', '/.env', '/data/', '/node_modules/fastify/package.json', '/src/settings.ts',
    ];
    const traversalFailures: string[] = [];
    for (const target of targets) {
      const res = await rawRequest(port, target);
      const leaked = /root:.*:0:0:|"name":\s*"slotflow"|export function compileSettings/.test(res.body);
      if (res.status !== 404 || leaked) traversalFailures.push(`${target}: ${res.status}${leaked ? ' and the file content' : ''}`);
    }
    figures.traversal_attempts = targets.length;
    checks.expect('path traversal on asset, video and page routes answers 404 and serves no file', traversalFailures.length === 0, traversalFailures.slice(0, 6).join('; ') || undefined);

    return {
      scenario: 'hostile-input', scale, submitted, completed, lost: submitted - completed, duplicates: 0, causes: {},
      figures, checks: checks.list, durationMs: Date.now() - started,
    };
  } finally {
    await d.close();
    await env.dispose();
  }
}

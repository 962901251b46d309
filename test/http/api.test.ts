import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { fullRegistry } from '../../src/runtime/composition.ts';
import { startHttp } from '../../src/http/start.ts';
import { connect, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { signBody } from '../../src/runtime/webhooks.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/** The HTTP API against a real server on a random port, with the real MariaDB and Redis behind it. */

interface SseMessage {
  id: number;
  event: string;
  data: { id: number; type: string; slot_word: string; scene: number | null };
}

/** Reads a Server-Sent Events stream until `until` says stop (or the server ends it). */
async function readEvents(url: string, headers: Record<string, string>, until: (m: SseMessage) => boolean): Promise<SseMessage[]> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  expect(res.status).to.equal(200);
  expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
  const messages: SseMessage[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body!.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
      if (fields.data === undefined) continue;
      const m = { id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) as SseMessage['data'] };
      messages.push(m);
      if (until(m)) {
        await reader.cancel();
        return messages;
      }
    }
  }
  return messages;
}

describe('HTTP API (MariaDB + Redis)', function () {
  this.timeout(90000);
  let d: Distributed;
  let base: string;
  let secured: string;
  let receiver: Server;
  after(async () => {
    await d?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });
  const env = useFreshEnv({ SLOTFLOW_WEBHOOK_BACKOFF_MS: '100', SLOTFLOW_WEBHOOK_SECRET: 'whsec-test' });

  before(async () => {
    const { settings } = env();
    d = connect(settings);
    await startScheduler(d, settings);
    await startWorker(d, settings, fullRegistry(settings));
    base = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' })).url;
    secured = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0', apiToken: 'sesame' })).url;
  });

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const finished = (id: string) =>
    eventually(`task ${id} to finish`, async () => {
      const t = (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { phase: string };
      return ['completed', 'failed', 'cancelled'].includes(t.phase) ? t : undefined;
    }, 60000, 200);

  it('accepts a task with 202 and gives the same task for the same Idempotency-Key', async () => {
    const body = { flow: 'bench-13', article: { body: 'One sentence.' } };
    const a = await post(`${base}/v1/tasks`, body, { 'idempotency-key': 'key-1' });
    expect(a.status).to.equal(202);
    const first = (await a.json()) as { id: string; status: string };
    expect(first).to.have.keys('id', 'status');
    const b = await post(`${base}/v1/tasks`, body, { 'idempotency-key': 'key-1' });
    expect(b.status).to.equal(202);
    expect(((await b.json()) as { id: string }).id).to.equal(first.id);
    const list = (await (await fetch(`${base}/v1/tasks`)).json()) as { tasks: Array<{ id: string }> };
    expect(list.tasks.filter((t) => t.id === first.id)).to.have.length(1);
  });

  it('answers 401 without the bearer token when one is set, and accepts it when given', async () => {
    const noToken = await fetch(`${secured}/v1/tasks`);
    expect(noToken.status).to.equal(401);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).to.equal('unauthorized');
    expect((await fetch(`${secured}/v1/tasks`, { headers: { authorization: 'Bearer wrong' } })).status).to.equal(401);
    expect((await fetch(`${secured}/v1/tasks`, { headers: { authorization: 'Bearer sesame' } })).status).to.equal(200);
    expect((await fetch(`${secured}/healthz`)).status).to.equal(200);
  });

  const badBodies: Array<[string, unknown, string, RegExp]> = [
    ['not JSON', '{"article":', 'invalid-body', /JSON/i],
    ['neither article nor script', { options: {} }, 'invalid-body', /article.*script/],
    ['an article without a body', { article: { title: 'x' } }, 'invalid-body', /body/],
    ['an empty article', { article: { body: '   \n ' } }, 'article-empty', /no text/i],
    ['a binary article', { article: { body: 'a\u0000b\u0000c' } }, 'article-binary', /binary|NUL/i],
    ['an unknown aspect ratio', { article: { body: 'Hello there.' }, options: { format: '4:3' } }, 'invalid-option', /format/],
    ['an odd size', { article: { body: 'Hello there.' }, options: { size: '321x181' } }, 'invalid-option', /even/],
    ['an unknown field', { article: { body: 'Hello.' }, colour: 'red' }, 'invalid-body', /colour|additional/],
    ['a callback_url that is not http', { article: { body: 'Hello.' }, callback_url: 'file:///etc/passwd' }, 'invalid-body', /callback_url/],
    ['a flow that does not exist', { flow: 'no-such-flow', article: { body: 'Hello.' } }, 'unknown-flow', /no-such-flow/],
  ];
  for (const [what, body, code, message] of badBodies) {
    it(`answers 400 with a clear message for ${what}`, async () => {
      const res = await post(`${base}/v1/tasks`, body);
      expect(res.status).to.equal(400);
      const err = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(err.code).to.equal(code);
      expect(err.message).to.match(message);
    });
  }

  it('streams the events in order, with history for a late client, and resumes from Last-Event-ID without gaps or repeats', async () => {
    const { id } = (await (await post(`${base}/v1/tasks`, { flow: 'bench-13', article: { body: 'Events.' } })).json()) as { id: string };
    const all = await readEvents(`${base}/v1/tasks/${id}/events`, {}, (m) => m.event === 'completed');
    expect(all[0]!.event).to.equal('accepted');
    expect(all.at(-1)!.event).to.equal('completed');
    expect(all.filter((m) => m.event === 'component.succeeded')).to.have.length(13);
    const ids = all.map((m) => m.id);
    expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).to.equal(ids.length);
    const cut = all[5]!.id;
    const rest = await readEvents(`${base}/v1/tasks/${id}/events`, { 'last-event-id': String(cut) }, (m) => m.event === 'completed');
    expect(rest.map((m) => m.id)).to.deep.equal(ids.slice(6));
  });

  it('serves the finished video with Range: 206 and exactly the requested bytes', async () => {
    const res = await post(`${base}/v1/tasks`, { article: { body: '# Range\n\nA short article. It has two sentences.' }, options: { size: '160x90', music: false } });
    const { id } = (await res.json()) as { id: string };
    const done = (await finished(id)) as { phase: string; video: string };
    expect(done.phase).to.equal('completed');
    const whole = Buffer.from(await (await fetch(`${base}${done.video}`)).arrayBuffer());
    expect(whole.length).to.be.above(1000);
    const part = await fetch(`${base}${done.video}`, { headers: { range: 'bytes=100-1099' } });
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-type')).to.equal('video/mp4');
    expect(part.headers.get('content-range')).to.equal(`bytes 100-1099/${whole.length}`);
    expect(Buffer.compare(Buffer.from(await part.arrayBuffer()), whole.subarray(100, 1100))).to.equal(0);
    const tail = await fetch(`${base}${done.video}`, { headers: { range: 'bytes=-10' } });
    expect(Buffer.compare(Buffer.from(await tail.arrayBuffer()), whole.subarray(whole.length - 10))).to.equal(0);
    expect((await fetch(`${base}${done.video}`, { headers: { range: `bytes=${whole.length + 5}-` } })).status).to.equal(416);
    const view = (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { assets: Array<{ url: string }>; scenes: unknown[] };
    expect(view.scenes.length).to.be.above(0);
    expect((await fetch(`${base}${view.assets[0]!.url}`)).status).to.equal(200);
    expect((await fetch(`${base}/v1/assets/..%2F..%2Fetc%2Fpasswd`)).status).to.equal(404);
  });

  it('delivers every webhook event despite two failed deliveries, each signed, each seen once after dropping repeats', async () => {
    const seen = new Map<number, { type: string; count: number }>();
    let calls = 0;
    let badSignatures = 0;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls++;
        if (calls <= 2) return res.writeHead(500).end();
        if (req.headers['x-slotflow-signature'] !== signBody('whsec-test', body)) badSignatures++;
        const e = JSON.parse(body) as { id: number; type: string };
        expect(String(e.id)).to.equal(req.headers['x-slotflow-event-id']);
        const prior = seen.get(e.id);
        seen.set(e.id, { type: e.type, count: (prior?.count ?? 0) + 1 });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const { id } = (await (await post(`${base}/v1/tasks`, { flow: 'bench-13', article: { body: 'Hooks.' }, callback_url: hook })).json()) as { id: string };
    await finished(id);
    const stored = await d.store.listEvents(id);
    await eventually('every event delivered', async () => (stored.every((e) => seen.has(e.id)) ? true : undefined), 30000, 100);
    expect(badSignatures).to.equal(0);
    expect([...seen.values()].map((v) => v.type)).to.include.members(['accepted', 'started', 'component.succeeded', 'completed']);
    // The receiver can see a delivery a moment before the dispatcher records it.
    const attempts = await eventually('every attempt recorded', async () => {
      const list = await d.store.listWebhookAttempts(id);
      return list.filter((a) => a.ok).length >= stored.length ? list : undefined;
    }, 10000, 100);
    expect(attempts.filter((a) => !a.ok)).to.have.length(2);
    expect(new Set(attempts.filter((a) => a.ok).map((a) => a.eventId))).to.deep.equal(new Set(stored.map((e) => e.id)));
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['slotflow_tasks', 'slotflow_component_run_seconds', 'slotflow_queue_jobs', 'slotflow_dispatch_latency_seconds', 'slotflow_answers_rejected_total', 'slotflow_webhook_deliveries_total']) {
      expect(text).to.include(name);
    }
    expect(text).to.match(/slotflow_tasks\{phase="completed",status="done"\} \d+/);
  });
});

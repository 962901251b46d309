import { rename } from 'node:fs/promises';
import { expect } from 'chai';
import { lexicalEmbedder, lexicalVector } from '../../src/pipeline/text/lexical-vector.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { OpenAiEmbeddings } from '../../src/providers/embeddings/openai-embeddings.ts';
import { pipelineReuseRequest } from '../../src/pipeline/reuse-request.ts';
import type { Distributed } from '../../src/runtime/composition.ts';
import { taskOutputs } from '../../src/runtime/composition.ts';
import { RequestReuse, settingsHash } from '../../src/runtime/reuse/request-reuse.ts';
import { sendJson, startFakeServer } from '../providers/support/fake-http.ts';
import { eventually } from '../support/env.ts';
import { useFullServer } from '../support/server.ts';

/**
 * Near-duplicate reuse through the HTTP API, against the real MariaDB and
 * Redis with a real render: once a request has completed, a paraphrase of it
 * is answered at once with its video (`reused_from`, zero executions, a
 * `reused` event); `reuse: false`, a near miss and other settings run fresh.
 * One render only: what runs fresh is cancelled once that is seen.
 */

interface TaskJson {
  id: string;
  phase: string;
  reused_from: string | null;
  video: string | null;
  components: Array<{ component: string; executions: number; cached: boolean; state: string }>;
}

describe('near-duplicate reuse over the HTTP API (MariaDB + Redis)', function () {
  this.timeout(240000);
  let d: Distributed;
  let base: string;
  const server = useFullServer();
  before(() => ({ d, base } = server()));

  const options = { size: '160x90', music: false };
  const flow = loadFlow('article-video', process.cwd());
  const original = { article: { body: '# Breakfast\n\nA coffee cup on a wooden table. The morning light falls across it.' }, options };
  const paraphrase = { article: { body: '# Breakfast\n\nOn a wooden table, a cup of coffee. Across it falls the light of morning.' }, options };
  const nearMiss = { article: { body: '# Breakfast\n\nA tea cup on a wooden table. The morning light falls across it.' }, options };

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const submit = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await post('/v1/tasks', body, headers);
    expect(res.status).to.equal(202);
    return ((await res.json()) as { id: string; status: string });
  };
  const view = async (id: string) => (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as TaskJson;
  const executions = (t: TaskJson) => t.components.reduce((n, c) => n + c.executions, 0);
  /** Runs fresh: no reuse, and a component is dispatched for it; then it is cancelled, its run is not the point. */
  const runsFresh = async (id: string) => {
    const t = await view(id);
    expect(t.reused_from).to.equal(null);
    expect(t.phase).to.not.equal('completed');
    expect(t.components.some((c) => c.state !== 'succeeded')).to.equal(true);
    expect((await post(`/v1/tasks/${id}/cancel`, {})).status).to.equal(202);
  };

  /** The stored lexical vectors of the paraphrase's bucket and settings. */
  const filed = () => d.store.requestCandidates(settingsHash(flow, options), 'lexical/1', lexicalVector(pipelineReuseRequest(paraphrase)!.text).bucket, 10);

  let first: TaskJson;
  before(async function () {
    this.timeout(200000);
    const { id } = await submit(original);
    first = await eventually(`task ${id} to finish`, async () => {
      const t = await view(id);
      return ['completed', 'failed', 'cancelled'].includes(t.phase) ? t : undefined;
    }, 190000, 250);
    expect(first.phase).to.equal('completed');
    expect(executions(first)).to.be.above(0);
  });

  it('answers a paraphrase of a completed request at once with its video: reused_from, zero executions, reused and completed events', async () => {
    const { id, status } = await submit(paraphrase);
    expect(status).to.equal('completed');
    const t = await view(id);
    expect(t.phase).to.equal('completed');
    expect(t.reused_from).to.equal(first.id);
    expect(executions(t)).to.equal(0);
    expect(t.components.every((c) => c.state === 'succeeded' && c.cached)).to.equal(true);
    const [mine, theirs] = await Promise.all([fetch(`${base}/v1/tasks/${id}/video`), fetch(`${base}/v1/tasks/${first.id}/video`)]);
    expect(mine.status).to.equal(200);
    expect(Buffer.from(await mine.arrayBuffer()).equals(Buffer.from(await theirs.arrayBuffer())), 'the same video').to.equal(true);
    const sse = await (await fetch(`${base}/v1/tasks/${id}/events`)).text();
    const types = [...sse.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(types).to.deep.equal(['accepted', 'reused', 'completed']);
    expect(sse).to.contain(`"reused_from":"${first.id}"`);
  });

  it('sends the reused and completed events to the callback_url', async () => {
    const hooks = await startFakeServer((_q, res) => sendJson(res, 200, {}));
    try {
      const { id } = await submit({ ...paraphrase, callback_url: `${hooks.origin}/hook` });
      const types = await eventually('the webhooks of the reused task', async () => {
        const got = hooks.requests.map((r) => r.headers['x-slotflow-event']);
        return got.includes('completed') ? got : undefined;
      }, 30000, 100);
      expect(types).to.deep.equal(['accepted', 'reused', 'completed']);
      const reused = JSON.parse(hooks.requests[1]!.body.toString('utf8')) as { task_id: string; data: { reused_from: string } };
      expect(reused).to.deep.include({ task_id: id, data: { reused_from: first.id, similarity: 1 } });
    } finally {
      await hooks.close();
    }
  });

  it('keeps idempotency keys: the same key and body answer the same reused task', async () => {
    const a = await submit(paraphrase, { 'idempotency-key': 'reuse-key-1' });
    const b = await submit(paraphrase, { 'idempotency-key': 'reuse-key-1' });
    expect(b.id).to.equal(a.id);
    expect((await view(a.id)).reused_from).to.equal(first.id);
  });

  it('runs fresh with options.reuse false', async () => {
    await runsFresh((await submit({ ...paraphrase, options: { ...options, reuse: false } })).id);
  });

  it('runs fresh for the near miss ("a tea cup")', async () => {
    await runsFresh((await submit(nearMiss)).id);
  });

  it('runs fresh for the same request in another format', async () => {
    await runsFresh((await submit({ ...paraphrase, options: { ...options, format: '9:16' } })).id);
  });

  it('runs fresh once the earlier video is gone, and drops its vector so it is not found again', async () => {
    const video = taskOutputs.describe(await d.reads.outputsOf(first.id, taskOutputs.sources(flow)), '').download!.path;
    expect((await filed()).map((c) => c.taskId)).to.deep.equal([first.id]);
    const kept = `${video}.kept`;
    await rename(video, kept);
    try {
      await runsFresh((await submit(paraphrase)).id);
      expect(await filed()).to.deep.equal([]);
    } finally {
      await rename(kept, video);
    }
  });

  it('with a remote embedder, compares its vectors (and only its own) against the same MySQL store', async () => {
    const fake = await startFakeServer((q, res) => {
      const input = String((JSON.parse(q.body.toString('utf8')) as { input: string }).input);
      // A model that places the tea cup far from the coffee cup, and both coffee texts close together.
      sendJson(res, 200, { data: [{ embedding: /tea/.test(input) ? [0, 1, 0] : /cup of coffee/.test(input) ? [1, 0.1, 0] : [1, 0.09, 0] }] });
    });
    try {
      const embedder = new OpenAiEmbeddings({ baseUrl: `${fake.origin}/v1`, model: 'fake-embed' });
      const reuse = new RequestReuse({ store: d.store, flows: d.flows, outputs: taskOutputs, embedder, describe: pipelineReuseRequest, similarity: 0.98 });
      expect(await reuse.find(flow, paraphrase), 'nothing filed for this model yet').to.equal(undefined);
      await reuse.remember(first.id);
      const match = await reuse.find(flow, paraphrase);
      expect(match?.taskId).to.equal(first.id);
      expect(match!.similarity).to.be.above(0.98);
      expect(await reuse.find(flow, nearMiss)).to.equal(undefined);
      expect(await reuse.find(flow, { ...paraphrase, options: { ...options, reuse: false } })).to.equal(undefined);
      expect(fake.requests.every((r) => r.path === '/v1/embeddings')).to.equal(true);
    } finally {
      await fake.close();
    }
  });

  it('stops answering with a task once one of its scenes was regenerated: its video no longer says its request alone', async () => {
    // Filed again (the test above dropped it) through the lexical reuse the server runs, and answered from.
    await new RequestReuse({ store: d.store, flows: d.flows, outputs: taskOutputs, embedder: lexicalEmbedder, describe: pipelineReuseRequest, similarity: 0.98 }).remember(first.id);
    expect((await view((await submit(original)).id)).reused_from).to.equal(first.id);
    const res = await post(`/v1/tasks/${first.id}/scenes/1/regenerate`, { narration: 'A different first scene entirely.' });
    expect(res.status).to.equal(202);
    await eventually(`task ${first.id} to finish again`, async () => {
      const t = await view(first.id);
      const takes = await d.reads.listTakes(first.id);
      return t.phase === 'completed' && takes.some((c) => c.take > 1 && c.phase === 'completed') ? t : undefined;
    }, 120000, 250);
    await runsFresh((await submit(original)).id);
    expect(await filed()).to.deep.equal([]);
  });
});

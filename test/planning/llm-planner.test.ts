import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import type { HandlerContext } from '../../src/handlers/registry.ts';
import type { PipelineDeps } from '../../src/pipeline/deps.ts';
import { makePromptPlan } from '../../src/pipeline/handlers/prompt-plan.ts';
import { MAX_REPAIRS, PLAN_SCHEMA_NAME, PlanInvalidError } from '../../src/pipeline/planning/llm-planner.ts';
import { SCENE_PLAN_SCHEMA } from '../../src/pipeline/planning/scene-plan.ts';
import { OpenAiChatProvider } from '../../src/providers/chat/openai-chat.ts';
import { EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { sendJson, startFakeServer, type FakeServer, type RecordedRequest } from '../providers/support/fake-http.ts';

/** An OpenAI-compatible chat server in the test: it answers each request with the next of `answers`. */
function completion(content: string, usage?: Record<string, unknown>) {
  return { id: 'c', object: 'chat.completion', model: 'planner-test', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], ...(usage ? { usage } : {}) };
}

const VALID = JSON.stringify({
  title: 'Coffee that wakes you up',
  scenes: [
    { narration: 'Mornings are hard. Coffee makes them easy.', visual_keywords: ['sunrise', 'coffee'], duration_sec: 4 },
    { narration: 'Roasted this week, ground for you today.', visual_keywords: ['coffee beans'], duration_sec: 4 },
    { narration: 'Order a bag now and taste the difference.', visual_keywords: ['shopping cart'], duration_sec: 4 },
  ],
});
/** Not a plan: a scene without visual keywords and a duration that is a string. */
const INVALID = JSON.stringify({ title: 'Coffee', scenes: [{ narration: 'Coffee.', duration_sec: 'ten' }] });

interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format: { type: string; json_schema: { name: string; schema: unknown; strict: boolean } };
}
const bodyOf = (r: RecordedRequest) => JSON.parse(r.body.toString('utf8')) as ChatBody;

describe('the LLM planner, against a local OpenAI-compatible server', () => {
  let server: FakeServer;
  let dir: string;
  /** What the planner recorded in the asset ledger. */
  let recorded: Array<Parameters<HandlerContext['recordAsset']>[0]>;
  beforeEach(async () => {
    server = await startFakeServer();
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-plan-'));
    recorded = [];
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  function answering(...answers: string[]) {
    let n = 0;
    server.handle((_q, res) => sendJson(res, 200, completion(answers[Math.min(n++, answers.length - 1)]!)));
  }

  function plan(base = `${server.origin}/v1`, options: Record<string, unknown> = { tone: 'upbeat', duration_s: 12, voice: 'espeak-ng' }) {
    const chat = new OpenAiChatProvider({ baseUrl: base, apiKey: 'sk-plan', model: 'planner-test', http: { timeoutMs: 5000 } });
    const deps = { speech: [new EspeakNgProvider()], chat, assets: new AssetStore(dir) } as unknown as PipelineDeps;
    const ctx = {
      input: { prompt: 'Create a 12-second ad for a coffee brand', options }, inputs: {}, signal: new AbortController().signal, component: 'ScriptPlanner',
      recordAsset: (a: (typeof recorded)[number]) => recorded.push(a),
    } as unknown as HandlerContext;
    return makePromptPlan(deps)(ctx);
  }

  it('posts to /chat/completions with the model, the bearer key and the scene schema in response_format', async () => {
    answering(VALID);
    const out = await plan();
    expect(server.requests).to.have.length(1);
    const [request] = server.requests;
    expect(request).to.include({ method: 'POST', path: '/v1/chat/completions' });
    expect(request!.headers.authorization).to.equal('Bearer sk-plan');
    const body = bodyOf(request!);
    expect(body.model).to.equal('planner-test');
    expect(body.response_format).to.deep.equal({ type: 'json_schema', json_schema: { name: PLAN_SCHEMA_NAME, schema: SCENE_PLAN_SCHEMA, strict: true } });
    expect(body.messages.map((m) => m.role)).to.deep.equal(['system', 'user']);
    expect(body.messages[0]!.content).to.contain('upbeat').and.to.contain('12 seconds');
    expect(body.messages[1]!.content).to.equal('Create a 12-second ad for a coffee brand');
    expect(out.planner).to.include({ name: 'llm', model: 'planner-test', label: 'LLM (planner-test)', requests: 1 });
    expect(out.title).to.equal('Coffee that wakes you up');
    expect(out.scenes.map((s) => s.text)).to.deep.equal(JSON.parse(VALID).scenes.map((s: { narration: string }) => s.narration));
    expect(out.scenes[0]!.visual_terms).to.deep.equal(['sunrise', 'coffee']);
  });

  it('asks again with ajv\'s errors when the first answer is invalid, and takes the valid second one', async () => {
    answering(INVALID, VALID);
    const out = await plan();
    expect(server.requests).to.have.length(2);
    const repair = bodyOf(server.requests[1]!).messages;
    expect(repair.map((m) => m.role)).to.deep.equal(['system', 'user', 'assistant', 'user']);
    expect(repair[2]!.content).to.equal(INVALID);
    expect(repair[3]!.content).to.contain('/scenes/0 must have required property \'visual_keywords\'').and.to.contain('/scenes/0/duration_sec must be number');
    expect(out.planner.requests).to.equal(2);
    // Durations are the narration's own at the voice's rate, not what the model said.
    expect(out.planner.fit.target_sec).to.equal(12);
    expect(out.scenes.reduce((n, s) => n + s.estimatedSec, 0)).to.be.closeTo(out.planner.fit.estimated_sec, 0.2);
  });

  it('keeps the fitted plan as an asset with what the server said its requests cost, summed over the repair', async () => {
    let n = 0;
    server.handle((_q, res) => sendJson(res, 200, n++ === 0 ? completion(INVALID, { cost: 0.0012 }) : completion(VALID, { total_cost: 0.0008 })));
    const out = await plan();
    expect(recorded).to.have.length(1);
    const [asset] = recorded;
    expect(asset).to.include({ kind: 'plan', provider: 'openai-chat' });
    expect(asset!.costUsd).to.be.closeTo(0.002, 1e-12);
    const kept = JSON.parse(await readFile(asset!.path, 'utf8')) as { title: string; scenes: Array<{ narration: string }> };
    expect(kept.title).to.equal(out.title);
    expect(kept.scenes.map((s) => s.narration)).to.deep.equal(out.scenes.map((s) => s.text));
  });

  it('records no cost where the server reports none', async () => {
    answering(VALID);
    await plan();
    expect(recorded.map((a) => a.costUsd)).to.deep.equal([null]);
  });

  it('repairs an answer that is not JSON at all', async () => {
    answering('Sure! Here is your plan: scenes...', VALID);
    const out = await plan();
    expect(bodyOf(server.requests[1]!).messages[3]!.content).to.contain('not JSON');
    expect(out.planner.requests).to.equal(2);
  });

  it(`fails with plan-invalid, not retried, when the answer is still invalid after ${MAX_REPAIRS} repairs`, async () => {
    answering(INVALID);
    const error = await plan().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(PlanInvalidError);
    expect(error).to.include({ code: 'plan-invalid', retryable: false, attempts: MAX_REPAIRS + 1 });
    expect((error as Error).message).to.contain('visual_keywords');
    expect(server.requests).to.have.length(MAX_REPAIRS + 1);
  });

  it('fails with a retryable provider-unreachable when the server is down', async () => {
    const down = await startFakeServer();
    const origin = down.origin;
    await down.close();
    const error = await plan(`${origin}/v1`).then(() => undefined, (e: unknown) => e);
    expect(error).to.include({ code: 'provider-unreachable', retryable: true });
  });
});

import { expect } from 'chai';
import { isTerminal } from '../../src/core/engine/task.ts';
import { compileFlow, type CompiledFlow } from '../../src/core/flow/compile.ts';
import { eventually } from '../support/env.ts';
import { useFullServer } from '../support/server.ts';
import { type PredictionServer, type ServerRequest, startPredictionServer } from '../providers/support/prediction-server.ts';

/**
 * A `kind: "callback"` component with `params.protocol: "prediction"`, through the whole engine (MariaDB, Redis,
 * scheduler, worker, HTTP API): the runner submits a prediction whose webhook is the attempt's signed callback URL,
 * and a local server speaking the protocol posts the prediction back as a provider would.
 */

interface Delivery {
  status: string;
  code: number;
  body: unknown;
}

function predictionFlow(url: string, name: string, extra: Record<string, unknown> = {}): CompiledFlow {
  return compileFlow({
    flow: name, version: 1,
    modules: [{
      module_name: 'Make', status: 'making', next_status: 'made',
      components: [
        { component_name: 'Prompt', slot_index: 0, depends: [], handler: 'builtin.noop' },
        {
          component_name: 'Clip', slot_index: 1, depends: ['Prompt'], kind: 'callback', timeout_ms: 20_000,
          params: { url, protocol: 'prediction', model: 'acme/clipgen', input: { fps: 24, prompt: 'a kettle on a table' } },
          ...extra,
        },
        { component_name: 'After', slot_index: 2, depends: ['Clip'], handler: 'builtin.noop' },
      ],
    }],
  });
}

describe('prediction callbacks through the engine', function () {
  this.timeout(60_000);
  const full = useFullServer();
  let provider: PredictionServer;
  /** What each scenario posts to a webhook, in order, after the submit is answered. */
  let script: (submit: ServerRequest, id: string) => Array<{ afterMs: number; body: Record<string, unknown> }>;
  let deliveries: Delivery[];
  let pending: Array<Promise<void>>;

  before(async () => {
    provider = await startPredictionServer();
  });
  after(async () => {
    await provider.close();
  });
  beforeEach(() => {
    deliveries = [];
    pending = [];
    provider.onSubmit = (submit, index) => {
      const id = `pred-${index + 1}`;
      // The worker's public URL is the configured one; the API listens on a port chosen at start: same path, real origin.
      const hook = new URL((submit.body as { webhook: string }).webhook);
      const target = `${full().base}${hook.pathname}`;
      let chain = Promise.resolve();
      for (const step of script(submit, id)) {
        chain = chain.then(async () => {
          await new Promise((r) => setTimeout(r, step.afterMs));
          const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(step.body) });
          deliveries.push({ status: String(step.body.status), code: res.status, body: await res.json() });
        });
      }
      pending.push(chain);
      return { status: 201, body: { id, status: 'starting', urls: { get: `${provider.origin}/v1/predictions/${id}` } } };
    };
  });
  afterEach(async () => {
    await Promise.all(pending);
  });

  const finished = (id: string) =>
    eventually(`task ${id} to finish`, async () => {
      const snap = await full().d.store.readTask(id);
      return snap && isTerminal(snap.phase) ? snap : undefined;
    });
  const runsOf = async (id: string, component: string) => (await full().d.store.listRuns(id)).filter((r) => r.component === component);

  it('settles on the succeeded webhook: processing is acknowledged, a duplicate is harmless; one success, one run', async () => {
    script = (_s, id) => [
      { afterMs: 50, body: { id, status: 'processing', output: null } },
      { afterMs: 50, body: { id, status: 'succeeded', output: ['https://cdn.example.org/clip.mp4'] } },
      { afterMs: 50, body: { id, status: 'succeeded', output: ['https://cdn.example.org/clip.mp4'] } },
    ];
    const flow = predictionFlow(`${provider.origin}/v1/predictions`, 'prediction-ok');
    const { id } = await full().d.engine.submit({ flow, input: {} });
    const done = await finished(id);
    await Promise.all(pending);
    expect(done.phase).to.equal('completed');
    expect(done.word).to.equal(flow.successMask);

    const submits = provider.requestsTo('/v1/predictions', 'POST');
    expect(submits).to.have.length(1);
    const body = submits[0]!.body as Record<string, unknown>;
    expect(body).to.include({ model: 'acme/clipgen' });
    expect(body.input).to.deep.equal({ fps: 24, prompt: 'a kettle on a table' });
    expect(body.webhook_events_filter).to.deep.equal(['completed']);
    expect(String(body.webhook)).to.match(/\/v1\/callbacks\/[^/]+$/);

    expect(deliveries.map((d) => [d.status, d.code])).to.deep.equal([['processing', 202], ['succeeded', 202], ['succeeded', 200]]);
    expect(deliveries[2]!.body).to.deep.equal({ accepted: false, duplicate: true });
    const runs = await runsOf(id, 'Clip');
    expect(runs.map((r) => [r.attempt, r.status])).to.deep.equal([[1, 'succeeded']]);
    expect(runs[0]!.output).to.deep.equal({ prediction_id: 'pred-1', output: ['https://cdn.example.org/clip.mp4'] });
    expect(await runsOf(id, 'After')).to.have.length(1);
  });

  it('still lands a webhook that comes long after the submit, and the sweeper does not submit it again meanwhile', async () => {
    const before = provider.requestsTo('/v1/predictions', 'POST').length;
    script = (_s, id) => [{ afterMs: 2500, body: { id, status: 'succeeded', output: 'https://cdn.example.org/late.mp4' } }];
    const flow = predictionFlow(`${provider.origin}/v1/predictions`, 'prediction-slow');
    const { id } = await full().d.engine.submit({ flow, input: {} });
    const done = await finished(id);
    expect(done.phase).to.equal('completed');
    expect(deliveries.map((d) => [d.status, d.code])).to.deep.equal([['succeeded', 202]]);
    // The wait is past SLOTFLOW_SWEEP_IDLE_MS (1.5 s in tests): still one prediction.
    expect(provider.requestsTo('/v1/predictions', 'POST').length - before).to.equal(1);
    expect((await runsOf(id, 'Clip'))[0]!.output).to.deep.equal({ prediction_id: `pred-${before + 1}`, output: 'https://cdn.example.org/late.mp4' });
  });

  it('fails the component with the provider\'s message on a failed webhook, retried per the component\'s retry', async () => {
    const before = provider.requestsTo('/v1/predictions', 'POST').length;
    script = (_s, id) => [
      { afterMs: 50, body: { id, status: 'processing' } },
      { afterMs: 50, body: { id, status: 'failed', error: 'CUDA out of memory on the worker' } },
    ];
    const flow = predictionFlow(`${provider.origin}/v1/predictions`, 'prediction-fail', { retry: { attempts: 2, backoff_ms: 100 } });
    const { id } = await full().d.engine.submit({ flow, input: {} });
    const done = await finished(id);
    await Promise.all(pending);
    expect(done.phase).to.equal('failed');
    expect(provider.requestsTo('/v1/predictions', 'POST').length - before).to.equal(2);
    const runs = await runsOf(id, 'Clip');
    expect(runs.map((r) => [r.attempt, r.status])).to.deep.equal([[1, 'failed'], [2, 'failed']]);
    for (const run of runs) {
      expect(run.error?.message).to.contain('CUDA out of memory on the worker');
      expect(run.error?.code).to.equal('prediction-failed');
    }
    expect(await runsOf(id, 'After')).to.have.length(0);
  });

  it('refuses a slotflow answer body on a prediction token', async () => {
    let hook = '';
    script = (submit) => {
      hook = new URL((submit.body as { webhook: string }).webhook).pathname;
      return [];
    };
    const flow = predictionFlow(`${provider.origin}/v1/predictions`, 'prediction-shape');
    const { id } = await full().d.engine.submit({ flow, input: {} });
    await eventually('the prediction to be submitted', async () => (hook ? true : undefined));
    const res = await fetch(`${full().base}${hook}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'succeeded', output: 1 }) });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('invalid-body');
    const snap = await full().d.store.readTask(id);
    expect(snap!.phase).to.not.equal('completed');
    await full().d.engine.cancel(id);
  });
});

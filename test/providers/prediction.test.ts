import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { ProviderHttpError, ProviderResponseError } from '../../src/providers/http.ts';
import { PredictionFailedError, PredictionRequestInvalid, PredictionTimeoutError } from '../../src/providers/prediction/errors.ts';
import { PredictionClient } from '../../src/providers/prediction/prediction-client.ts';
import { type PredictionServer, startPredictionServer } from './support/prediction-server.ts';

/** Fast polls and retries, so the tests take little time; the gaps asserted are the ones these ask for. */
const FAST = { retryBackoffMs: 20 } as const;
const POLL = { pollMs: 20, maxPollMs: 200, timeoutMs: 10_000 } as const;

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

describe('prediction client (a local server speaking the protocol)', function () {
  this.timeout(30_000);
  let server: PredictionServer;
  let dir: string;
  let store: AssetStore;
  let client: PredictionClient;
  beforeEach(async () => {
    server = await startPredictionServer();
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-prediction-'));
    store = new AssetStore(dir);
    client = new PredictionClient({ baseUrl: server.origin, apiKey: 'k-123', model: 'acme/imagegen', ...FAST });
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('submits with the model, input and bearer key, and returns the prediction id and request id', async () => {
    server.onPoll = (p) => {
      p.status = 'succeeded';
      p.output = { caption: 'a red kettle' };
      return undefined;
    };
    const submitted = await client.submit({ prompt: 'kettle' });
    expect(submitted).to.deep.equal({ id: 'p1', status: 'starting', requestId: 'req-1' });
    const [submit] = server.requestsTo('/v1/predictions', 'POST');
    expect(submit!.headers.authorization).to.equal('Bearer k-123');
    expect(submit!.body).to.deep.equal({ input: { prompt: 'kettle' }, model: 'acme/imagegen' });
    const done = await client.wait(submitted.id, POLL);
    expect(done).to.deep.equal({ id: 'p1', status: 'succeeded', output: { caption: 'a red kettle' }, requestId: 'req-2' });
    expect(server.requestsTo('/v1/predictions/p1', 'GET')).to.have.length(1);
  });

  it('polls a slow prediction with growing delays until it succeeds', async () => {
    server.onPoll = (p) => {
      p.status = p.polls <= 4 ? 'processing' : 'succeeded';
      if (p.status === 'succeeded') p.output = 'done';
      return undefined;
    };
    const { id } = await client.submit({ prompt: 'slow' });
    const done = await client.wait(id, { pollMs: 25, maxPollMs: 1000, timeoutMs: 10_000 });
    expect(done.status).to.equal('succeeded');
    const polls = server.requestsTo('/v1/predictions/p1', 'GET').map((r) => r.at);
    expect(polls).to.have.length(5);
    // Each gap is at least the backoff asked for: 25, 50, 100, 200 ms.
    gaps(polls).forEach((gap, i) => expect(gap, `gap ${i}`).to.be.at.least(25 * 2 ** i - 1));
  });

  it('waits out a 429 Retry-After in seconds on submit before asking again', async () => {
    server.onSubmit = (_r, index) => (index === 0 ? { status: 429, body: { detail: 'throttled' }, headers: { 'retry-after': '1' } } : undefined);
    const submitted = await client.submit({ prompt: 'x' });
    expect(submitted.id).to.equal('p1');
    const submits = server.requestsTo('/v1/predictions', 'POST').map((r) => r.at);
    expect(submits).to.have.length(2);
    expect(submits[1]! - submits[0]!).to.be.at.least(1000);
  });

  it('waits out a 429 Retry-After given as an HTTP date on a poll', async () => {
    let askedUntil = 0;
    const wallTimes: number[] = [];
    server.onPoll = (p) => {
      wallTimes.push(Date.now());
      if (p.polls === 1) {
        const until = new Date(Date.now() + 2000);
        askedUntil = Math.floor(until.getTime() / 1000) * 1000; // an HTTP date has whole seconds
        return { status: 429, body: { detail: 'slow down' }, headers: { 'retry-after': until.toUTCString() } };
      }
      p.status = 'succeeded';
      p.output = 'ok';
      return undefined;
    };
    const { id } = await client.submit({ prompt: 'x' });
    const done = await client.wait(id, POLL);
    expect(done.output).to.equal('ok');
    expect(wallTimes).to.have.length(2);
    expect(wallTimes[1]).to.be.at.least(askedUntil);
  });

  it('hands a Retry-After longer than it will wait to the caller, with the wait', async () => {
    const patient = new PredictionClient({ baseUrl: server.origin, maxRetryAfterMs: 5000, ...FAST });
    server.onSubmit = () => ({ status: 429, body: { detail: 'come back later' }, headers: { 'retry-after': '120' } });
    const error = await patient.submit({ prompt: 'x' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ code: 'provider-rate-limited', retryable: true, retryAfterMs: 120_000 });
    expect(server.requestsTo('/v1/predictions', 'POST')).to.have.length(1);
  });

  it('reports a failed prediction once, not retried, with the provider error and request id', async () => {
    server.onPoll = (p) => {
      p.status = p.polls < 2 ? 'processing' : 'failed';
      if (p.status === 'failed') p.error = 'NSFW content detected in the output';
      return undefined;
    };
    const { id } = await client.submit({ prompt: 'x' });
    const error = await client.wait(id, POLL).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PredictionFailedError);
    expect(error).to.include({ code: 'prediction-failed', retryable: false, predictionId: 'p1', status: 'failed', providerError: 'NSFW content detected in the output' });
    // The request id of the answer that said so: submit was req-1, the polls req-2 and req-3.
    expect((error as PredictionFailedError).requestId).to.equal('req-3');
    expect(server.requestsTo('/v1/predictions', 'POST')).to.have.length(1);
    expect(server.requestsTo('/v1/predictions/p1', 'GET')).to.have.length(2);
  });

  it('reports a prediction canceled on the provider side as failed', async () => {
    server.onPoll = (p) => {
      p.status = 'canceled';
      return undefined;
    };
    const { id } = await client.submit({ prompt: 'x' });
    const error = await client.wait(id, POLL).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PredictionFailedError);
    expect(error).to.include({ status: 'canceled', retryable: false });
  });

  it('retries 5xx answers on submit and poll, then succeeds', async () => {
    server.onSubmit = (_r, index) => (index < 2 ? { status: 502, body: { detail: 'bad gateway' } } : undefined);
    let failures = 0;
    server.onPoll = (p) => {
      if (failures++ < 2) return { status: 500, body: { detail: 'oops' } };
      p.status = 'succeeded';
      p.output = 'fine';
      return undefined;
    };
    const { id } = await client.submit({ prompt: 'x' });
    const done = await client.wait(id, POLL);
    expect(done.output).to.equal('fine');
    expect(server.requestsTo('/v1/predictions', 'POST')).to.have.length(3);
    expect(server.requestsTo('/v1/predictions/p1', 'GET')).to.have.length(3);
    expect(server.predictions.size).to.equal(1);
  });

  it('gives up after its retries with the last 5xx, retryable for the engine', async () => {
    const brief = new PredictionClient({ baseUrl: server.origin, retries: 2, ...FAST });
    server.onSubmit = () => ({ status: 503, body: { detail: 'down' } });
    const error = await brief.submit({ prompt: 'x' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ status: 503, code: 'provider-unavailable', retryable: true });
    expect(server.requestsTo('/v1/predictions', 'POST')).to.have.length(3);
  });

  it('does not retry a 4xx refusal', async () => {
    server.onSubmit = () => ({ status: 422, body: { detail: 'input.prompt is required' } });
    const error = await client.submit({}).catch((e: unknown) => e);
    expect(error).to.include({ status: 422, code: 'provider-refused', retryable: false });
    expect((error as ProviderHttpError).body).to.contain('input.prompt is required');
    expect(server.requestsTo('/v1/predictions', 'POST')).to.have.length(1);
  });

  it('downloads the output URLs into the asset store', async () => {
    const first = Buffer.from('first output file, pretend PNG');
    const second = Buffer.from('second output file, pretend PNG, a little longer');
    server.files.set('a.png', first);
    server.files.set('b.png', second);
    server.onPoll = (p) => {
      p.status = 'succeeded';
      p.output = [`${server.origin}/files/a.png`, `${server.origin}/files/b.png`];
      return undefined;
    };
    const result = await client.run({ prompt: 'two' }, store, POLL);
    expect(result).to.include({ provider: 'remote:acme/imagegen', predictionId: 'p1', requestId: 'req-2' });
    expect(result.files.map((f) => f.url)).to.deep.equal([`${server.origin}/files/a.png`, `${server.origin}/files/b.png`]);
    for (const [file, bytes] of [[result.files[0]!, first], [result.files[1]!, second]] as const) {
      expect(store.contains(file.path)).to.equal(true);
      expect(path.extname(file.path)).to.equal('.png');
      expect(file.hash).to.equal(createHash('sha256').update(bytes).digest('hex'));
      expect(await readFile(file.path)).to.deep.equal(bytes);
    }
  });

  it('refuses an output file over the size limit', async () => {
    server.files.set('big.mp4', Buffer.alloc(4096, 1));
    server.onPoll = (p) => {
      p.status = 'succeeded';
      p.output = `${server.origin}/files/big.mp4`;
      return undefined;
    };
    const error = await client.run({ prompt: 'big' }, store, { ...POLL, maxBytes: 1000 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderResponseError);
    expect(error).to.include({ code: 'provider-bad-answer' });
  });

  it('times out a prediction that never ends, and asks the provider to cancel it', async () => {
    server.onPoll = (p) => {
      if (p.status !== 'canceled') p.status = 'processing';
      return undefined;
    };
    const { id } = await client.submit({ prompt: 'forever' });
    const error = await client.wait(id, { pollMs: 20, maxPollMs: 50, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PredictionTimeoutError);
    expect(error).to.include({ code: 'prediction-timeout', retryable: true, predictionId: 'p1', timeoutMs: 300, lastStatus: 'processing' });
    expect(server.requestsTo('/v1/predictions/p1/cancel', 'POST')).to.have.length(1);
  });

  it('stops waiting when its signal is aborted, with the signal\'s reason, and cancels the prediction', async () => {
    server.onPoll = () => undefined; // stays `starting`
    const { id } = await client.submit({ prompt: 'abandoned' });
    const controller = new AbortController();
    const reason = new Error('the worker is shutting down');
    setTimeout(() => controller.abort(reason), 100);
    const error = await client.wait(id, { ...POLL, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).to.equal(reason);
    expect(server.requestsTo('/v1/predictions/p1/cancel', 'POST')).to.have.length(1);
  });

  it('refuses bad input before sending anything', async () => {
    expect(() => new PredictionClient({ baseUrl: '' })).to.throw(PredictionRequestInvalid);
    const error = await client.submit(['not', 'an', 'object'] as unknown as Record<string, unknown>).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PredictionRequestInvalid);
    expect(error).to.include({ code: 'invalid-prediction-request' });
    const badWait = await client.wait('p1', { pollMs: -1 }).catch((e: unknown) => e);
    expect(badWait).to.be.instanceOf(PredictionRequestInvalid);
    expect(server.requests).to.have.length(0);
  });

  it('refuses an answer that is not a prediction', async () => {
    server.onSubmit = () => ({ status: 201, body: { status: 'starting' } });
    const error = await client.submit({ prompt: 'x' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderResponseError);
    expect((error as Error).message).to.contain('no id');
  });
});

import { expect } from 'chai';
import { OpenAiEmbeddings } from '../../../src/providers/embeddings/openai-embeddings.ts';
import { ProviderHttpError, ProviderResponseError } from '../../../src/providers/http.ts';
import { cosine } from '../../../src/runtime/reuse/cosine.ts';
import { FAST_RETRIES, sendJson, startFakeServer, type FakeServer } from '../support/fake-http.ts';

/** The remote embedder against a local server that speaks the OpenAI embeddings protocol. */
describe('OpenAiEmbeddings', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await startFakeServer();
  });
  afterEach(() => server.close());

  const embedder = (apiKey?: string) =>
    new OpenAiEmbeddings({ baseUrl: `${server.origin}/v1/`, model: 'test-embed', ...(apiKey ? { apiKey } : {}), http: FAST_RETRIES });

  it('posts { model, input } to /embeddings with the bearer key and returns the vector normalised, in no bucket', async () => {
    server.handle((_q, res) => sendJson(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [3, 4] }], model: 'test-embed' }));
    const e = await embedder('sk-embed').embed('a coffee cup on a wooden table');
    expect(e.bucket).to.equal('');
    expect(e.vector).to.deep.equal({ kind: 'dense', values: [0.6, 0.8] });
    const [request] = server.requests;
    expect(request).to.include({ method: 'POST', path: '/v1/embeddings' });
    expect(request!.headers.authorization).to.equal('Bearer sk-embed');
    expect(JSON.parse(request!.body.toString('utf8'))).to.deep.equal({ model: 'test-embed', input: 'a coffee cup on a wooden table' });
    expect(cosine(e.vector, e.vector)).to.be.closeTo(1, 1e-12);
  });

  it('names the service and model in its id, so vectors of other models are never compared', () => {
    expect(embedder().id).to.equal(`openai:${new URL(server.origin).host}:test-embed`);
  });

  it('sends no authorization header without a key', async () => {
    server.handle((_q, res) => sendJson(res, 200, { data: [{ embedding: [1, 0, 0] }] }));
    await embedder().embed('x');
    expect(server.requests[0]!.headers.authorization).to.equal(undefined);
  });

  it('refuses an answer without a list of numbers, and reports an HTTP error as one', async () => {
    server.handle((_q, res) => sendJson(res, 200, { data: [{ embedding: ['a'] }] }));
    await embedder().embed('x').then(() => expect.fail('resolved'), (e: unknown) => expect(e).to.be.instanceOf(ProviderResponseError));
    server.handle((_q, res) => sendJson(res, 401, { error: { message: 'bad key' } }));
    await embedder('wrong').embed('x').then(() => expect.fail('resolved'), (e: unknown) => expect(e).to.be.instanceOf(ProviderHttpError));
  });
});

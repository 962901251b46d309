import { expect } from 'chai';
import { OpenAiChatProvider } from '../../../src/providers/chat/openai-chat.ts';
import { ProviderHttpError, ProviderResponseError } from '../../../src/providers/http.ts';
import { FAST_RETRIES, sendJson, sequence, startFakeServer, type FakeServer, type RecordedRequest } from '../support/fake-http.ts';

function completion(content: string) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
}

const bodyOf = (request: RecordedRequest) => JSON.parse(request.body.toString('utf8')) as ChatBody;

describe('OpenAiChatProvider', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await startFakeServer();
  });
  afterEach(() => server.close());

  const provider = (apiKey: string | null = 'sk-test') =>
    new OpenAiChatProvider({ baseUrl: `${server.origin}/v1/`, apiKey: apiKey ?? undefined, model: 'test-model', http: FAST_RETRIES });

  it('posts the script to /chat/completions with the bearer key and model, and returns the trimmed answer', async () => {
    server.handle((_q, res) => sendJson(res, 200, completion('\n  A shorter script.  \n')));
    const text = await provider().rewrite('A long script about the sea.', 'Make it shorter.', 'en');
    expect(text).to.equal('A shorter script.');
    const [request] = server.requests;
    expect(request).to.include({ method: 'POST', path: '/v1/chat/completions' });
    expect(request!.headers.authorization).to.equal('Bearer sk-test');
    expect(request!.headers['content-type']).to.equal('application/json');
    const body = bodyOf(request!);
    expect(body.model).to.equal('test-model');
    expect(body.messages.map((m) => m.role)).to.deep.equal(['system', 'user']);
    expect(body.messages[0]!.content).to.contain('Make it shorter.').and.to.contain('English');
    expect(body.messages[1]!.content).to.equal('A long script about the sea.');
  });

  it('asks for the script language by name', async () => {
    server.handle((_q, res) => sendJson(res, 200, completion('海洋很大。')));
    expect(await provider().rewrite('大海。', '润色', 'zh')).to.equal('海洋很大。');
    expect(bodyOf(server.requests[0]!).messages[0]!.content).to.contain('Simplified Chinese');
  });

  it('sends no Authorization header to a local server that needs no key', async () => {
    server.handle((_q, res) => sendJson(res, 200, completion('ok')));
    await provider(null).rewrite('x', 'y', 'en');
    expect(server.requests[0]!.headers).not.to.have.property('authorization');
  });

  it('drops the thinking a reasoning model puts before its answer', async () => {
    server.handle((_q, res) => sendJson(res, 200, completion('<think>\nLet me see.\n</think>\n\nThe answer.')));
    expect(await provider().rewrite('x', 'y', 'en')).to.equal('The answer.');
  });

  it('throws a ProviderHttpError naming the provider on 401, without retrying', async () => {
    server.handle((_q, res) => sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
    const error = await provider('sk-wrong').rewrite('x', 'y', 'en').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ provider: 'openai-chat', status: 401 });
    expect((error as Error).message).to.contain('openai-chat').and.to.contain('401');
    expect(server.requests).to.have.length(1);
  });

  it('retries after a 429 and returns the answer of the next attempt', async () => {
    server.handle(sequence(
      (_q, res) => sendJson(res, 429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '0' }),
      (_q, res) => sendJson(res, 200, completion('second time lucky')),
    ));
    expect(await provider().rewrite('x', 'y', 'en')).to.equal('second time lucky');
    expect(server.requests).to.have.length(2);
  });

  it('throws a ProviderResponseError when the answer has no message content', async () => {
    server.handle((_q, res) => sendJson(res, 200, { choices: [] }));
    const error = await provider().rewrite('x', 'y', 'en').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderResponseError);
    expect(error).to.include({ provider: 'openai-chat' });
  });
});

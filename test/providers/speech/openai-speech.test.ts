import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ProviderHttpError, ProviderResponseError } from '../../../src/providers/http.ts';
import { OpenAiSpeechProvider, splitText } from '../../../src/providers/speech/openai-speech.ts';
import { FAST_RETRIES, sendJson, sequence, startFakeServer, type FakeServer, type RecordedRequest } from '../support/fake-http.ts';

const FFPROBE = 'node_modules/@ffprobe-installer/linux-x64/ffprobe';
const SAMPLE_RATE = 24000;
const BYTE_RATE = SAMPLE_RATE * 2;

/** A 16-bit mono PCM WAV of `seconds`, with a LIST chunk before the data as ffmpeg and many servers write it. */
function wav(seconds: number, options: { streamed?: boolean } = {}): Buffer {
  const data = Buffer.alloc(Math.round(seconds * SAMPLE_RATE) * 2);
  for (let i = 0; i < data.length / 2; i++) data.writeInt16LE(Math.round(8000 * Math.sin((i / SAMPLE_RATE) * 2 * Math.PI * 440)), i * 2);
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0);
  fmt.writeUInt16LE(1, 2);
  fmt.writeUInt32LE(SAMPLE_RATE, 4);
  fmt.writeUInt32LE(BYTE_RATE, 8);
  fmt.writeUInt16LE(2, 12);
  fmt.writeUInt16LE(16, 14);
  const info = Buffer.from('INFOISFT\x0e\x00\x00\x00Lavf58.76.100\x00', 'latin1');
  const chunk = (id: string, body: Buffer, size = body.length) => {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(size, 4);
    return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
  };
  const chunks = Buffer.concat([chunk('fmt ', fmt), chunk('LIST', info), chunk('data', data, options.streamed ? 0xffffffff : data.length)]);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(options.streamed ? 0xffffffff : chunks.length + 4, 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, chunks]);
}

function sendWav(seconds: number, options?: { streamed?: boolean }) {
  return (_q: RecordedRequest, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'audio/wav' });
    res.end(wav(seconds, options));
  };
}

async function probeDuration(file: string): Promise<number> {
  const { stdout } = await promisify(execFile)(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

interface SpeechBody {
  model: string;
  input: string;
  voice: string;
  response_format: string;
}

const bodyOf = (request: RecordedRequest) => JSON.parse(request.body.toString('utf8')) as SpeechBody;

describe('OpenAiSpeechProvider', () => {
  let server: FakeServer;
  let dir: string;
  beforeEach(async () => {
    server = await startFakeServer();
    dir = await mkdtemp(join(tmpdir(), 'slotflow-speech-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const provider = (options: Partial<ConstructorParameters<typeof OpenAiSpeechProvider>[0]> = {}) =>
    new OpenAiSpeechProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'sk-test', model: 'tts-test', http: FAST_RETRIES, ...options });

  it('posts the text to /audio/speech asking for WAV, writes the file and reads its duration past a LIST chunk', async () => {
    server.handle(sendWav(1.5));
    const out = join(dir, 'nested', 'scene-1.wav');
    const result = await provider().synthesize({ text: ' Hello, sea. ', language: 'en' }, out);
    expect(result).to.deep.equal({ file: out, durationSec: 1.5, voice: 'alloy' });
    const [request] = server.requests;
    expect(request).to.include({ method: 'POST', path: '/v1/audio/speech' });
    expect(request!.headers.authorization).to.equal('Bearer sk-test');
    expect(bodyOf(request!)).to.deep.equal({ model: 'tts-test', input: 'Hello, sea.', voice: 'alloy', response_format: 'wav' });
    expect(await probeDuration(out)).to.be.closeTo(1.5, 0.01);
  });

  it('uses the requested voice, else the voice configured for the language', async () => {
    server.handle(sendWav(0.2));
    const p = provider({ voices: { zh: 'nova' } });
    expect((await p.synthesize({ text: '你好', language: 'zh' }, join(dir, 'a.wav'))).voice).to.equal('nova');
    expect((await p.synthesize({ text: '你好', language: 'zh', voice: 'echo' }, join(dir, 'b.wav'))).voice).to.equal('echo');
    expect(server.requests.map((r) => bodyOf(r).voice)).to.deep.equal(['nova', 'echo']);
  });

  it('measures a streamed WAV with placeholder sizes by its length and writes exact sizes', async () => {
    server.handle(sendWav(0.75, { streamed: true }));
    const out = join(dir, 'streamed.wav');
    const result = await provider().synthesize({ text: 'Streaming.', language: 'en' }, out);
    expect(result.durationSec).to.equal(0.75);
    const written = await readFile(out);
    expect(written.readUInt32LE(4)).to.equal(written.length - 8);
    expect(await probeDuration(out)).to.be.closeTo(0.75, 0.01);
  });

  it('sends a text longer than the endpoint accepts in pieces cut at sentence ends and joins the audio', async () => {
    server.handle(sendWav(0.5));
    const text = 'The sea is wide. The sky is blue. Ships sail far away.';
    const out = join(dir, 'long.wav');
    const result = await provider({ maxInputChars: 20 }).synthesize({ text, language: 'en' }, out);
    const inputs = server.requests.map((r) => bodyOf(r).input);
    expect(inputs).to.deep.equal(['The sea is wide.', 'The sky is blue.', 'Ships sail far away.']);
    expect(result.durationSec).to.equal(1.5);
    expect(await probeDuration(out)).to.be.closeTo(1.5, 0.01);
  });

  it('splits Chinese text at its own sentence marks', () => {
    expect(splitText('今天天气很好。我们去海边吧！好的。', 8)).to.deep.equal(['今天天气很好。', '我们去海边吧！', '好的。']);
  });

  it('rejects an answer that is not a WAV with a ProviderResponseError', async () => {
    server.handle((_q, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'));
    });
    const error = await provider().synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderResponseError);
    expect(error).to.include({ provider: 'openai-speech' });
    expect((error as Error).message).to.contain('not a usable WAV');
  });

  it('throws a ProviderHttpError naming the provider on 401', async () => {
    server.handle((_q, res) => sendJson(res, 401, { error: { message: 'Incorrect API key provided' } }));
    const error = await provider().synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ provider: 'openai-speech', status: 401 });
    expect(server.requests).to.have.length(1);
  });

  it('retries after a 429 and writes the audio of the next attempt', async () => {
    server.handle(sequence((_q, res) => sendJson(res, 429, { error: { message: 'Rate limit' } }), sendWav(0.25)));
    const result = await provider().synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav'));
    expect(result.durationSec).to.equal(0.25);
    expect(server.requests).to.have.length(2);
  });

  it('supports every language unless configured with a list', async () => {
    expect(await provider().supports('zh')).to.equal(true);
    expect(await provider({ languages: ['en'] }).supports('zh')).to.equal(false);
    expect(await provider({ languages: ['en'] }).supports('en')).to.equal(true);
  });
});

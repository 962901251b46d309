import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { WebSocketServer, type WebSocket } from 'ws';
import { ProviderHttpError, ProviderRequestError, ProviderResponseError } from '../../src/providers/http.ts';
import { EDGE_TTS_DEFAULTS, EdgeTtsProvider, escapeXml, secMsGec, type EdgeTtsOptions } from '../../src/providers/speech/edge-tts.ts';

const FFPROBE = 'node_modules/@ffprobe-installer/linux-x64/ffprobe';
const SAMPLE_RATE = 24000;
const BYTE_RATE = SAMPLE_RATE * 2;
const PATH = '/consumer/speech/synthesize/readaloud/edge/v1';

async function probeDuration(file: string): Promise<number> {
  const { stdout } = await promisify(execFile)(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/** 16-bit mono PCM of a 440 Hz tone. */
function pcm(seconds: number): Buffer {
  const data = Buffer.alloc(Math.round(seconds * SAMPLE_RATE) * 2);
  for (let i = 0; i < data.length / 2; i++) data.writeInt16LE(Math.round(8000 * Math.sin((i / SAMPLE_RATE) * 2 * Math.PI * 440)), i * 2);
  return data;
}

/** The 44-byte RIFF header the service puts before the first audio bytes; sizes as given (placeholders by default). */
function riffHeader(riffSize = 0xffffffff, dataSize = 0xffffffff): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(riffSize, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(BYTE_RATE, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataSize, 40);
  return h;
}

/** A binary message as the service frames it: 2-byte big-endian header length, header, audio bytes. */
function audioFrame(requestId: string, bytes: Buffer): Buffer {
  const header = Buffer.from(`X-RequestId:${requestId}\r\nContent-Type:audio/x-wav\r\nPath:audio\r\n`, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(header.length);
  return Buffer.concat([length, header, bytes]);
}

function textFrame(requestId: string, path: string, body: unknown): string {
  return `X-RequestId:${requestId}\r\nContent-Type:application/json; charset=utf-8\r\nPath:${path}\r\n\r\n${JSON.stringify(body)}`;
}

interface Message {
  headers: Record<string, string>;
  body: string;
}

function parseMessage(text: string): Message {
  const end = text.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return { headers, body: text.slice(end + 4) };
}

interface Connection {
  request: IncomingMessage;
  query: URLSearchParams;
  socket: WebSocket;
  /** speech.config and ssml, once both arrived. */
  config: Message;
  ssml: Message;
  requestId: string;
}

type Behaviour = (connection: Connection) => void | Promise<void>;

interface FakeEdge {
  url: string;
  connections: Connection[];
  behave(behaviour: Behaviour): void;
  /** The server refuses the upgrade with this status. */
  refuse(status: number | undefined): void;
  clients(): number;
  close(): Promise<void>;
}

/** Answers like the service: turn.start, response, the audio frames (the last one empty), turn.end. */
function speak(...chunks: Buffer[]): Behaviour {
  return ({ socket, requestId }) => {
    socket.send(textFrame(requestId, 'turn.start', { context: { serviceTag: 'fake' } }));
    socket.send(textFrame(requestId, 'response', { context: { serviceTag: 'fake' }, audio: { type: 'inline', streamId: 'x' } }));
    for (const chunk of chunks) socket.send(audioFrame(requestId, chunk));
    socket.send(audioFrame(requestId, Buffer.alloc(0)));
    socket.send(textFrame(requestId, 'turn.end', {}));
  };
}

/** Audio of `seconds`, in the service's way: a RIFF header with placeholder sizes, then the PCM in two frames. */
function speakSeconds(seconds: number, header = riffHeader()): Behaviour {
  const data = pcm(seconds);
  const half = Math.floor(data.length / 4) * 2;
  return speak(Buffer.concat([header, data.subarray(0, half)]), data.subarray(half));
}

async function startFakeEdge(): Promise<FakeEdge> {
  let behaviour: Behaviour = speakSeconds(0.5);
  let refuseWith: number | undefined;
  const connections: Connection[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: PATH,
    verifyClient: (_info, done) => (refuseWith ? done(false, refuseWith, 'Forbidden') : done(true)),
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket, request) => {
    const texts: string[] = [];
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      texts.push(data.toString());
      if (texts.length !== 2) return;
      const [config, ssml] = texts.map(parseMessage) as [Message, Message];
      const connection: Connection = {
        request,
        query: new URL(request.url ?? '/', 'http://127.0.0.1').searchParams,
        socket,
        config,
        ssml,
        requestId: ssml.headers['X-RequestId'] ?? '',
      };
      connections.push(connection);
      void Promise.resolve(behaviour(connection)).catch(() => socket.terminate());
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}${PATH}`,
    connections,
    behave(next) {
      behaviour = next;
    },
    refuse(status) {
      refuseWith = status;
    },
    clients: () => server.clients.size,
    close() {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Sockets, servers and timers alive now, by kind. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('EdgeTtsProvider', () => {
  let server: FakeEdge;
  let dir: string;
  let baseline: Record<string, number>;

  before(() => {
    baseline = handles();
  });
  beforeEach(async () => {
    server = await startFakeEdge();
    dir = await mkdtemp(join(tmpdir(), 'slotflow-edge-tts-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  after(async () => {
    // Every socket, server and timer this suite opened is gone.
    const kinds = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate'];
    await eventually(() => kinds.every((k) => (handles()[k] ?? 0) <= (baseline[k] ?? 0)));
  });

  const provider = (options: EdgeTtsOptions = {}) => new EdgeTtsProvider({ endpoint: server.url, backoffMs: 5, ...options });

  it('sends speech.config and SSML as Edge does and writes a WAV with exact sizes from the audio frames', async () => {
    server.behave(speakSeconds(1.25));
    const out = join(dir, 'nested', 'scene-1.wav');
    const result = await provider().synthesize({ text: ` Tom & "Jerry" <say> 'hi' `, language: 'en' }, out);
    expect(result).to.deep.equal({ file: out, durationSec: 1.25, voice: 'en-US-AriaNeural' });

    const [connection] = server.connections;
    expect(connection!.query.get('TrustedClientToken')).to.equal('6A5AA1D4EAFF4E9FB37E23D68491D6F4');
    expect(connection!.query.get('ConnectionId')).to.match(/^[0-9a-f]{32}$/);
    expect(connection!.query.get('Sec-MS-GEC')).to.match(/^[0-9A-F]{64}$/);
    expect(connection!.query.get('Sec-MS-GEC-Version')).to.equal(`1-${EDGE_TTS_DEFAULTS.chromiumVersion}`);
    expect(connection!.request.headers.origin).to.equal('chrome-extension://jdiccldimpdaibmpdkjnbmckianbfold');
    expect(connection!.request.headers['user-agent']).to.contain('Edg/');

    const { config, ssml } = connection!;
    expect(config.headers).to.include({ 'Content-Type': 'application/json; charset=utf-8', Path: 'speech.config' });
    expect(config.headers['X-Timestamp']).to.match(/^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT\+0000 \(Coordinated Universal Time\)$/);
    expect(JSON.parse(config.body)).to.deep.equal({
      context: { synthesis: { audio: { metadataoptions: { sentenceBoundaryEnabled: 'false', wordBoundaryEnabled: 'false' }, outputFormat: 'riff-24khz-16bit-mono-pcm' } } },
    });
    expect(ssml.headers).to.include({ 'Content-Type': 'application/ssml+xml', Path: 'ssml' });
    expect(ssml.headers['X-RequestId']).to.match(/^[0-9a-f]{32}$/);
    expect(ssml.headers['X-Timestamp']).to.be.a('string');
    expect(ssml.body).to.equal(
      "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'><voice name='en-US-AriaNeural'>" +
        "<prosody pitch='+0Hz' rate='+0%' volume='+0%'>Tom &amp; &quot;Jerry&quot; &lt;say&gt; &apos;hi&apos;</prosody></voice></speak>",
    );

    const written = await readFile(out);
    expect(written.readUInt32LE(4)).to.equal(written.length - 8);
    expect(written.readUInt32LE(40)).to.equal(1.25 * BYTE_RATE);
    expect(written.subarray(44).equals(pcm(1.25))).to.equal(true);
    expect(await probeDuration(out)).to.be.closeTo(1.25, 0.01);
    // The client closed its connection before answering.
    await eventually(() => server.clients() === 0);
  });

  it('takes every audio byte even when the RIFF header gives the first chunk\'s size', async () => {
    const data = pcm(0.8);
    const first = data.subarray(0, 4800);
    server.behave(speak(Buffer.concat([riffHeader(36 + first.length, first.length), first]), data.subarray(4800)));
    const out = join(dir, 'sized.wav');
    const result = await provider().synthesize({ text: 'Sizes.', language: 'en' }, out);
    expect(result.durationSec).to.equal(0.8);
    expect(await probeDuration(out)).to.be.closeTo(0.8, 0.01);
  });

  it('speaks Chinese with Xiaoxiao, and takes a voice from the request or the options', async () => {
    server.behave(speakSeconds(0.2));
    const zh = await provider().synthesize({ text: '你好，世界', language: 'zh-CN' }, join(dir, 'a.wav'));
    const asked = await provider().synthesize({ text: '你好', language: 'zh', voice: 'zh-CN-YunxiNeural' }, join(dir, 'b.wav'));
    const configured = await provider({ voices: { en: 'en-US-GuyNeural' } }).synthesize({ text: 'Hi', language: 'en' }, join(dir, 'c.wav'));
    expect([zh.voice, asked.voice, configured.voice]).to.deep.equal(['zh-CN-XiaoxiaoNeural', 'zh-CN-YunxiNeural', 'en-US-GuyNeural']);
    expect(server.connections.map((c) => /<voice name='([^']+)'>/.exec(c.ssml.body)?.[1])).to.deep.equal(['zh-CN-XiaoxiaoNeural', 'zh-CN-YunxiNeural', 'en-US-GuyNeural']);
    expect(server.connections[0]!.ssml.body).to.contain('>你好，世界</prosody>');
  });

  it('sends a long text in pieces, one connection each, and joins the audio', async () => {
    server.behave(speakSeconds(0.5));
    const out = join(dir, 'long.wav');
    const result = await provider({ maxInputChars: 20 }).synthesize({ text: 'The sea is wide. The sky is blue. Ships sail far away.', language: 'en' }, out);
    expect(server.connections.map((c) => /<prosody[^>]*>(.*)<\/prosody>/.exec(c.ssml.body)?.[1])).to.deep.equal(['The sea is wide.', 'The sky is blue.', 'Ships sail far away.']);
    expect(result.durationSec).to.equal(1.5);
    expect(await probeDuration(out)).to.be.closeTo(1.5, 0.01);
  });

  it('throws a ProviderRequestError naming the provider when the service closes before turn.end', async () => {
    server.behave(({ socket, requestId }) => {
      socket.send(audioFrame(requestId, Buffer.concat([riffHeader(), pcm(0.1)])));
      socket.close(1011, 'internal error');
    });
    const error = await provider({ retries: 0 }).synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderRequestError);
    expect(error).to.include({ provider: 'edge-tts', attempts: 1 });
    expect((error as Error).message).to.match(/^edge-tts: .*closed before the end of the turn \(code 1011: internal error\)/);
    expect((error as Error).message).to.not.contain('6A5AA1D4');
  });

  it('retries a dropped connection and writes the audio of the next attempt', async () => {
    let calls = 0;
    const good = speakSeconds(0.3);
    server.behave((connection) => (++calls === 1 ? connection.socket.terminate() : good(connection)));
    const result = await provider({ retries: 1 }).synthesize({ text: 'again', language: 'en' }, join(dir, 'r.wav'));
    expect(result.durationSec).to.equal(0.3);
    expect(server.connections).to.have.length(2);
  });

  it('times out, and closes the socket, when the service never answers', async () => {
    server.behave(() => {});
    const started = Date.now();
    const error = await provider({ timeoutMs: 300, retries: 0 }).synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderRequestError);
    expect(error).to.include({ provider: 'edge-tts' });
    expect((error as Error).message).to.contain('timed out after 300 ms');
    expect(Date.now() - started).to.be.below(3000);
    await eventually(() => server.clients() === 0);
  });

  it('throws a ProviderHttpError when the service refuses the upgrade, without retrying a 403', async () => {
    server.refuse(403);
    const error = await provider({ retries: 2 }).synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderHttpError);
    expect(error).to.include({ provider: 'edge-tts', status: 403, attempts: 1 });
  });

  it('throws a ProviderRequestError when nothing listens', async () => {
    const url = server.url;
    await server.close();
    const error = await new EdgeTtsProvider({ endpoint: url, retries: 0 }).synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav')).catch((e: unknown) => e);
    server = await startFakeEdge();
    expect(error).to.be.instanceOf(ProviderRequestError);
    expect(error).to.include({ provider: 'edge-tts' });
  });

  it('rejects a turn without audio, and audio that is not RIFF, with a ProviderResponseError', async () => {
    server.behave(speak());
    const silent = await provider().synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect(silent).to.be.instanceOf(ProviderResponseError);
    expect((silent as Error).message).to.contain('without audio');
    server.behave(speak(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00 mp3 bytes', 'latin1')));
    const mp3 = await provider().synthesize({ text: 'x', language: 'en' }, join(dir, 'x.wav')).catch((e: unknown) => e);
    expect(mp3).to.be.instanceOf(ProviderResponseError);
    expect(mp3).to.include({ provider: 'edge-tts' });
    expect((mp3 as Error).message).to.contain('not a usable WAV');
  });

  it('supports English and Chinese when enabled, and languages given a voice', async () => {
    const p = new EdgeTtsProvider();
    expect(await Promise.all(['en', 'zh', 'en-GB', 'zh-CN', 'cmn', 'fr'].map((l) => p.supports(l)))).to.deep.equal([true, true, true, true, true, false]);
    expect(await new EdgeTtsProvider({ voices: { fr: 'fr-FR-DeniseNeural' } }).supports('fr')).to.equal(true);
    const off = new EdgeTtsProvider({ enabled: false });
    expect([await off.supports('en'), await off.available()]).to.deep.equal([false, false]);
    expect(p.voiceFor('zh')).to.equal('zh-CN-XiaoxiaoNeural');
    expect(p.voiceFor('fr')).to.equal(undefined);
  });

  it('escapes the five XML specials and derives Sec-MS-GEC from five-minute Windows file time', () => {
    expect(escapeXml(`a&b<c>d"e'f`)).to.equal('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    const at = Date.UTC(2025, 0, 2, 3, 4, 5);
    const windowStart = Date.UTC(2025, 0, 2, 3, 0, 0);
    const ticks = (BigInt(windowStart) - BigInt(Date.UTC(1601, 0, 1))) * 10_000n;
    const expected = createHash('sha256').update(`${ticks}6A5AA1D4EAFF4E9FB37E23D68491D6F4`).digest('hex').toUpperCase();
    expect(secMsGec(at)).to.equal(expected);
    expect(secMsGec(windowStart + 299_999)).to.equal(expected);
    expect(secMsGec(windowStart + 300_000)).to.not.equal(expected);
  });
});

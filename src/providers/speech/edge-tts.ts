import { createHash, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import WebSocket, { type RawData } from 'ws';
import type { CallOptions, Language, SpeechProvider, SpeechRequest, SpeechResult, VoiceInfo } from '../types.ts';
import { ProviderHttpError, ProviderRequestError, ProviderResponseError, redactUrl, REMOTE_SPEECH_CONCURRENCY } from '../http.ts';
import { splitText } from './openai-speech.ts';
import { joinWav, parseWav, type WavPcm } from './riff.ts';
import { configuredVoices } from './voice-list.ts';

/**
 * Microsoft Edge's read-aloud voices over its WebSocket protocol, no key
 * needed. Per piece of text, one connection: a `speech.config` text message
 * asking for 24 kHz 16-bit mono RIFF, then an `ssml` message; the service
 * answers with binary `Path:audio` messages (a 2-byte big-endian header
 * length, the header, the audio bytes) and a `Path:turn.end` text message.
 * The first audio bytes start with a RIFF header whose sizes are not to be
 * trusted; the file written has exact sizes. Every connection is closed
 * before `synthesize` settles, whatever happened.
 */

export interface EdgeTtsOptions {
  /** Default true; when false, `supports` and `available` answer false. */
  enabled?: boolean;
  /** The WebSocket URL without query. Default `EDGE_TTS_DEFAULTS.endpoint`. */
  endpoint?: string;
  /** Voice per language, over `EDGE_TTS_VOICES`, e.g. `{ zh: 'zh-CN-YunxiNeural' }`. */
  voices?: Record<string, string>;
  /** SSML prosody, e.g. `+10%`, `-2Hz`. Defaults `+0%`, `+0Hz`, `+0%`. */
  rate?: string;
  pitch?: string;
  volume?: string;
  /** Time allowed for one attempt at one piece: connect, synthesize, close. Default `EDGE_TTS_DEFAULTS.timeoutMs`. */
  timeoutMs?: number;
  /** Retries of a piece after a dropped connection, a timeout, or a retryable HTTP status on connect. Default `EDGE_TTS_DEFAULTS.retries`. */
  retries?: number;
  /** Delay before the first retry; doubles each time. Default `EDGE_TTS_DEFAULTS.backoffMs`. */
  backoffMs?: number;
  /** Longest text per request, in characters. Default `EDGE_TTS_DEFAULTS.maxInputChars`. */
  maxInputChars?: number;
  /** The Edge version the client claims (User-Agent, `Sec-MS-GEC-Version`). Default `EDGE_TTS_DEFAULTS.chromiumVersion`. */
  chromiumVersion?: string;
}

export const EDGE_TTS_DEFAULTS = {
  endpoint: 'wss://speech.platform.bing.com/consumer/speech/synthesize/readaloud/edge/v1',
  trustedClientToken: '6A5AA1D4EAFF4E9FB37E23D68491D6F4',
  chromiumVersion: '143.0.3650.75',
  origin: 'chrome-extension://jdiccldimpdaibmpdkjnbmckianbfold',
  outputFormat: 'riff-24khz-16bit-mono-pcm',
  timeoutMs: 60_000,
  // None by default: the component's retry policy in the flow retries a failed attempt, as for the HTTP providers.
  retries: 0,
  backoffMs: 500,
  maxInputChars: 1000,
  /** The service refuses longer SSML text; measured in UTF-8 bytes after escaping. */
  maxTextBytes: 4096,
  /** How long a clean close may take before the socket is destroyed. */
  closeGraceMs: 1000,
} as const;

/** Voices by language (the primary subtag of a tag like `zh-CN`). */
export const EDGE_TTS_VOICES = {
  en: 'en-US-AriaNeural',
  zh: 'zh-CN-XiaoxiaoNeural',
} as const;

const BUILT_IN_VOICES: Readonly<Record<string, string | undefined>> = EDGE_TTS_VOICES;

/** `cmn` (Mandarin) speaks with the `zh` voice. */
const LANGUAGE_ALIASES: Readonly<Record<string, string>> = { cmn: 'zh' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/**
 * The `Sec-MS-GEC` token the service asks of Edge: SHA-256 (upper-case hex)
 * of the Windows file time (100 ns ticks since 1601) rounded down to five
 * minutes, followed by the trusted client token.
 */
export function secMsGec(nowMs = Date.now(), token: string = EDGE_TTS_DEFAULTS.trustedClientToken): string {
  const WIN_EPOCH_SEC = 11_644_473_600n;
  let seconds = BigInt(Math.floor(nowMs / 1000)) + WIN_EPOCH_SEC;
  seconds -= seconds % 300n;
  return createHash('sha256').update(`${seconds * 10_000_000n}${token}`, 'ascii').digest('hex').toUpperCase();
}

/** `Thu Jan 02 2025 03:04:05 GMT+0000 (Coordinated Universal Time)`, the timestamp Edge sends. */
function timestamp(date = new Date()): string {
  const [weekday, day, month, year, time] = date.toUTCString().replace(',', '').split(' ');
  return `${weekday} ${month} ${day} ${year} ${time} GMT+0000 (Coordinated Universal Time)`;
}

const newId = () => randomUUID().replace(/-/g, '');

/** Headers of a text message or of a binary message's header block, by lower-case name. */
function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

export class EdgeTtsProvider implements SpeechProvider {
  readonly name = 'edge-tts';
  readonly concurrency = REMOTE_SPEECH_CONCURRENCY;
  private readonly endpoint: string;
  /** The endpoint as errors show it. */
  private readonly shownUrl: string;
  private readonly options: EdgeTtsOptions;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxInputChars: number;

  constructor(options: EdgeTtsOptions = {}) {
    this.options = options;
    this.endpoint = options.endpoint ?? EDGE_TTS_DEFAULTS.endpoint;
    this.shownUrl = redactUrl(this.endpoint);
    this.timeoutMs = options.timeoutMs ?? EDGE_TTS_DEFAULTS.timeoutMs;
    this.retries = options.retries ?? EDGE_TTS_DEFAULTS.retries;
    this.backoffMs = options.backoffMs ?? EDGE_TTS_DEFAULTS.backoffMs;
    this.maxInputChars = options.maxInputChars ?? EDGE_TTS_DEFAULTS.maxInputChars;
    for (const key of ['timeoutMs', 'retries', 'backoffMs'] as const) {
      if (!Number.isFinite(this[key]) || this[key] < 0) throw new RangeError(`EdgeTtsProvider: ${key} must be a non-negative number`);
    }
    if (!(this.timeoutMs > 0)) throw new RangeError('EdgeTtsProvider: timeoutMs must be positive');
    if (!Number.isInteger(this.maxInputChars) || this.maxInputChars < 1) throw new RangeError('EdgeTtsProvider: maxInputChars must be a positive integer');
    if (!/^wss?:\/\//i.test(this.endpoint)) throw new TypeError(`EdgeTtsProvider: endpoint must be a ws:// or wss:// URL, got ${this.shownUrl}`);
  }

  async available(): Promise<boolean> {
    return this.options.enabled !== false;
  }

  async voices(): Promise<VoiceInfo[]> {
    return (await this.available()) ? configuredVoices(this.name, { ...BUILT_IN_VOICES, ...this.options.voices }) : [];
  }

  async supports(language: Language): Promise<boolean> {
    return this.options.enabled !== false && this.languageVoice(language) !== undefined;
  }

  /** The voice used for the language when a request names none; undefined when the language has none. */
  voiceFor(language: Language): string | undefined {
    return this.languageVoice(language);
  }

  describeVoice(language: Language): string {
    return `${this.name} (voice ${this.voiceFor(language) ?? `${EDGE_TTS_VOICES.en} as a fallback`})`;
  }

  async synthesize(request: SpeechRequest, out: string, options: CallOptions = {}): Promise<SpeechResult> {
    if (this.options.enabled === false) throw new Error(`${this.name}: disabled`);
    const text = request.text.trim();
    if (!text) throw new RangeError(`${this.name}: nothing to say (empty text)`);
    // A language without a voice of its own falls back to English, as other providers do.
    const voice = request.voice ?? this.languageVoice(request.language) ?? this.languageVoice('en') ?? EDGE_TTS_VOICES.en;
    const pieces: WavPcm[] = [];
    for (const input of this.pieces(text)) {
      const audio = await this.withRetries((attempt) => this.turn(input, voice, attempt, options.signal), options.signal);
      pieces.push(parseWav(audio, this.name, this.shownUrl, { dataToEnd: true }));
    }
    const wav = joinWav(pieces, this.name, this.shownUrl);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, wav.bytes);
    return { file: out, durationSec: wav.durationSec, voice };
  }

  private languageVoice(language: Language): string | undefined {
    const tag = language.toLowerCase().replace(/_/g, '-');
    const primary = tag.split('-')[0] ?? tag;
    const base = LANGUAGE_ALIASES[primary] ?? primary;
    const voices = this.options.voices ?? {};
    return voices[language] ?? voices[tag] ?? voices[base] ?? BUILT_IN_VOICES[base];
  }

  /** Pieces short enough in characters, and in escaped UTF-8 bytes, for one request. */
  private pieces(text: string): string[] {
    const fit = (piece: string, max: number): string[] => {
      if (Buffer.byteLength(escapeXml(piece)) <= EDGE_TTS_DEFAULTS.maxTextBytes || max <= 1) return [piece];
      const smaller = Math.max(1, Math.floor(max / 2));
      return splitText(piece, smaller).flatMap((p) => fit(p, smaller));
    };
    return splitText(text, this.maxInputChars).flatMap((p) => fit(p, this.maxInputChars));
  }

  /** Runs `attempt` (numbered from 1) until it succeeds, fails for good, or the retries are spent. */
  private async withRetries(attempt: (n: number) => Promise<Buffer>, signal: AbortSignal | undefined): Promise<Buffer> {
    for (let n = 1; ; n++) {
      signal?.throwIfAborted();
      try {
        return await attempt(n);
      } catch (error) {
        const retryable = error instanceof ProviderRequestError || (error instanceof ProviderHttpError && error.retryable);
        if (!retryable || n > this.retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.backoffMs * 2 ** (n - 1)));
      }
    }
  }

  private url(): string {
    const version = this.options.chromiumVersion ?? EDGE_TTS_DEFAULTS.chromiumVersion;
    const params = new URLSearchParams({
      TrustedClientToken: EDGE_TTS_DEFAULTS.trustedClientToken,
      ConnectionId: newId(),
      'Sec-MS-GEC': secMsGec(),
      'Sec-MS-GEC-Version': `1-${version}`,
    });
    return `${this.endpoint}${this.endpoint.includes('?') ? '&' : '?'}${params}`;
  }

  private headers(): Record<string, string> {
    const major = (this.options.chromiumVersion ?? EDGE_TTS_DEFAULTS.chromiumVersion).split('.')[0];
    return {
      Pragma: 'no-cache',
      'Cache-Control': 'no-cache',
      'Accept-Language': 'en-US,en;q=0.9',
      'User-Agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36 Edg/${major}.0.0.0`,
    };
  }

  private ssml(text: string, voice: string): string {
    const prosody = `pitch='${escapeXml(this.options.pitch ?? '+0Hz')}' rate='${escapeXml(this.options.rate ?? '+0%')}' volume='${escapeXml(this.options.volume ?? '+0%')}'`;
    return (
      "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'>" +
      `<voice name='${escapeXml(voice)}'><prosody ${prosody}>${escapeXml(text)}</prosody></voice></speak>`
    );
  }

  /** One connection, one turn: the audio bytes of `text`, RIFF header first. */
  private turn(text: string, voice: string, attempt: number, signal: AbortSignal | undefined): Promise<Buffer> {
    const provider = this.name;
    const shownUrl = this.shownUrl;
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let settled = false;
      let outcome: { ok: true; audio: Buffer } | { ok: false; error: Error } | undefined;

      const ws = new WebSocket(this.url(), {
        origin: EDGE_TTS_DEFAULTS.origin,
        headers: this.headers(),
        handshakeTimeout: this.timeoutMs,
        perMessageDeflate: false,
      });

      const timer = setTimeout(() => fail(new ProviderRequestError(provider, shownUrl, attempt, `timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      let graceTimer: NodeJS.Timeout | undefined;

      const finish = () => {
        if (settled || !outcome) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(graceTimer);
        signal?.removeEventListener('abort', onAbort);
        ws.removeAllListeners();
        // A late socket error must not become an uncaught exception.
        ws.on('error', () => {});
        if (outcome.ok) resolve(outcome.audio);
        else reject(outcome.error);
      };

      /** Settles on `close`; destroys the socket when the service does not close in time, and settles anyway after a second grace. */
      const settleAfterClose = () => {
        if (ws.readyState === WebSocket.CLOSED) return finish();
        graceTimer = setTimeout(() => {
          ws.terminate();
          graceTimer = setTimeout(finish, EDGE_TTS_DEFAULTS.closeGraceMs);
        }, EDGE_TTS_DEFAULTS.closeGraceMs);
      };

      const fail = (error: Error) => {
        if (outcome) return;
        outcome = { ok: false, error };
        if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
        settleAfterClose();
      };

      const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });

      const succeed = (audio: Buffer) => {
        if (outcome) return;
        outcome = { ok: true, audio };
        clearTimeout(timer);
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        settleAfterClose();
      };

      ws.on('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        fail(new ProviderHttpError(provider, status, shownUrl, response.statusMessage ?? '', attempt));
      });

      ws.on('open', () => {
        const config = {
          context: {
            synthesis: {
              audio: {
                metadataoptions: { sentenceBoundaryEnabled: 'false', wordBoundaryEnabled: 'false' },
                outputFormat: EDGE_TTS_DEFAULTS.outputFormat,
              },
            },
          },
        };
        ws.send(`X-Timestamp:${timestamp()}\r\nContent-Type:application/json; charset=utf-8\r\nPath:speech.config\r\n\r\n${JSON.stringify(config)}`);
        ws.send(`X-RequestId:${newId()}\r\nContent-Type:application/ssml+xml\r\nX-Timestamp:${timestamp()}Z\r\nPath:ssml\r\n\r\n${this.ssml(text, voice)}`);
      });

      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (outcome) return;
        const message = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        if (!isBinary) {
          const body = message.toString('utf8');
          const end = body.indexOf('\r\n\r\n');
          const path = parseHeaders(end < 0 ? body : body.slice(0, end)).get('path');
          if (path === 'turn.end') {
            if (chunks.length === 0) fail(new ProviderResponseError(provider, shownUrl, 'the turn ended without audio'));
            else succeed(Buffer.concat(chunks));
          }
          return;
        }
        if (message.length < 2) return fail(new ProviderResponseError(provider, shownUrl, 'binary message shorter than its header length'));
        const headerLength = message.readUInt16BE(0);
        if (2 + headerLength > message.length) return fail(new ProviderResponseError(provider, shownUrl, `binary message header of ${headerLength} bytes runs past its end`));
        const headers = parseHeaders(message.toString('utf8', 2, 2 + headerLength));
        if (headers.get('path') !== 'audio') return;
        const audio = message.subarray(2 + headerLength);
        if (audio.length > 0) chunks.push(audio);
      });

      ws.on('close', (code: number, reason: Buffer) => {
        if (!outcome) {
          const why = reason.length > 0 ? `: ${reason.toString('utf8')}` : '';
          fail(new ProviderRequestError(provider, shownUrl, attempt, `connection closed before the end of the turn (code ${code}${why})`));
        }
        finish();
      });

      ws.on('error', (error: Error) => {
        fail(new ProviderRequestError(provider, shownUrl, attempt, error.message, { cause: error }));
      });
    });
  }
}

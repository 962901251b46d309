/**
 * Festival with an HTS voice (Debian `festival` + `festvox-us-slt-hts`): the
 * most natural English of the local engines. Festival runs in batch mode on
 * a small Scheme script written beside the output (`festival --batch
 * OUT.scm`; not stdin: Node's pipes are sockets, which Festival cannot open
 * as a file). The script selects the voice, synthesizes the text as one
 * utterance, saves the wave, and prints, for each token of the text, the
 * start and end of the words it became: the word timings of the result,
 * exact because they are the utterance's own.
 *
 * Festival reads bytes as Latin-1, so the text goes in as ASCII
 * (`ascii-text.ts`), word by word, and each timing is given back under the
 * word as the text wrote it. The text and the output path are Scheme string
 * literals (backslash and double quote escaped); a voice name is checked
 * against the installed voices and a strict pattern before it becomes a
 * symbol. The WAV is Festival's own, its opening pause cut short
 * (`trimToWords`): 16-bit mono PCM at the voice's rate (32 kHz for slt);
 * the parts of one scene share it, and ffmpeg resamples when the video is
 * assembled.
 *
 * Availability is probed once: the program runs and lists at least one HTS
 * voice. Only HTS voices are offered and chosen; another installed voice
 * (a diphone voice) is used only when asked for by name.
 */

import { execa } from 'execa';
import { rm, writeFile } from 'node:fs/promises';
import type { CallOptions, Language, SpeechProvider, SpeechRequest, SpeechResult, SpokenWord, VoiceInfo } from '../types.ts';
import { asciiWords, bareWord } from './ascii-text.ts';
import { languageName } from './choose.ts';
import { FESTIVAL_VOICE_SCRIPT, type FestivalVoice, parseFestivalVoicePath, parseFestivalVoices } from './voice-list.ts';
import { folderStamps, ProbeCache, probeOnce } from '../../adapters/installed-programs.ts';
import { readWavInfo, SPEECH_EDGES, trimWav, type WavInfo } from './wav.ts';
import { SlotflowError } from '../../core/errors.ts';
import { isRetryableSpeechCode, type SpeechErrorCode } from './speech-error-code.ts';

export interface FestivalOptions {
  /** Program to run. Default `festival` from PATH. */
  command?: string;
  /** Longest one synthesis may take. Default 60 s. */
  timeoutMs?: number;
  /** Where the voices found are remembered for the next process; default, the system's temporary folder. */
  probeCache?: ProbeCache<FestivalVoice[]>;
  /** The smallest Scheme heap a synthesis starts with, in cells (see `heapCells`). Default 2 M. */
  minHeapCells?: number;
}

export const FESTIVAL_DEFAULTS: Required<Omit<FestivalOptions, 'probeCache'>> = {
  command: 'festival',
  timeoutMs: 60_000,
  minHeapCells: 2_000_000,
};

const sharedProbeCache = new ProbeCache<FestivalVoice[]>('festival');

const PROBE_TIMEOUT_MS = 15_000;
/**
 * Festival's Scheme heap, in cells. Debian's default reserves about 300 MB at start, most of a run's memory and a
 * fifth of a second of system time; what a synthesis keeps alive is the utterance being spoken, measured at under
 * 1 M cells for one of 250 words (600 k ran out of storage). So a run gets 8 k cells a word of its longest
 * utterance, at least 2 M (`FestivalOptions.minHeapCells`): 97 against 353 MB for eight sentences, the same bytes.
 */
const HEAP_CELLS_PER_WORD = 8_000;
const PROBE_HEAP_CELLS = 1_000_000;
/** What Festival prints when its heap is full. */
const OUT_OF_STORAGE = /ran out of storage/i;

/** The heap for a run speaking utterances of these word counts, at least `min` cells. */
export function heapCells(wordCounts: readonly number[], min: number = FESTIVAL_DEFAULTS.minHeapCells): number {
  return Math.max(min, HEAP_CELLS_PER_WORD * Math.max(0, ...wordCounts));
}

/** Between SIGTERM and SIGKILL when a synthesis is cancelled. */
const KILL_GRACE_MS = 500;
/** Preferred HTS voices, best first; any other installed HTS voice of the language comes after them. */
const PREFERRED_VOICES = ['cmu_us_slt_arctic_hts', 'cmu_us_clb_arctic_hts', 'cmu_us_bdl_arctic_hts', 'cmu_us_rms_arctic_hts', 'cmu_us_jmk_arctic_hts', 'cmu_us_awb_arctic_hts'];
/** What a voice name must look like to become the Scheme symbol `voice_NAME`. */
const VOICE_NAME = /^[A-Za-z0-9_]{1,64}$/;
/** The marker of the lines the synthesis script prints, one per token. */
const TOKEN_LINE = 'slotflow-token';
/** The marker of the line a batch script prints before each utterance. */
const UTTERANCE_LINE = 'slotflow-utterance';

export class FestivalError extends SlotflowError {
  override name = 'FestivalError';
  readonly provider = 'festival';
  declare readonly code: SpeechErrorCode;
  readonly stderr: string | undefined;
  constructor(code: SpeechErrorCode, message: string, options?: ErrorOptions & { stderr?: string }) {
    super(`festival: ${message}`, { code, retryable: isRetryableSpeechCode(code), cause: options?.cause });
    this.stderr = options?.stderr;
  }
}

/** A Scheme string literal. */
function schemeString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The synthesis script: voice, utterance, wave, then one line per token of
 * the Token relation's top level: `slotflow-token`, its name, and the start
 * and end of each word it became (a word of no duration, such as the "'s"
 * Festival splits off, is printed too and ignored when read).
 */
export function festivalScript(voice: string, text: string, out: string, prosody: { rate?: number | undefined } = {}): string {
  return `(voice_${voice})
${prosodyScheme(prosody)}${utteranceScheme(text, out)}`;
}

/**
 * Several utterances in one script, each as `festivalScript` makes it, each
 * opened by a line `slotflow-utterance` and its number. One Festival start
 * costs about 0.3 cpu s (loading the voice), each further sentence only its
 * synthesis; the waves are byte for byte those of one run per sentence.
 */
export function festivalBatchScript(voice: string, items: ReadonlyArray<{ text: string; out: string }>, prosody: { rate?: number | undefined } = {}): string {
  return `(voice_${voice})
${prosodyScheme(prosody)}${items.map((item, i) => `(format t "${UTTERANCE_LINE}\\t%d\\n" ${i})
${utteranceScheme(item.text, item.out)}`).join('')}`;
}

function utteranceScheme(text: string, out: string): string {
  return `(set! utt (Utterance Text ${schemeString(text)}))
(utt.synth utt)
(utt.save.wave utt ${schemeString(out)} 'riff)
(set! tok (utt.relation.first utt 'Token))
(while tok
  (format t "${TOKEN_LINE}\\t%s" (item.name tok))
  (mapcar (lambda (w) (format t "\\t%f\\t%f" (item.feat w "word_start") (item.feat w "word_end"))) (item.relation.daughters tok 'Token))
  (format t "\\n")
  (set! tok (item.next tok)))
`;
}

/** A batch script's output cut at its `slotflow-utterance` lines: the token lines of each utterance, in order. */
export function splitUtterances(stdout: string, count: number): string[] {
  const parts: string[] = Array.from({ length: count }, () => '');
  let current = -1;
  for (const line of stdout.split('\n')) {
    const [marker, index] = line.split('\t');
    if (marker === UTTERANCE_LINE) current = Number(index);
    else if (current >= 0 && current < count) parts[current] += `${line}\n`;
  }
  return parts;
}

/**
 * Speed: HTS voices take hts_engine's own `-r`; other voices stretch their
 * durations (`Duration_Stretch`, the inverse of the speed). Pitch is left
 * alone: Festival's hts_engine module ignores the half-tone shift (`-fm`),
 * the output is byte for byte the same with it. Nothing at all at the
 * voice's own speed, so its scripts stay as before.
 */
function prosodyScheme({ rate = 1 }: { rate?: number | undefined }): string {
  if (rate === 1) return '';
  return `(set! hts_engine_params (append hts_engine_params (list (list "-r" ${rate.toFixed(3)}))))
(Parameter.set 'Duration_Stretch ${(1 / rate).toFixed(3)})
`;
}

interface TimedToken {
  name: string;
  start: number;
  end: number;
}

/** The tokens of the script's output that were heard: the span of their words that last a while. */
export function parseTokenTimes(stdout: string): Array<TimedToken | undefined> {
  const tokens: Array<TimedToken | undefined> = [];
  for (const line of stdout.split('\n')) {
    const [marker, name = '', ...times] = line.split('\t');
    if (marker !== TOKEN_LINE) continue;
    let start = Infinity;
    let end = -Infinity;
    for (let i = 0; i + 1 < times.length; i += 2) {
      const s = Number(times[i]);
      const e = Number(times[i + 1]);
      if (!Number.isFinite(s) || !Number.isFinite(e) || e <= s) continue;
      start = Math.min(start, s);
      end = Math.max(end, e);
    }
    tokens.push(end > start ? { name, start, end } : undefined);
  }
  return tokens;
}

/**
 * Word timings from the tokens Festival timed, under the words as the text
 * wrote them when Festival saw as many tokens as it was given (it always
 * splits at whitespace; otherwise its own token names are used). Rounded to
 * the millisecond, kept in order and inside the audio.
 */
export function wordTimings(tokens: ReadonlyArray<TimedToken | undefined>, written: readonly string[], durationSec: number): SpokenWord[] {
  const sameWords = tokens.length === written.length;
  const ms = (sec: number) => Math.round(sec * 1000) / 1000;
  const words: SpokenWord[] = [];
  let last = 0;
  tokens.forEach((token, i) => {
    if (!token) return;
    const start = ms(Math.max(last, token.start));
    const end = ms(Math.min(durationSec, token.end));
    if (end <= start) return;
    words.push({ text: bareWord(sameWords ? written[i]! : token.name), start_sec: start, end_sec: end });
    last = end;
  });
  return words;
}

/** Voices best first: the preferred ones in their order, then the others as listed. */
function bestFirst<T extends { name: string }>(voices: readonly T[]): T[] {
  const place = (v: T) => {
    const i = PREFERRED_VOICES.indexOf(v.name);
    return i < 0 ? PREFERRED_VOICES.length : i;
  };
  return voices.map((v, i) => ({ v, i })).sort((a, b) => place(a.v) - place(b.v) || a.i - b.i).map(({ v }) => v);
}

/**
 * Festival opens every utterance with a pause (about 0.18 s with slt),
 * which would delay each sentence behind its subtitle cue: the file is cut
 * to `SPEECH_EDGES` before the first word and after the last, in whole
 * frames, and the words are moved with it. The pauses between sentences
 * are the pipeline's own.
 */
export async function trimToWords(file: string, info: WavInfo, words: SpokenWord[]): Promise<{ durationSec: number; words: SpokenWord[] }> {
  const first = words[0];
  const last = words[words.length - 1];
  if (!first || !last) return { durationSec: info.durationSec, words };
  const { info: cut, shiftSec } = await trimWav(file, info, first.start_sec - SPEECH_EDGES.leadSec, last.end_sec + SPEECH_EDGES.tailSec);
  const ms = (sec: number) => Math.min(cut.durationSec, Math.max(0, Math.round((sec - shiftSec) * 1000) / 1000));
  return { durationSec: cut.durationSec, words: words.map((w) => ({ text: w.text, start_sec: ms(w.start_sec), end_sec: ms(w.end_sec) })) };
}

function normalizeLanguage(language: Language): string {
  return language.toLowerCase().replace(/_/g, '-');
}

export class FestivalProvider implements SpeechProvider {
  readonly name = 'festival';
  private readonly options: Required<FestivalOptions>;
  private probe: Promise<FestivalVoice[]> | undefined;
  /** The probe's answer once it has come, for the synchronous `voiceFor`. */
  private probed: FestivalVoice[] | undefined;

  constructor(options: FestivalOptions = {}) {
    this.options = { ...FESTIVAL_DEFAULTS, probeCache: sharedProbeCache, ...options };
  }

  /**
   * Every voice Festival lists here, HTS or not; none when the program is missing or broken. Asked once a process,
   * and answered from the probe cache while the program and its voice folders are unchanged (Festival's start alone
   * takes 0.3 s).
   */
  installedVoices(): Promise<FestivalVoice[]> {
    this.probe ??= this.probeVoices().then((voices) => (this.probed = voices));
    return this.probe;
  }

  private async probeVoices(): Promise<FestivalVoice[]> {
    const found = await probeOnce(this.options.probeCache, this.options.command, async () => {
      // The probe script holds no input, so it can be an argument: Festival evaluates one that starts with "(".
      const r = await execa(this.options.command, ['--heap', String(PROBE_HEAP_CELLS), '--batch', FESTIVAL_VOICE_SCRIPT], { timeout: PROBE_TIMEOUT_MS, reject: false, stdin: 'ignore' }).catch(() => undefined);
      if (r?.exitCode !== 0) return undefined;
      // A voice installed or removed adds or drops a folder in a voice folder's language folder (voices/us/cmu_us_slt_arctic_hts).
      const folders = parseFestivalVoicePath(r.stdout).map((dir) => folderStamps(dir));
      return { value: parseFestivalVoices(r.stdout), dependsOn: Object.assign({}, ...folders) as Record<string, string> };
    });
    return found ?? [];
  }

  /** The program runs and has an HTS voice. */
  async available(): Promise<boolean> {
    return (await this.installedVoices()).some((v) => v.hts);
  }

  async voices(): Promise<VoiceInfo[]> {
    return bestFirst((await this.installedVoices()).filter((v) => v.hts))
      .map((v) => ({ id: `${this.name}:${v.name}`, provider: this.name, language: v.language, name: `${languageName(v.language)} ${v.name} (HTS)` }));
  }

  /** Has an HTS voice for the language. */
  async supports(language: Language): Promise<boolean> {
    await this.installedVoices();
    return this.voiceFor(language) !== undefined;
  }

  /**
   * The HTS voice it would use for the language: one of the language tag
   * itself, else one of its primary language ("en-gb" takes an American
   * voice when there is no British one). Undefined until the voices have
   * been asked for (`supports`, `available`, `voices`).
   */
  voiceFor(language: Language): string | undefined {
    const hts = (this.probed ?? []).filter((v) => v.hts);
    const tag = normalizeLanguage(language);
    const primary = tag.split('-')[0]!;
    const best = (voices: FestivalVoice[]) => bestFirst(voices)[0]?.name;
    return best(hts.filter((v) => v.language === tag)) ?? best(hts.filter((v) => v.language.split('-')[0] === primary));
  }

  /** "festival (American English voice cmu_us_slt_arctic_hts, HTS)", for telling the user which voice speaks. */
  describeVoice(language: Language, voice: string | undefined = this.voiceFor(language)): string {
    if (!voice) return `festival (no HTS voice for ${languageName(language)})`;
    const known = this.probed?.find((v) => v.name === voice);
    return `festival (${languageName(known?.language ?? language)} voice ${voice}${known?.hts ? ', HTS' : ''})`;
  }

  async synthesize(request: SpeechRequest, out: string, options: CallOptions = {}): Promise<SpeechResult> {
    return (await this.synthesizeBatch([request], [out], options))[0]!;
  }

  /**
   * Every request spoken in one Festival run (`festivalBatchScript`), each to its own file, with the same results as
   * one `synthesize` each. The requests share one voice and one speed; requests that differ in either are refused.
   */
  async synthesizeBatch(requests: readonly SpeechRequest[], outs: readonly string[], options: CallOptions = {}): Promise<SpeechResult[]> {
    if (requests.length !== outs.length) throw new RangeError(`${requests.length} requests for ${outs.length} files`);
    if (requests.length === 0) return [];
    const texts = requests.map((request) => {
      const written = asciiWords(request.text.trim());
      if (written.ascii.length === 0) throw new FestivalError('speech-empty-text', 'nothing to say');
      return written;
    });
    const first = requests[0]!;
    if (requests.some((r) => r.voice !== first.voice || r.language !== first.language || r.rate !== first.rate)) {
      throw new RangeError('one Festival batch speaks with one voice, language and speed');
    }
    const installed = await this.installedVoices();
    if (installed.length === 0) throw new FestivalError('speech-unavailable', `${this.options.command} is not installed, does not run, or has no voice`);
    const voice = first.voice ?? this.voiceFor(first.language);
    if (!voice || !VOICE_NAME.test(voice) || !installed.some((v) => v.name === voice)) {
      throw new FestivalError('unknown-voice', voice ? `no installed voice "${voice.slice(0, 64)}"` : `no HTS voice for language ${first.language}`);
    }
    const script = `${outs[0]!}.scm`;
    // The text is ASCII; the path keeps its UTF-8 bytes, which is what Festival hands to the file system.
    const body = requests.length === 1
      ? festivalScript(voice, texts[0]!.ascii.join(' '), outs[0]!, { rate: first.rate })
      : festivalBatchScript(voice, texts.map((t, i) => ({ text: t.ascii.join(' '), out: outs[i]! })), { rate: first.rate });
    await writeFile(script, body, 'utf8');
    // On abort: SIGTERM, then SIGKILL after the grace, like espeak-ng and ffmpeg. The time allowed grows with the batch.
    const run = (heap: string[]) => execa(this.options.command, [...heap, '--batch', script], {
      timeout: this.options.timeoutMs * requests.length, reject: false, stdin: 'ignore', cancelSignal: options.signal, forceKillAfterDelay: KILL_GRACE_MS,
    });
    let result;
    try {
      result = await run(['--heap', String(heapCells(texts.map((t) => t.ascii.length), this.options.minHeapCells))]);
      // Text that expands far beyond its words (long runs of numbers) can outgrow the heap: spoken again with Festival's own.
      if (result.exitCode !== 0 && !result.isCanceled && OUT_OF_STORAGE.test(result.stderr)) result = await run([]);
    } finally {
      await rm(script, { force: true });
    }
    if (result.isCanceled) throw new FestivalError('speech-failed', `voice ${voice}: cancelled`, { cause: options.signal?.reason });
    if (result.exitCode !== 0 || result.failed) {
      const stderr = result.stderr.trim();
      const why = result.timedOut ? `timed out after ${this.options.timeoutMs * requests.length} ms` : stderr.split('\n')[0] || `exit code ${result.exitCode}`;
      throw new FestivalError('speech-failed', `voice ${voice}: ${why}`, { stderr });
    }
    const outputs = requests.length === 1 ? [result.stdout] : splitUtterances(result.stdout, requests.length);
    const results: SpeechResult[] = [];
    for (const [i, out] of outs.entries()) {
      const info = await readWavInfo(out).catch((e: unknown) => {
        throw new FestivalError('speech-failed', `no readable WAV written: ${(e as Error).message}`, { cause: e });
      });
      if (info.dataBytes === 0) throw new FestivalError('speech-failed', `voice ${voice} produced no audio`);
      const trimmed = await trimToWords(out, info, wordTimings(parseTokenTimes(outputs[i]!), texts[i]!.original, info.durationSec));
      results.push({ file: out, durationSec: trimmed.durationSec, voice, words: trimmed.words });
    }
    return results;
  }
}

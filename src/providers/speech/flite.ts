/**
 * Flite (Debian `flite`), CMU's small engine with Festival's voices built
 * in: English only, clearer than espeak-ng's, below Festival's HTS voice.
 * Its voices are asked for once (`flite -lv`); a voice name is checked
 * against that list before it becomes an argument, because Flite speaks
 * with its default voice, and says nothing, when given one it lacks. The
 * text goes in as ASCII (`ascii-text.ts`) through a file (`-f`), the WAV to
 * a file (`-o`): 16-bit mono PCM at the voice's rate (16 kHz, 8 kHz for
 * `kal`), its opening and closing pauses cut short from the segment times
 * `-psdur` prints. No word timings: the command line prints the words
 * without times.
 */

import { execa } from 'execa';
import { rm, writeFile } from 'node:fs/promises';
import { ProbeCache, probeOnce } from '../../adapters/installed-programs.ts';
import type { CallOptions, Language, SpeechProvider, SpeechRequest, SpeechResult, VoiceInfo } from '../types.ts';
import { asciiWords } from './ascii-text.ts';
import { languageName } from './choose.ts';
import { parseFliteVoices } from './voice-list.ts';
import { readWavInfo, SPEECH_EDGES, trimWav } from './wav.ts';
import { SlotflowError } from '../../core/errors.ts';
import { isRetryableSpeechCode, type SpeechErrorCode } from './speech-error-code.ts';

export interface FliteOptions {
  /** Program to run. Default `flite` from PATH. */
  command?: string;
  /** Longest one synthesis may take. Default 60 s. */
  timeoutMs?: number;
  /** Where the probe's answer is remembered for the next process; default, the system's temporary folder. */
  probeCache?: ProbeCache<FliteVoice[]>;
}

export const FLITE_DEFAULTS: Required<Omit<FliteOptions, 'probeCache'>> = {
  command: 'flite',
  timeoutMs: 60_000,
};

const PROBE_TIMEOUT_MS = 10_000;
const sharedProbeCache = new ProbeCache<FliteVoice[]>('flite');
/** Between SIGTERM and SIGKILL when a synthesis is cancelled. */
const KILL_GRACE_MS = 500;
/** Flite's voices, best first: the unit-selection voices, then the diphone ones. */
const PREFERRED_VOICES = ['slt', 'rms', 'awb', 'kal16', 'kal'];

export interface FliteVoice {
  name: string;
  language: string;
}

export class FliteError extends SlotflowError {
  override name = 'FliteError';
  readonly provider = 'flite';
  declare readonly code: SpeechErrorCode;
  readonly stderr: string | undefined;
  constructor(code: SpeechErrorCode, message: string, options?: ErrorOptions & { stderr?: string }) {
    super(`flite: ${message}`, { code, retryable: isRetryableSpeechCode(code), cause: options?.cause });
    this.stderr = options?.stderr;
  }
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
 * How long the pause is that opens the audio and the one that closes it,
 * from the segments `-psdur` prints: one line per utterance of
 * `phone:end` pairs, times from the utterance's start, pauses named `pau`.
 * Zero when the output does not say.
 */
/**
 * Speed as Flite's `duration_stretch` (its inverse). Flite's pitch target is
 * an absolute frequency that differs per voice, so the pitch is left alone.
 */
export function fliteProsody(request: Pick<SpeechRequest, 'rate'>): string[] {
  const rate = request.rate ?? 1;
  return rate === 1 ? [] : ['--setf', `duration_stretch=${(1 / rate).toFixed(3)}`];
}

export function edgePauses(stdout: string): { leadSec: number; tailSec: number } {
  const utterances = stdout.split('\n')
    .map((line) => line.trim().split(/\s+/).map((seg) => /^([^:\s]+):(\d+(?:\.\d+)?)$/.exec(seg)))
    .filter((segs): segs is RegExpExecArray[] => segs.length > 0 && segs.every((m) => m !== null))
    .map((segs) => segs.map((m) => ({ phone: m[1]!, end: Number(m[2]) })));
  const first = utterances[0];
  const last = utterances[utterances.length - 1];
  if (!first || !last) return { leadSec: 0, tailSec: 0 };
  const leadSec = first.length > 1 && first[0]!.phone === 'pau' ? first[0]!.end : 0;
  const closing = last[last.length - 1]!;
  const tailSec = last.length > 1 && closing.phone === 'pau' ? closing.end - last[last.length - 2]!.end : 0;
  return { leadSec, tailSec };
}

function normalizeLanguage(language: Language): string {
  return language.toLowerCase().replace(/_/g, '-');
}

export class FliteProvider implements SpeechProvider {
  readonly name = 'flite';
  private readonly options: Required<FliteOptions>;
  private probe: Promise<FliteVoice[]> | undefined;
  /** The probe's answer once it has come, for the synchronous `voiceFor`. */
  private probed: FliteVoice[] | undefined;

  constructor(options: FliteOptions = {}) {
    this.options = { ...FLITE_DEFAULTS, probeCache: sharedProbeCache, ...options };
  }

  /** The voices `flite -lv` lists that read any text; none when the program is missing. Asked once, and remembered for the next process while the program is unchanged. */
  installedVoices(): Promise<FliteVoice[]> {
    this.probe ??= probeOnce(this.options.probeCache, this.options.command, async () => {
      const r = await execa(this.options.command, ['-lv'], { timeout: PROBE_TIMEOUT_MS, reject: false, stdin: 'ignore' }).catch(() => undefined);
      return r?.exitCode === 0 ? { value: parseFliteVoices(r.stdout) } : undefined;
    }).then((voices) => (this.probed = voices ?? []));
    return this.probe;
  }

  async available(): Promise<boolean> {
    return (await this.installedVoices()).length > 0;
  }

  async voices(): Promise<VoiceInfo[]> {
    return bestFirst(await this.installedVoices()).map((v) => ({ id: `${this.name}:${v.name}`, provider: this.name, language: v.language, name: `${languageName(v.language)} ${v.name}` }));
  }

  async supports(language: Language): Promise<boolean> {
    await this.installedVoices();
    return this.voiceFor(language) !== undefined;
  }

  /**
   * The voice it would use for the language: the best of the language tag
   * itself, else of its primary language. Undefined until the voices have
   * been asked for (`supports`, `available`, `voices`).
   */
  voiceFor(language: Language): string | undefined {
    const voices = this.probed ?? [];
    const tag = normalizeLanguage(language);
    const primary = tag.split('-')[0]!;
    const best = (list: FliteVoice[]) => bestFirst(list)[0]?.name;
    return best(voices.filter((v) => v.language === tag)) ?? best(voices.filter((v) => v.language.split('-')[0] === primary));
  }

  /** "flite (American English voice slt)". */
  describeVoice(language: Language, voice: string | undefined = this.voiceFor(language)): string {
    if (!voice) return `flite (no voice for ${languageName(language)})`;
    const known = this.probed?.find((v) => v.name === voice);
    return `flite (${languageName(known?.language ?? language)} voice ${voice})`;
  }

  async synthesize(request: SpeechRequest, out: string, options: CallOptions = {}): Promise<SpeechResult> {
    const words = asciiWords(request.text.trim());
    if (words.ascii.length === 0) throw new FliteError('speech-empty-text', 'nothing to say');
    const installed = await this.installedVoices();
    if (installed.length === 0) throw new FliteError('speech-unavailable', `${this.options.command} is not installed or does not run`);
    const voice = request.voice ?? this.voiceFor(request.language);
    if (!voice || !installed.some((v) => v.name === voice)) {
      throw new FliteError('unknown-voice', voice ? `no voice "${voice.slice(0, 64)}" (it has ${installed.map((v) => v.name).join(', ')})` : `no voice for language ${request.language}`);
    }
    // A file, not stdin: Node's pipes are sockets, which Flite cannot open as a file.
    const input = `${out}.txt`;
    await writeFile(input, `${words.ascii.join(' ')}\n`, 'ascii');
    // On abort: SIGTERM, then SIGKILL after the grace, like espeak-ng and ffmpeg.
    const result = await execa(this.options.command, ['-voice', voice, '-psdur', ...fliteProsody(request), '-f', input, '-o', out], {
      timeout: this.options.timeoutMs, reject: false, stdin: 'ignore', cancelSignal: options.signal, forceKillAfterDelay: KILL_GRACE_MS,
    }).finally(() => rm(input, { force: true }));
    if (result.isCanceled) throw new FliteError('speech-failed', `voice ${voice}: cancelled`, { cause: options.signal?.reason });
    if (result.exitCode !== 0 || result.failed) {
      const stderr = result.stderr.trim();
      const why = result.timedOut ? `timed out after ${this.options.timeoutMs} ms` : stderr.split('\n')[0] || `exit code ${result.exitCode}`;
      throw new FliteError('speech-failed', `voice ${voice}: ${why}`, { stderr });
    }
    const info = await readWavInfo(out).catch((e: unknown) => {
      throw new FliteError('speech-failed', `no readable WAV written: ${(e as Error).message}`, { cause: e });
    });
    if (info.dataBytes === 0) throw new FliteError('speech-failed', `voice ${voice} produced no audio`);
    const pauses = edgePauses(result.stdout);
    const { info: cut } = await trimWav(out, info, pauses.leadSec - SPEECH_EDGES.leadSec, info.durationSec - pauses.tailSec + SPEECH_EDGES.tailSec);
    return { file: out, durationSec: cut.durationSec, voice };
  }
}

/**
 * espeak-ng, the program, when it is installed: a better English than
 * meSpeak and a usable Mandarin (`cmn`). Availability is probed once per
 * provider with `espeak-ng --version`. Text goes in on stdin (`--stdin`),
 * the WAV goes to a file (`-w`); arguments are an array, never a shell
 * string, and a voice name is checked before it becomes an argument.
 */

import { execa } from 'execa';
import { ProbeCache, probeOnce } from '../../adapters/installed-programs.ts';
import type { CallOptions, Language, SpeechProvider, SpeechRequest, SpeechResult, VoiceInfo } from '../types.ts';
import { languageName } from './choose.ts';
import { listEspeakNgVoices } from './voice-list.ts';
import { readWavInfo } from './wav.ts';
import { SlotflowError } from '../../core/errors.ts';
import { isRetryableSpeechCode, type SpeechErrorCode } from './speech-error-code.ts';

export interface EspeakNgOptions {
  /** Program to run. Default `espeak-ng` from PATH. */
  command?: string;
  /** Words a minute (`-s`, 80–450). Default 175. */
  speedWpm?: number;
  /** 0–99 (`-p`). Default 50. */
  pitch?: number;
  /** 0–200 (`-a`). Default 100. */
  amplitude?: number;
  /** Extra pause between words in units of 10 ms (`-g`). Default 0. */
  wordGap?: number;
  /** Longest one synthesis may take. Default 60 s. */
  timeoutMs?: number;
  /** Where the probe's answer is remembered for the next process; default, the system's temporary folder. */
  probeCache?: ProbeCache<string>;
}

export const ESPEAK_NG_DEFAULTS: Required<Omit<EspeakNgOptions, 'probeCache'>> = {
  command: 'espeak-ng',
  speedWpm: 175,
  pitch: 50,
  amplitude: 100,
  wordGap: 0,
  timeoutMs: 60_000,
};

const PROBE_TIMEOUT_MS = 10_000;
const sharedProbeCache = new ProbeCache<string>('espeak-ng');
/** Between SIGTERM and SIGKILL when a synthesis is cancelled. */
const KILL_GRACE_MS = 500;

/** Voices for the languages the pipeline knows; others are looked up with `--voices=LANG`. */
const LANGUAGE_VOICES: Record<string, string> = {
  en: 'en-us',
  'en-us': 'en-us',
  'en-gb': 'en-gb',
  zh: 'cmn',
  'zh-cn': 'cmn',
  'zh-cmn': 'cmn',
  cmn: 'cmn',
  'zh-yue': 'yue',
  yue: 'yue',
};

/** Voice names as espeak-ng spells them ("en-us", "cmn", "en-us+f3", "gmw/en-US"); never starting with "-". */
const VOICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_+\-/]{0,63}$/;

export type EspeakNgErrorCode = SpeechErrorCode;

export class EspeakNgError extends SlotflowError {
  override name = 'EspeakNgError';
  readonly provider = 'espeak-ng';
  declare readonly code: EspeakNgErrorCode;
  readonly stderr: string | undefined;
  constructor(code: EspeakNgErrorCode, message: string, options?: ErrorOptions & { stderr?: string }) {
    super(`espeak-ng: ${message}`, { code, retryable: isRetryableSpeechCode(code), cause: options?.cause });
    this.stderr = options?.stderr;
  }
}

/** espeak's pitch scale (0–99) moves about this much per semitone around its middle. */
export const ESPEAK_PITCH_PER_SEMITONE = 4;
const ESPEAK_MIN_WPM = 80;
const ESPEAK_MAX_WPM = 450;

/** A request's rate and pitch on espeak's scales (meSpeak shares them), kept inside their bounds. */
export function espeakProsody(base: { speedWpm: number; pitch: number }, request: Pick<SpeechRequest, 'rate' | 'pitchSemitones'>): { speedWpm: number; pitch: number } {
  const speedWpm = Math.round(Math.min(ESPEAK_MAX_WPM, Math.max(ESPEAK_MIN_WPM, base.speedWpm * (request.rate ?? 1))));
  const pitch = Math.round(Math.min(99, Math.max(0, base.pitch + ESPEAK_PITCH_PER_SEMITONE * (request.pitchSemitones ?? 0))));
  return { speedWpm, pitch };
}

function normalizeLanguage(language: Language): string {
  return language.toLowerCase().replace(/_/g, '-');
}

export class EspeakNgProvider implements SpeechProvider {
  readonly name = 'espeak-ng';
  private readonly options: Required<EspeakNgOptions>;
  private probe: Promise<string | undefined> | undefined;
  private readonly listed = new Map<string, Promise<string | undefined>>();
  private voiceList: Promise<VoiceInfo[]> | undefined;

  constructor(options: EspeakNgOptions = {}) {
    this.options = { ...ESPEAK_NG_DEFAULTS, probeCache: sharedProbeCache, ...options };
  }

  /** The `--version` line, or undefined when the program is missing or broken. Probed once, and remembered for the next process while the program is unchanged. */
  version(): Promise<string | undefined> {
    this.probe ??= probeOnce(this.options.probeCache, this.options.command, async () => {
      const r = await execa(this.options.command, ['--version'], { timeout: PROBE_TIMEOUT_MS, reject: false, stdin: 'ignore' }).catch(() => undefined);
      return r?.exitCode === 0 && /espeak/i.test(r.stdout) ? { value: r.stdout.split('\n')[0]!.trim() } : undefined;
    });
    return this.probe;
  }

  async available(): Promise<boolean> {
    return (await this.version()) !== undefined;
  }

  /** The voice it would use for a language, without asking the program; undefined for languages outside its table. */
  voiceFor(language: Language): string | undefined {
    const tag = normalizeLanguage(language);
    return LANGUAGE_VOICES[tag] ?? LANGUAGE_VOICES[tag.split('-')[0]!];
  }

  /**
   * The voice for a language when the program runs here, asking
   * `espeak-ng --voices=LANG` for languages outside the table.
   */
  async resolveVoice(language: Language): Promise<string | undefined> {
    if (!(await this.available())) return undefined;
    const known = this.voiceFor(language);
    if (known) return known;
    const tag = normalizeLanguage(language);
    if (!/^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$/.test(tag)) return undefined;
    let found = this.listed.get(tag);
    if (!found) {
      found = this.listVoice(tag);
      this.listed.set(tag, found);
    }
    return found;
  }

  /** The installed voices, asked of the program once. */
  voices(): Promise<VoiceInfo[]> {
    this.voiceList ??= this.available().then((ok) => (ok ? listEspeakNgVoices(this.options.command) : []));
    return this.voiceList;
  }

  /** Installed, and has a voice for the language. */
  async supports(language: Language): Promise<boolean> {
    return (await this.resolveVoice(language)) !== undefined;
  }

  /** "espeak-ng (Mandarin voice cmn)", for telling the user which voice speaks. */
  describeVoice(language: Language, voice: string | undefined = this.voiceFor(language)): string {
    if (!voice) return `espeak-ng (${languageName(language)})`;
    return `espeak-ng (${languageName(voice.split('+')[0]!)} voice ${voice})`;
  }

  async synthesize(request: SpeechRequest, out: string, options: CallOptions = {}): Promise<SpeechResult> {
    const text = request.text.trim();
    if (!text) throw new EspeakNgError('speech-empty-text', 'nothing to say');
    if (!(await this.available())) throw new EspeakNgError('speech-unavailable', `${this.options.command} is not installed or does not run`);
    const voice = request.voice ?? (await this.resolveVoice(request.language));
    if (!voice || !VOICE_NAME.test(voice)) {
      throw new EspeakNgError('unknown-voice', voice ? `invalid voice name "${voice}"` : `no voice for language ${request.language}`);
    }
    const o = this.options;
    const { speedWpm, pitch } = espeakProsody(o, request);
    const args = ['-v', voice, '-s', String(speedWpm), '-p', String(pitch), '-a', String(o.amplitude), '-g', String(o.wordGap), '-b', '1', '-w', out, '--stdin'];
    // On abort: SIGTERM, then SIGKILL after the grace, like ffmpeg.
    const result = await execa(o.command, args, {
      input: text, timeout: o.timeoutMs, reject: false, cancelSignal: options.signal, forceKillAfterDelay: KILL_GRACE_MS,
    });
    if (result.isCanceled) throw new EspeakNgError('speech-failed', `voice ${voice}: cancelled`, { cause: options.signal?.reason });
    if (result.exitCode !== 0 || result.failed) {
      const stderr = result.stderr.trim();
      const code = /voice.*(?:not|does not) exist|not found/i.test(stderr) ? 'unknown-voice' : 'speech-failed';
      const why = result.timedOut ? `timed out after ${o.timeoutMs} ms` : stderr || `exit code ${result.exitCode}`;
      throw new EspeakNgError(code, `voice ${voice}: ${why}`, { stderr });
    }
    const info = await readWavInfo(out).catch((e: unknown) => {
      throw new EspeakNgError('speech-failed', `no readable WAV written: ${(e as Error).message}`, { cause: e });
    });
    if (info.dataBytes === 0) throw new EspeakNgError('speech-failed', `voice ${voice} produced no audio`);
    return { file: out, durationSec: info.durationSec, voice };
  }

  private async listVoice(tag: string): Promise<string | undefined> {
    const r = await execa(this.options.command, [`--voices=${tag}`], { timeout: PROBE_TIMEOUT_MS, reject: false, stdin: 'ignore' }).catch(() => undefined);
    if (!r || r.exitCode !== 0) return undefined;
    for (const line of r.stdout.split('\n').slice(1)) {
      // Pty Language Age/Gender VoiceName File Other-languages; MBROLA voices ("mb/…") need another program.
      const [, lang, , , file] = line.trim().split(/\s+/);
      if (!lang || !file || file.startsWith('mb/')) continue;
      if (lang === tag || lang.startsWith(`${tag}-`)) return lang;
    }
    return undefined;
  }
}

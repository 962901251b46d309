/**
 * What voices the local speech providers offer here, for `GET /v1/meta` and
 * the editors' voice picker. espeak-ng is asked (`espeak-ng --voices`);
 * meSpeak's voices are the JSON files its package ships.
 */

import { execa } from 'execa';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { VoiceInfo } from '../types.ts';
import { languageName } from './choose.ts';

const LIST_TIMEOUT_MS = 10_000;

/**
 * The voices in the table `espeak-ng --voices` prints (`Pty Language
 * Age/Gender VoiceName File Other-languages`). A voice is named by its
 * language, which is what `-v` takes; MBROLA voices (`mb/…`) need another
 * program and are left out, and a language listed twice keeps its first row.
 */
export function parseEspeakNgVoices(table: string, provider = 'espeak-ng'): VoiceInfo[] {
  const voices = new Map<string, VoiceInfo>();
  for (const line of table.split('\n').slice(1)) {
    const [, language, , voiceName, file] = line.trim().split(/\s+/);
    if (!language || !voiceName || !file || file.startsWith('mb/') || voices.has(language)) continue;
    voices.set(language, { id: `${provider}:${language}`, provider, language, name: voiceName.replace(/_/g, ' ').trim() });
  }
  return [...voices.values()];
}

/** espeak-ng's installed voices; none when the program does not run. */
export async function listEspeakNgVoices(command: string): Promise<VoiceInfo[]> {
  const r = await execa(command, ['--voices'], { timeout: LIST_TIMEOUT_MS, reject: false, stdin: 'ignore' }).catch(() => undefined);
  return r && r.exitCode === 0 ? parseEspeakNgVoices(r.stdout) : [];
}

/**
 * meSpeak's bundled voices: `voices/<id>.json` and `voices/<lang>/<id>.json`,
 * named by the path without `.json` ("de", "en/en-us"), which is what
 * `synthesize` takes. `poor` voices are listed as low quality.
 */
export async function listMespeakVoices(packageDir: string, poor: ReadonlySet<string> = new Set()): Promise<VoiceInfo[]> {
  const root = path.join(packageDir, 'voices');
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return entries
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length).split(path.sep).join('/'))
    .sort()
    .map((id) => {
      const language = id.split('/').pop()!;
      const name = `${languageName(language)}${poor.has(id) ? ' (low quality)' : ''}`;
      return { id: `mespeak:${id}`, provider: 'mespeak', language, name };
    });
}

/**
 * The voices a remote provider is configured with: one per language of
 * `byLanguage`, and `fallback` (which speaks whatever it is given, `mul`)
 * when no language names it already.
 */
export function configuredVoices(provider: string, byLanguage: Readonly<Record<string, string | undefined>>, fallback?: string): VoiceInfo[] {
  const voices: VoiceInfo[] = [];
  for (const [language, voice] of Object.entries(byLanguage)) {
    if (voice) voices.push({ id: `${provider}:${voice}`, provider, language, name: `${voice} (${languageName(language)})` });
  }
  if (fallback && !voices.some((v) => v.id === `${provider}:${fallback}`)) {
    voices.push({ id: `${provider}:${fallback}`, provider, language: 'mul', name: fallback });
  }
  return voices;
}

/** Festival's language and dialect names as language tags. */
const FESTIVAL_LANGUAGES: Readonly<Record<string, string>> = {
  'english american': 'en-us', 'english us': 'en-us', 'english british': 'en-gb', 'english scottish': 'en-gb', english: 'en',
  spanish: 'es', 'spanish castillian': 'es', welsh: 'cy', finnish: 'fi', czech: 'cs', russian: 'ru', italian: 'it',
  german: 'de', french: 'fr', japanese: 'ja', catalan: 'ca', polish: 'pl', hindi: 'hi', telugu: 'te', marathi: 'mr', tamil: 'ta',
};

/** A Festival voice: its name (what `(voice_NAME)` selects), its language tag, and whether it is an HTS voice. */
export interface FestivalVoice {
  name: string;
  language: string;
  hts: boolean;
}

/**
 * The lines `FESTIVAL_VOICE_SCRIPT` prints, `voice<TAB>name<TAB>language<TAB>dialect`
 * (`nil` when a voice does not say). A voice whose language has no tag here
 * is left out: nothing could ask for it by language. HTS voices are the
 * ones named `…_hts`, as Festival's voice packages name them.
 */
export function parseFestivalVoices(output: string): FestivalVoice[] {
  const voices: FestivalVoice[] = [];
  for (const line of output.split('\n')) {
    const [marker, name, language, dialect] = line.trim().split('\t');
    if (marker !== 'voice' || !name || !/^[A-Za-z0-9_]+$/.test(name) || !language || language === 'nil') continue;
    const lang = language.toLowerCase();
    const tag = (dialect && dialect !== 'nil' ? FESTIVAL_LANGUAGES[`${lang} ${dialect.toLowerCase()}`] : undefined) ?? FESTIVAL_LANGUAGES[lang];
    if (tag && !voices.some((v) => v.name === name)) voices.push({ name, language: tag, hts: /_hts$/i.test(name) });
  }
  return voices;
}

/** Scheme that prints each voice Festival finds, with the language and dialect it proclaims, then the folders it looks for voices in. */
export const FESTIVAL_VOICE_SCRIPT = `(begin
  (mapcar (lambda (v) (let ((d (cadr (voice.description v))))
    (format t "voice\\t%s\\t%s\\t%s\\n" v (cadr (assoc 'language d)) (cadr (assoc 'dialect d))))) (voice.list))
  (mapcar (lambda (p) (format t "voice-path\\t%s\\n" p)) voice-path))`;

/** The folders Festival looks for voices in, from the `voice-path` lines of `FESTIVAL_VOICE_SCRIPT`. */
export function parseFestivalVoicePath(output: string): string[] {
  return output.split('\n').map((line) => line.trim().split('\t')).filter(([marker, dir]) => marker === 'voice-path' && !!dir).map(([, dir]) => dir!);
}

/** Flite's built-in voices by name and language; `awb_time` speaks only the time of day and is never offered. */
const FLITE_LANGUAGES: Readonly<Record<string, string>> = { slt: 'en-us', rms: 'en-us', kal: 'en-us', kal16: 'en-us', awb: 'en-gb' };
const FLITE_LIMITED_DOMAIN = /_time$/;

/** The voices of `flite -lv` ("Voices available: kal awb_time kal16 awb rms slt"), those that read any English text. */
export function parseFliteVoices(output: string): Array<{ name: string; language: string }> {
  const listed = /Voices available:(.*)/.exec(output)?.[1]?.trim().split(/\s+/) ?? [];
  return listed
    .filter((name) => /^[A-Za-z0-9_]+$/.test(name) && !FLITE_LIMITED_DOMAIN.test(name))
    .map((name) => ({ name, language: FLITE_LANGUAGES[name] ?? (name.startsWith('cmu_us_') ? 'en-us' : '') }))
    .filter((v) => v.language !== '');
}

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

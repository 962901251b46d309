import { DEFAULT_MAX_SCENE_SEC, estimateSpeechSec } from '../../pipeline/text/script.ts';
import { detectLanguage, type ArticleLanguage } from '../../pipeline/text/language.ts';
import { splitSentences } from '../../pipeline/text/sentences.ts';
import { sceneTerms } from '../../pipeline/visuals/scene-terms.ts';
import { keyPhrase } from '../../pipeline/visuals/choose.ts';
import type { SpeechPace } from '../../pipeline/speech-pace.ts';
import { POSES, type Pose } from '../render/types.ts';
import { PresenterRouteError } from './errors.ts';

/**
 * A presenter script cut into scenes, pure. A blank line ends a scene; a paragraph longer than
 * `DEFAULT_MAX_SCENE_SEC` of estimated speech is cut at sentence ends, greedily, as the article pipeline cuts
 * (`buildScript`). A `[pose: close|medium|wide|side]` mark sets the pose of the scene it is in and is not spoken.
 * Each scene's timing is estimated from the voice's pace (its provider's measured words a second times the
 * profile's rate), laid end to end; the transcript is the spoken text.
 */

export const MAX_SCRIPT_CHARS = 20000;
const POSE_MARK = /\[\s*pose\s*:\s*([^\]]*)\]/giu;

export interface ScriptScene {
  /** Numbered from 1. */
  scene: number;
  text: string;
  sentences: string[];
  /** The pose a mark in the script asked for. */
  pose?: Pose;
  start_sec: number;
  duration_sec: number;
  /** The words the visual choice reads (`sceneTerms`), most telling first, and the key phrase. */
  visual: { terms: string[]; key_phrase: string };
}

export interface PresenterScript {
  language: ArticleLanguage;
  transcript: string;
  duration_sec: number;
  pace: { words_per_sec: number; chars_per_sec: number };
  scenes: ScriptScene[];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** The paragraphs with their pose marks taken out; an unknown pose is refused. */
function paragraphs(script: string): Array<{ text: string; pose?: Pose }> {
  const out: Array<{ text: string; pose?: Pose }> = [];
  for (const raw of script.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    let pose: Pose | undefined;
    const text = raw.replace(POSE_MARK, (_m, name: string) => {
      const p = name.trim().toLowerCase();
      if (!(POSES as readonly string[]).includes(p)) {
        throw new PresenterRouteError('invalid-pose-mark', `[pose: ${name.slice(0, 20)}] is not a pose; the poses are ${POSES.join(', ')}`, 'script');
      }
      pose = p as Pose;
      return ' ';
    }).replace(/\s+/g, ' ').trim();
    if (text) out.push({ text, ...(pose ? { pose } : {}) });
  }
  return out;
}

/** Refuses a script with nothing to say before any work; answers its scenes otherwise. */
export function splitScript(script: string, pace: SpeechPace, maxSceneSec = DEFAULT_MAX_SCENE_SEC): PresenterScript {
  if (typeof script !== 'string' || script.trim() === '') throw new PresenterRouteError('invalid-script', 'the script is empty', 'script');
  if (script.length > MAX_SCRIPT_CHARS) throw new PresenterRouteError('invalid-script', `the script is longer than ${MAX_SCRIPT_CHARS} characters`, 'script');
  const paras = paragraphs(script);
  if (paras.length === 0) throw new PresenterRouteError('invalid-script', 'the script has nothing to say once its pose marks are taken out', 'script');
  const language = detectLanguage(paras.map((p) => p.text).join(' '));
  const estimate = (t: string) => estimateSpeechSec(t, pace);
  const groups: Array<{ sentences: string[]; pose?: Pose }> = [];
  for (const p of paras) {
    let current: string[] = [];
    for (const sentence of splitSentences(p.text, language)) {
      if (current.length > 0 && estimate([...current, sentence].join(' ')) > maxSceneSec) {
        groups.push({ sentences: current, ...(p.pose ? { pose: p.pose } : {}) });
        current = [];
      }
      current.push(sentence);
    }
    if (current.length > 0) groups.push({ sentences: current, ...(p.pose ? { pose: p.pose } : {}) });
  }
  let at = 0;
  const scenes = groups.map((g, i): ScriptScene => {
    const text = g.sentences.join(language === 'zh' ? '' : ' ');
    const duration = estimate(text);
    const terms = sceneTerms(text, language);
    const scene: ScriptScene = {
      scene: i + 1, text, sentences: g.sentences, ...(g.pose ? { pose: g.pose } : {}), start_sec: round2(at), duration_sec: duration,
      visual: { terms: terms.map((t) => t.term), key_phrase: keyPhrase({ text, language, terms }) },
    };
    at += duration;
    return scene;
  });
  return {
    language, transcript: scenes.map((s) => s.text).join('\n\n'), duration_sec: round2(at),
    pace: { words_per_sec: round2(pace.wordsPerSec), chars_per_sec: round2(pace.charsPerSec) }, scenes,
  };
}

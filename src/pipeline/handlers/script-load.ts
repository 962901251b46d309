import type { HandlerContext } from '../../handlers/registry.ts';
import { InvalidScriptError } from '../text/errors.ts';
import { detectLanguage } from '../text/language.ts';
import { splitSentences } from '../text/sentences.ts';
import type { ScriptOutput } from '../outputs.ts';
import { taskInput } from './shared.ts';

/** ScriptLoader: the user's own scenes (script to video), in the shape TextProcessor gives. */

export const MAX_SCRIPT_SCENES = 60;

export async function scriptLoad(ctx: HandlerContext): Promise<ScriptOutput> {
  const script = taskInput(ctx).script;
  const scenes = script?.scenes ?? [];
  if (scenes.length === 0 || scenes.length > MAX_SCRIPT_SCENES || scenes.some((s) => typeof s?.text !== 'string' || s.text.trim() === '')) {
    throw new InvalidScriptError(scenes.length, MAX_SCRIPT_SCENES);
  }
  const language = script?.language ?? detectLanguage(scenes.map((s) => s.text).join('\n'));
  return {
    title: script?.title ?? '',
    language: language as ScriptOutput['language'],
    rewritten_by: null,
    scenes: scenes.map((s, index) => ({
      index,
      sentences: splitSentences(s.text, language as ScriptOutput['language']),
      text: s.text.trim(),
      keywords: s.keywords ?? [],
      estimatedSec: 0,
    })),
  };
}

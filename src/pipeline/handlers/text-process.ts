import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import { condenseToDuration } from '../duration-fit.ts';
import { paceOf, type SpeechPace } from '../speech-pace.ts';
import { NEUTRAL_DELIVERY, toneStyle } from '../tones.ts';
import { buildScript, DEFAULT_MAX_SCENE_SEC, estimateSpeechSec } from '../text/script.ts';
import { rankSentences } from '../text/sentence-rank.ts';
import { splitSourceSentences } from '../text/sentences.ts';
import type { ArticleLanguage } from '../text/language.ts';
import type { ScriptOutput, Understanding, Widget } from '../outputs.ts';
import { input, optionalInput, optionsOf } from './shared.ts';
import { SCENE_TAIL_SEC, SENTENCE_PAUSE_SEC, speakerFor } from './speech-synthesize.ts';

/**
 * TextProcessor: the script, as scenes of at most about 8 s of speech after a
 * title scene. When a chat provider is configured it rewrites the narration
 * first (the facts stay the article's; the wording becomes spoken). With a
 * target length (`options.duration_s`), a longer text is condensed to the
 * sentences that fit it (`duration-fit.ts`), estimated at the pace of the
 * voice that will speak and the tone's speed; each scene records which
 * source sentences it says.
 */

export const REWRITE_INSTRUCTIONS =
  'Rewrite this article as a narration script for a short video. Keep every fact, keep it in the same language, use short spoken sentences, no headings or lists.';

export type { ScriptOutput } from '../outputs.ts';

/** How a sentence of prose ends, closing quotes and brackets aside; a heading has none of these. */
const SENTENCE_END = /[.!?。！？…][\s"'”’」』）)\]]*$/u;

export function makeTextProcess(deps: PipelineDeps) {
  return async function textProcess(ctx: HandlerContext): Promise<ScriptOutput> {
    const u = input<Understanding>(ctx, 'understanding');
    const language = u.language as ArticleLanguage;
    const text = deps.chat ? await deps.chat.rewrite(u.body, REWRITE_INSTRUCTIONS, language, { signal: ctx.signal }) : u.body;
    const source = splitSourceSentences(text, language);
    const options = optionsOf(ctx);
    const target = typeof options.duration_s === 'number' ? options.duration_s : undefined;

    let kept = source.map((_s, i) => i);
    let condensed = false;
    let estimated: number | null = null;
    let pace: SpeechPace | undefined;
    if (target !== undefined) {
      // The voice that will speak, as SpeechSynthesis picks it, at the tone's speed.
      const asked = options.voice ?? optionalInput<Widget>(ctx, 'widget')?.voice;
      const speaker = await speakerFor(language, typeof asked === 'string' && asked ? asked : undefined, deps.speech);
      pace = paceOf(speaker.provider.name, (toneStyle(options.tone)?.speech ?? NEUTRAL_DELIVERY).rate);
      const secondsOf = (piece: string) => estimateSpeechSec(piece, pace!);
      const scores = rankSentences(source.map((pieces) => pieces.join(' ')), language, u.title);
      const fit = condenseToDuration(source, scores, target, {
        secondsOf, pauseSec: SENTENCE_PAUSE_SEC, sceneTailSec: SCENE_TAIL_SEC, maxSceneSec: DEFAULT_MAX_SCENE_SEC,
      }, (i) => SENTENCE_END.test(source[i]!.at(-1) ?? ''));
      ({ kept, condensed } = fit);
      estimated = Math.round(fit.estimatedSec * 100) / 100;
    }
    // Without a target, scenes are grouped by the script's general estimate, as they always were.
    const pieces = kept.flatMap((i) => source[i]!.map((piece) => ({ piece, from: i + 1 })));
    const script = buildScript({ title: u.title, language }, { sentences: pieces.map((p) => p.piece), keyPhrases: u.key_phrases }, pace ?? {});
    // Scenes take the pieces in order: walk them alongside to name each scene's source sentences.
    let at = 0;
    const scenes = script.scenes.map((scene) => {
      const from = pieces.slice(at, at + scene.sentences.length).map((p) => p.from);
      at += scene.sentences.length;
      return { ...scene, source_sentences: [...new Set(from)] };
    });
    return {
      ...script, scenes, rewritten_by: deps.chat?.name ?? null,
      target_sec: target ?? null, condensed, estimated_sec: estimated, source_sentence_count: source.length,
    };
  };
}

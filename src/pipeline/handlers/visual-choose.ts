import { fluentEmoji } from '../../adapters/illustrations/fluent-emoji.ts';
import { composePicture } from '../../adapters/illustrations/picture.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { MaterialCandidate } from '../../providers/types.ts';
import type { PipelineDeps } from '../deps.ts';
import type { ScriptOutput, Widget } from '../outputs.ts';
import { type ArticleLanguage } from '../text/language.ts';
import { chooseVisuals, type ChoiceScene, matchFound, type VisualChoice } from '../visuals/choose.ts';
import { foldEnglish } from '../text/fold.ts';
import { MAX_SCENE_TERMS, type SceneTerm, sceneTerms, TERM_WEIGHT } from '../visuals/scene-terms.ts';
import { type ClippedScene, MIN_SCENE_SEC, SCENE_CANDIDATES, type SceneVisual, wholeFrames } from './material-clip.ts';
import { input, makeAsset, scriptOf } from './shared.ts';
import type { Speech } from './speech-synthesize.ts';

/**
 * `visual.choose` (the MaterialClipper of the video flows): like `material.clip`, one
 * visual per scene and each scene as long as its narration, but chosen by the scene's
 * own words (`visuals/choose.ts`): a found photo or clip that matches them, else an
 * illustration named by one of them composed with the scene's key phrase over its
 * background, else the key phrase alone. Each scene records the term that matched
 * and its search terms; its candidates for new takes are the other found visuals
 * that match it, then the generated backgrounds.
 */

export const PROVIDER = { illustration: 'illustration', typography: 'typography' } as const;

export function makeVisualChoose(deps: PipelineDeps) {
  const illustrations = deps.illustrations ?? fluentEmoji();
  return async function visualChoose(ctx: HandlerContext): Promise<{ scenes: ClippedScene[] }> {
    const script = scriptOf(ctx);
    const widget = input<Widget>(ctx, 'widget');
    const speech = input<Speech>(ctx, 'speech');
    const { backgrounds } = input<{ backgrounds: string[] }>(ctx, 'backgrounds');
    const { candidates } = input<{ candidates: MaterialCandidate[] }>(ctx, 'material');
    const scenes = choiceScenes(script);
    const choices = chooseVisuals(scenes, candidates, illustrations);
    // Side by side: resvg renders off the main thread, one still per scene.
    const visuals = await Promise.all(choices.map(async (choice, i): Promise<SceneVisual> => {
      if (choice.kind === 'found') {
        const c = choice.candidate;
        return { path: c.path, kind: c.kind, provider: c.provider, term: choice.term };
      }
      const icon = choice.kind === 'illustration' ? await illustrations.icon(choice.icon) : undefined;
      const background = backgrounds[i % backgrounds.length]!;
      const file = await makeAsset(ctx, deps.assets, { kind: 'illustration', provider: 'resvg', ext: '.png', scene: script.scenes[i]!.index }, (out) =>
        composePicture({ width: widget.width, height: widget.height, background, icon, phrase: choice.phrase, out, signal: ctx.signal }));
      return { path: file, kind: 'image', provider: PROVIDER[choice.kind], term: choice.term };
    }));
    return {
      scenes: script.scenes.map((scene, i): ClippedScene => {
        const spoken = speech.scenes.find((s) => s.index === scene.index)!;
        return {
          index: scene.index,
          text: scene.text,
          visual: visuals[i]!,
          audio: spoken.audio,
          duration_sec: wholeFrames(Math.max(MIN_SCENE_SEC, spoken.duration_sec)),
          candidates: takeCandidates(i, visuals, choices, scenes[i]!, candidates, backgrounds),
          speech: { provider: speech.provider, voice: speech.voice, language: speech.language },
          keywords: scenes[i]!.terms.map((t) => t.term),
          ...(scene.source_sentences ? { source_sentences: scene.source_sentences } : {}),
        };
      }),
    };
  };
}

/** Each scene's words and terms, from its own sentences. */
export function choiceScenes(script: Pick<ScriptOutput, 'language' | 'scenes'>): ChoiceScene[] {
  const language = script.language as ArticleLanguage;
  return script.scenes.map((scene) => ({ text: scene.text, language, terms: withPlannedTerms(scene.visual_terms, sceneTerms(scene.text, language, scene.keywords)) }));
}

/** A planner's nouns rank above the narration's own terms: they name what the scene should show. */
export const PLANNED_TERM_WEIGHT = TERM_WEIGHT.entity + TERM_WEIGHT.keyPhrase;

function withPlannedTerms(planned: readonly string[] | undefined, own: SceneTerm[]): SceneTerm[] {
  if (!planned?.length) return own;
  const first = planned.map((term, i) => ({ term, key: /\p{Script=Han}/u.test(term) ? term : foldEnglish(term), weight: PLANNED_TERM_WEIGHT - i * 0.01 })).filter((t) => t.key);
  const keys = new Set(first.map((t) => t.key));
  return [...first, ...own.filter((t) => !keys.has(t.key))].slice(0, MAX_SCENE_TERMS);
}

/** The scene's own visual, the found ones that match it and no scene shows, then the generated backgrounds. */
function takeCandidates(
  i: number, visuals: readonly SceneVisual[], choices: readonly VisualChoice[], scene: ChoiceScene,
  found: readonly MaterialCandidate[], backgrounds: readonly string[],
): SceneVisual[] {
  const shown = new Set(choices.flatMap((c) => (c.kind === 'found' ? [c.candidate.path] : [])));
  const list: SceneVisual[] = [visuals[i]!];
  for (const c of found) {
    if (list.length >= SCENE_CANDIDATES) break;
    if (shown.has(c.path) || list.some((v) => v.path === c.path)) continue;
    const m = matchFound(c, scene);
    if (m.score > 0) list.push({ path: c.path, kind: c.kind, provider: c.provider, term: m.term });
  }
  for (let k = 0; list.length < SCENE_CANDIDATES && k < backgrounds.length; k++) {
    const path = backgrounds[(i + k) % backgrounds.length]!;
    if (!list.some((v) => v.path === path)) list.push({ path, kind: 'image', provider: 'generated', term: null });
  }
  return list;
}

import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { type Cue, renderScene } from '../../adapters/ffmpeg/index.ts';
import { SlotflowError } from '../../core/errors.ts';
import { seedOf } from '../../core/random.ts';
import { silenceWav } from '../../providers/speech/wav.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import { detectLanguage } from '../text/language.ts';
import { splitSentences } from '../text/sentences.ts';
import { type ClippedScene, MIN_SCENE_SEC, type SceneVisual, wholeFrames } from './material-clip.ts';
import { usable } from './material-search.ts';
import type { Widget } from '../outputs.ts';
import { toneStyle } from '../tones.ts';
import { makeAsset, optionalParentInput, storeAsset, parentInput, type SceneInput, type TakeEdits } from './shared.ts';
import { speakerFor, speakScene } from './speech-synthesize.ts';
import { PROVIDER } from './visual-choose.ts';
import { cuesForScene, type Subtitles } from './subtitle-build.ts';

/**
 * SceneRender (in each scene child task): the scene's visual, voice, burned-in cues and watermark as one segment,
 * and a thumbnail of it (its middle frame, from the same run). A take after the first (`task regenerate`) applies the editor's changes: new narration is
 * spoken again with the scene's voice and its cues rebuilt; new search terms look for another visual; a chosen
 * visual is used as it is. A take without changes moves on to the scene's next visual and another camera move, so
 * it is never the same picture again; the take number is part of the input, so a take once made is reused.
 */

/**
 * Scenes cut straight to each other, not through black. A fade also made renders differ: libass captions under
 * ffmpeg's fade came out one level apart in a few pixels of the faded frames from run to run (packaged 4.1 and
 * Debian's 5.1 alike; the same graph without captions, or without the fade, is byte-identical every time).
 */
export const SCENE_FADE_SEC = 0;
const SILENCE = { audioFormat: 1, sampleRate: 48000, channels: 1, bitsPerSample: 16 } as const;
const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg', '.webp']);
/** Visuals composed by `visual.choose` at the frame's size: flat colours and sharp edges. */
const DRAWN_PROVIDERS: ReadonlySet<string> = new Set(Object.values(PROVIDER));

/** A take's visual cannot be had: an upload that is gone, a candidate that does not exist. No retry changes that. */
export class SceneVisualError extends SlotflowError {
  override name = 'SceneVisualError';
  constructor(message: string) {
    super(message, { code: 'unknown-visual' });
  }
}

export interface SceneRenderOutput {
  index: number;
  take: number;
  segment: string;
  thumbnail: string;
  /** A PNG of the scene half-way through as composed before its captions: what the video's cover is made from. */
  still: string;
  duration_sec: number;
  narration: string;
  visual: { source: string; term: string | null; kind: 'image' | 'video' };
  /** Relative to the scene, for the video's subtitle file. */
  cues: Cue[];
}

export function makeSceneRender(deps: PipelineDeps) {
  return async function sceneRender(ctx: HandlerContext): Promise<SceneRenderOutput> {
    const { item, take = 1, edits = {} } = ctx.input as SceneInput;
    const scene = item as ClippedScene;
    const widget = parentInput<Widget>(ctx, 'widget');
    const subtitles = parentInput<Subtitles>(ctx, 'subtitles');
    const watermark = optionalParentInput<{ text: string | null }>(ctx, 'watermark')?.text;
    const narration = edits.narration ?? scene.text;
    const visual = await takeVisual(ctx, deps, scene, take, edits);
    const scratch: string[] = [];
    try {
      let audio = scene.audio;
      let cues: Cue[] = subtitles.scenes.find((s) => s.index === scene.index)?.cues ?? [];
      let durationSec = scene.duration_sec;
      if (narration !== scene.text) {
        const spoken = await speakAgain(ctx, deps, scene, narration, widget);
        audio = spoken.audio;
        cues = cuesForScene(spoken, spoken.language);
        durationSec = wholeFrames(Math.max(MIN_SCENE_SEC, spoken.duration_sec));
      }
      // A scene without narration (the fast cut) gets silence; the music carries it.
      if (!audio) {
        audio = await deps.assets.scratch('.wav');
        scratch.push(audio);
        await silenceWav(durationSec, SILENCE, audio);
      }
      // Written by the same run as the segment, then stored beside it.
      const stillOut = await deps.assets.scratch('.png');
      const thumbnailOut = await deps.assets.scratch('.jpg');
      scratch.push(stillOut, thumbnailOut);
      const started = performance.now();
      const segment = await makeAsset(ctx, deps.assets, { kind: 'scene', provider: 'ffmpeg', ext: '.mp4', scene: scene.index }, (out) =>
        renderScene(deps.media, {
          width: widget.width,
          height: widget.height,
          durationSec,
          // Generated backgrounds are soft gradients: their motion needs no oversampling. Illustrations and typography are drawn at the frame's size.
          visual: { path: visual.path, kind: visual.kind, smooth: visual.provider === 'generated', drawn: DRAWN_PROVIDERS.has(visual.provider) },
          audio,
          cues,
          ...(subtitles.captions ? { captions: subtitles.captions } : {}),
          ...(watermark ? { watermark: { text: watermark } } : {}),
          fadeSec: SCENE_FADE_SEC,
          // The first take moves as it always did; each later one moves its own way.
          ...(take > 1 ? { motionSeed: seedOf(`${path.basename(visual.path)}#${take}`) } : {}),
          stillFile: stillOut,
          thumbnailFile: thumbnailOut,
          out,
          signal: ctx.signal,
        }));
      const still = await storeAsset(ctx, deps.assets, { kind: 'still', provider: 'ffmpeg', scene: scene.index }, stillOut, started);
      const thumbnail = await storeAsset(ctx, deps.assets, { kind: 'thumbnail', provider: 'ffmpeg', scene: scene.index }, thumbnailOut, started);
      return {
        index: scene.index, take, segment, thumbnail, still, duration_sec: durationSec, narration,
        visual: { source: visual.provider, term: visual.term ?? null, kind: visual.kind }, cues,
      };
    } finally {
      await Promise.all(scratch.map((f) => rm(f, { force: true })));
    }
  };
}

/** The visual a take uses: the editor's pick, a search with the editor's terms, or the scene's next candidate. */
async function takeVisual(ctx: HandlerContext, deps: PipelineDeps, scene: ClippedScene, take: number, edits: TakeEdits): Promise<SceneVisual> {
  const candidates = scene.candidates?.length ? scene.candidates : [scene.visual];
  if (edits.visual?.startsWith('asset:')) {
    const file = deps.assets.pathOf(edits.visual.slice('asset:'.length));
    if (!file) throw new SceneVisualError(`no uploaded asset ${edits.visual.slice(0, 80)}`);
    return { path: file, kind: IMAGE_EXTS.has(path.extname(file)) ? 'image' : 'video', provider: 'upload', term: null };
  }
  if (edits.visual?.startsWith('candidate:')) {
    const n = Number(edits.visual.slice('candidate:'.length));
    const pick = Number.isInteger(n) ? candidates[n - 1] : undefined;
    if (!pick) throw new SceneVisualError(`scene ${scene.index + 1} has no candidate ${edits.visual.slice(0, 40)}; it has ${candidates.length}`);
    return pick;
  }
  if (edits.terms?.length) {
    const found = await searchTerms(ctx, deps, edits.terms, parentInput<Widget>(ctx, 'widget'));
    if (found) return found;
  }
  return candidates[(take - 1) % candidates.length]!;
}

/** The best visual any material provider finds for the editor's terms, or none. */
async function searchTerms(ctx: HandlerContext, deps: PipelineDeps, terms: string[], widget: Widget): Promise<SceneVisual | undefined> {
  for (const provider of deps.material) {
    if (!(await provider.available())) continue;
    const found = await provider.search({ keywords: terms, orientation: widget.orientation, limit: 4 }, deps.assets.tmpDir, { signal: ctx.signal });
    const [best] = (await usable(deps.media.runner, found.filter((c) => c.score > 0), ctx.signal)).sort((a, b) => b.score - a.score);
    if (best) return { path: best.path, kind: best.kind, provider: best.provider, term: best.term ?? terms[0]! };
  }
  return undefined;
}

/**
 * New narration, spoken with exactly the voice the scene was spoken with (refused, never replaced, when that
 * voice is gone); narration in another language than the scene's gets the best voice for that language.
 */
async function speakAgain(ctx: HandlerContext, deps: PipelineDeps, scene: ClippedScene, narration: string, widget: Widget) {
  const language = detectLanguage(narration);
  const asked = scene.speech ? (scene.speech.language === language ? `${scene.speech.provider}:${scene.speech.voice}` : undefined) : widget.voice ?? undefined;
  const { provider, voice } = await speakerFor(language, asked, deps.speech);
  // The task's tone speaks a new take as it spoke the others.
  const delivery = toneStyle((ctx.input as SceneInput).parent.input.options?.tone)?.speech;
  const spoken = await speakScene(ctx, deps, provider, { index: scene.index, sentences: splitSentences(narration, language) }, language, voice, delivery);
  return { ...spoken, language };
}

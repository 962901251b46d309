import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { audioLevels, type Cue, kineticAss, type KineticWord, renderPresenterScene } from '../../adapters/ffmpeg/index.ts';
import { preparedFonts } from '../../adapters/fonts.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { MIN_SCENE_SEC, wholeFrames } from '../../pipeline/handlers/material-clip.ts';
import { cuesForScene } from '../../pipeline/handlers/subtitle-build.ts';
import { foldEnglish } from '../../pipeline/text/fold.ts';
import type { ArticleLanguage } from '../../pipeline/text/language.ts';
import { type ChoiceScene, keyPhrase } from '../../pipeline/visuals/choose.ts';
import { sceneTerms } from '../../pipeline/visuals/scene-terms.ts';
import type { SpokenWord } from '../../providers/types.ts';
import { assetRef, frameOfScene, portraitOf, requireRole, roleOf, sceneOf } from '../render/inputs.ts';
import { motionHz, motionKeys, speechEnvelope } from '../render/motion.ts';
import { DEFAULT_POSE } from '../render/pose.ts';
import { composePoseStill } from '../render/still.ts';
import type { PresenterSceneItem, SceneSpeech, SceneVideo } from '../render/types.ts';
import { isSceneBackground, type SceneBackground } from './scene-background.ts';

/**
 * `presenter.scene-render`, the offline presenter scene: the presenter cut out of the neutral portrait, framed by
 * the scene's pose (`render/pose.ts`) over the scene's background (`presenter.scene-background`), moved by the speech's own loudness (`render/motion.ts`: a bob on the voice, a slow drift under
 * it), the side pose's key phrase as kinetic type, as one H.264 + AAC segment at the output's format. The word-timed
 * captions are not burned here but handed on (`cues`, `captioned: false`): `presenter.lipsync` burns them after lip
 * sync, so a lip-sync model sees the face with no text over it. No lip sync is applied here: the metadata says so.
 */

/** Scenes cut straight to each other; the stitch adds the crossfades. */
const SCENE_FADE_SEC = 0;
/** With no spoken word of the key phrase found, its words appear over this share of the scene. */
const KINETIC_SPREAD_SHARE = 0.5;

export function isSceneSpeech(v: SceneSpeech): boolean {
  return typeof v?.audio === 'string' && Number.isFinite(v.duration_sec) && Array.isArray(v.sentences);
}

export function captionCues(scene: PresenterSceneItem, speech: SceneSpeech): Cue[] {
  if (scene.captions === false) return [];
  return cuesForScene({ index: scene.scene - 1, audio: speech.audio, duration_sec: speech.duration_sec, sentences: speech.sentences }, speech.language);
}

/** The key phrase's words, each when it is spoken (found in order among the spoken words), else spread over the scene's start. */
export function kineticWords(phrase: string, spoken: readonly SpokenWord[], durationSec: number): KineticWord[] {
  const words = phrase.split(/\s+/).filter(Boolean);
  const key = (w: string) => foldEnglish(w.replace(/[^\p{L}\p{N}]/gu, ''));
  let from = 0;
  const found = words.map((w) => {
    for (let i = from; i < spoken.length; i++) {
      if (key(spoken[i]!.text) === key(w)) {
        from = i + 1;
        return spoken[i]!.start_sec;
      }
    }
    return undefined;
  });
  const start = spoken[0]?.start_sec ?? 0;
  const step = (durationSec * KINETIC_SPREAD_SHARE) / Math.max(1, words.length);
  let last = start;
  return words.map((text, i) => {
    last = Math.max(last, found[i] ?? start + i * step);
    return { text, startSec: last };
  });
}

/** The scene's words as the pipeline's visual choice reads them. */
export function choiceScene(text: string, language: string): ChoiceScene {
  const lang = language as ArticleLanguage;
  return { text, language: lang, terms: sceneTerms(text, lang) };
}

export function makePresenterSceneRender(deps: PipelineDeps) {
  return async function presenterSceneRender(ctx: HandlerContext): Promise<SceneVideo> {
    const scene = sceneOf(ctx);
    const portrait = portraitOf(ctx);
    const speech = requireRole<SceneSpeech>(ctx, 'speech', isSceneSpeech);
    const { width, height } = frameOfScene(ctx);
    const pose = scene.pose ?? DEFAULT_POSE;
    const durationSec = wholeFrames(Math.max(MIN_SCENE_SEC, speech.duration_sec));
    const started = performance.now();
    const still = await deps.assets.scratch('.png');
    try {
      const background = roleOf<SceneBackground>(ctx, 'background');
    const placement = await composePoseStill(portrait, pose, { width, height }, still, isSceneBackground(background) ? background.background : undefined);
      const hz = motionHz(durationSec);
      const camera = motionKeys(speechEnvelope(await audioLevels(deps.media.runner, speech.audio, hz, { signal: ctx.signal })), hz);
      const cues = captionCues(scene, speech);
      let overlayAss: string | undefined;
      if (pose === 'side' && placement.text) {
        const words = kineticWords(keyPhrase(choiceScene(scene.narration, speech.language)), speech.sentences.flatMap((s) => s.words), durationSec);
        // The captions keep the bottom of the frame: the phrase sits in the rest of its room.
        const room = { ...placement.text, h: placement.text.h * (height > width ? 0.7 : 0.72) };
        overlayAss = kineticAss(width, height, room, words, (await preparedFonts()).family, durationSec);
      }
      const out = await deps.assets.scratch('.mp4');
      await renderPresenterScene(deps.media, {
        // No captions yet: lip sync must see the face and the frame clean. `presenter.lipsync` burns them.
        width, height, durationSec, still, camera, audio: speech.audio, cues: [],
        ...(overlayAss ? { overlayAss } : {}), fadeSec: SCENE_FADE_SEC, out, signal: ctx.signal,
      });
      const stored = await deps.assets.put(out);
      ctx.recordAsset({
        kind: 'scene', provider: 'ffmpeg', path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - started,
        scene: scene.scene - 1, stage: ctx.component, inputs: [assetRef(portrait.path, portrait.hash), assetRef(speech.audio), ...(isSceneBackground(background) ? [assetRef(background.background, background.hash)] : [])],
      });
      const r = (v: number) => Math.round(v);
      return {
        scene: scene.scene, kind: 'presenter', segment: stored.path, duration_sec: durationSec, width, height, cues, captioned: false,
        metadata: { lip_sync: false, pose, face: { x: r(placement.face.x), y: r(placement.face.y), w: r(placement.face.w), h: r(placement.face.h) } },
      };
    } finally {
      await rm(still, { force: true });
    }
  };
}

import { rm } from 'node:fs/promises';
import { type CaptionOptions, type Cue, renderScene } from '../../adapters/ffmpeg/index.ts';
import { SlotflowError } from '../../core/errors.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { cuesForScene } from '../../pipeline/handlers/subtitle-build.ts';
import { toneStyle } from '../../pipeline/tones.ts';
import { silenceWav } from '../../providers/speech/wav.ts';
import { frameOf, type VideoScene, wholeFrames } from '../storyboard/common.ts';
import type { OutputSnapshot } from '../types.ts';
import { makeGraphAsset } from './record.ts';
import { hashOfStored, sceneOf } from './scene-input.ts';
import type { SceneSpeech } from './scene-speech.ts';

/**
 * `product.scene-clip` (in each scene child): the scene's image moving (a slow push-in, or a handheld sway for
 * UGC) and its narration with captions timed by the spoken words, or for a silent scene silence (the music carries
 * it), as one segment at the output's frame. The headline is the scene image's own (set where it leaves the product
 * clear), so a silent scene burns in no second copy of it. A narrated scene lasts as long as its speech
 * (the storyboard's estimate at least); a silent one as the storyboard says.
 */

/** A narrated scene is never shorter than this, however short its line. */
export const MIN_NARRATED_SEC = 1.5;
const SILENCE = { audioFormat: 1, sampleRate: 48000, channels: 1, bitsPerSample: 16 } as const;

/** The scene child gave the clip no image (its SceneImage component is missing or answered another shape). */
export class SceneClipInputError extends SlotflowError {
  override name = 'SceneClipInputError';
  constructor(message: string) {
    super(message, { code: 'scene-clip-input' });
  }
}

export interface SceneClip {
  scene: number;
  clip: { path: string; hash: string; duration_s: number };
  duration_s: number;
  /** On the scene's timeline. */
  cues: Cue[];
  captions: Required<CaptionOptions>;
  narration: string | null;
}

export function makeSceneClip(deps: PipelineDeps) {
  return async function sceneClip(ctx: HandlerContext): Promise<SceneClip> {
    const { scene, snapshot } = sceneOf(ctx);
    const { width, height } = frameOf(snapshot);
    const image = imageOf(ctx);
    const speech = speechOf(ctx);
    const scratch: string[] = [];
    try {
      let audio = speech?.audio?.path;
      const durationSec = speech?.audio
        ? wholeFrames(Math.max(MIN_NARRATED_SEC, speech.audio.duration_s))
        : wholeFrames(scene.duration_s);
      if (!audio) {
        audio = await deps.assets.scratch('.wav');
        scratch.push(audio);
        await silenceWav(durationSec, SILENCE, audio);
      }
      const cues: Cue[] = speech?.audio
        ? cuesForScene({ index: scene.scene - 1, audio, duration_sec: speech.audio.duration_s, sentences: speech.sentences }, speech.language)
        : [];
      const captions = captionsFor(scene, snapshot, Boolean(speech?.audio));
      const inputs = [`sha256:${image.hash}`, ...(speech?.audio ? [`sha256:${speech.audio.hash}`] : [])];
      const clip = await makeGraphAsset(ctx, deps.assets, { kind: 'scene-clip', provider: 'ffmpeg', ext: '.mp4', inputs, scene: scene.scene - 1 }, (out) =>
        renderScene(deps.media, {
          width, height, durationSec,
          visual: { path: image.path, kind: 'image' },
          audio: audio!,
          cues,
          captions,
          fadeSec: 0,
          // The scene image's headline and labels run close to its edges: a push-in crops them less than a Ken Burns drift.
          motion: scene.motion,
          motionSeed: scene.seed,
          out,
          signal: ctx.signal,
        }));
      return { scene: scene.scene, clip: { ...clip, duration_s: durationSec }, duration_s: durationSec, cues, captions, narration: scene.narration ?? null };
    } finally {
      await Promise.all(scratch.map((f) => rm(f, { force: true })));
    }
  };
}

/**
 * Captions: narration in the style asked for (else the tone's, else karaoke) in the scene's band: the middle third (`middle`) for UGC, the style's own layout otherwise.
 */
export function captionsFor(scene: VideoScene, snapshot: OutputSnapshot, narrated: boolean): Required<CaptionOptions> {
  if (!narrated) return { style: 'sentence', layout: scene.band === 'middle' ? 'middle' : 'bold' };
  const style = snapshot.options.captions ?? toneStyle(snapshot.options.tone)?.captions ?? 'karaoke';
  const layout = scene.band === 'middle' ? 'middle' : style === 'pop' ? 'bold' : style === 'karaoke' ? 'boxed' : 'classic';
  return { style, layout };
}

/** The scene image: the output of the dependency that answered `{ image: { path } }`. */
function imageOf(ctx: HandlerContext): { path: string; hash: string } {
  for (const output of Object.values(ctx.deps)) {
    const image = (output as { image?: { path?: unknown; hash?: unknown } } | null)?.image;
    if (image && typeof image.path === 'string') return { path: image.path, hash: typeof image.hash === 'string' ? image.hash : hashOfStored(image.path) };
  }
  throw new SceneClipInputError(`${ctx.component} has no scene image: no dependency answered { image: { path } }`);
}

/** The scene's speech: the output of the dependency that answered `{ audio, words }`; none for a flow without one. */
function speechOf(ctx: HandlerContext): SceneSpeech | undefined {
  for (const output of Object.values(ctx.deps)) {
    if (output && typeof output === 'object' && 'audio' in output && 'words' in output) return output as SceneSpeech;
  }
  return undefined;
}

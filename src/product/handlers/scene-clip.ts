import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { type CaptionOptions, type Cue, grabFrame, renderScene } from '../../adapters/ffmpeg/index.ts';
import { SlotflowError } from '../../core/errors.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { cuesForScene } from '../../pipeline/handlers/subtitle-build.ts';
import { toneStyle } from '../../pipeline/tones.ts';
import { silenceWav } from '../../providers/speech/wav.ts';
import { frameOf, type VideoScene, wholeFrames } from '../storyboard/common.ts';
import { scoreFidelity } from '../fidelity.ts';
import { compileFidelity, type FidelityAttempt, FidelityFailedError } from '../scene-image.ts';
import type { Box, FidelityScores, OutputSnapshot } from '../types.ts';
import { hashOfStored, sceneOf } from './scene-input.ts';
import type { SceneSpeech } from './scene-speech.ts';

/**
 * `product.scene-clip` (in each scene child): the scene's image moving (a slow push-in, or a handheld sway for
 * UGC) and its narration with captions timed by the spoken words, or for a silent scene silence (the music carries
 * it), as one segment at the output's frame. The headline is the scene image's own (set where it leaves the product
 * clear), so a silent scene burns in no second copy of it. A narrated scene lasts as long as its speech
 * (the storyboard's estimate at least); a silent one as the storyboard says.
 *
 * Fidelity is a stage here too: a frame late in the clip (the move's tightest crop, captions burned in) is scored
 * against the neutral image as scene images are; under the threshold the clip is made again with another seed,
 * then with the gentlest move, at most `fidelity.max_regenerations` times, and then the scene fails with every
 * attempt's scores (`fidelity-failed`). The scores are kept with the clip's asset.
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
  /** The fidelity of the frame checked, and every attempt's. */
  scores: FidelityScores;
  attempts: FidelityAttempt[];
}

/** Where in a clip the frame checked for fidelity is taken, as a share of its length. */
export const CHECKED_AT = 0.85;

/** What attempt `n` (from 0) of a clip changes: the move's seed first, then the gentlest move, a push-in. */
export function clipVariant(scene: VideoScene, n: number): { motion: VideoScene['motion']; seed: number } {
  if (n === 0) return { motion: scene.motion, seed: scene.seed };
  const seed = (scene.seed + n * 7919) >>> 0;
  return { motion: n === 1 ? scene.motion : 'push', seed };
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
      const { threshold, maxRegenerations } = compileFidelity(snapshot.options.fidelity);
      const attempts: FidelityAttempt[] = [];
      for (let n = 0; n <= maxRegenerations; n++) {
        const started = performance.now();
        const variant = clipVariant(scene, n);
        const out = await deps.assets.scratch('.mp4');
        const frame = await deps.assets.scratch('.png');
        scratch.push(out, frame);
        await renderScene(deps.media, {
          width, height, durationSec,
          visual: { path: image.path, kind: 'image' },
          audio: audio!,
          cues,
          captions,
          fadeSec: 0,
          // The scene image's headline and labels run close to its edges: a push-in crops them less than a Ken Burns drift.
          motion: variant.motion,
          motionSeed: variant.seed,
          out,
          signal: ctx.signal,
        });
        // The clip is checked as it is seen: late in the move (the tightest crop), captions burned in.
        await grabFrame(deps.media.runner, out, durationSec * CHECKED_AT, frame, { signal: ctx.signal });
        const scores = await scoreFidelity(frame, snapshot.identity.neutral, snapshot.identity.metadata.palette, { threshold, ...(image.box ? { hint: image.box } : {}) });
        attempts.push({ attempt: n + 1, layout: scene.layout, seed: variant.seed, scores });
        if (!scores.passed) continue;
        const stored = await deps.assets.put(out);
        ctx.recordAsset({
          kind: 'scene-clip', provider: 'ffmpeg', path: stored.path, hash: stored.hash, bytes: stored.bytes, latencyMs: performance.now() - started,
          inputs, scene: scene.scene - 1, scores: { ...scores, motion: variant.motion, checked_at_s: durationSec * CHECKED_AT, attempts },
        });
        const clip = { path: stored.path, hash: stored.hash, duration_s: durationSec };
        return { scene: scene.scene, clip, duration_s: durationSec, cues, captions, narration: scene.narration ?? null, scores, attempts };
      }
      throw new FidelityFailedError(attempts, threshold);
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
function imageOf(ctx: HandlerContext): { path: string; hash: string; box?: Box } {
  for (const output of Object.values(ctx.deps)) {
    const found = output as { image?: { path?: unknown; hash?: unknown }; scores?: { box?: Box } } | null;
    const image = found?.image;
    if (image && typeof image.path === 'string') {
      return { path: image.path, hash: typeof image.hash === 'string' ? image.hash : hashOfStored(image.path), ...(found?.scores?.box ? { box: found.scores.box } : {}) };
    }
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

import { rm } from 'node:fs/promises';
import { CUT, joinSegments, mixFinal, probe, synthesizeMusic } from '../../adapters/ffmpeg/index.ts';
import { seedOf } from '../../core/random.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../../pipeline/deps.ts';
import { MUSIC_BED_SEC } from '../../pipeline/handlers/music-select.ts';
import { MUSIC_FADE_SEC, MUSIC_VOLUME } from '../../pipeline/handlers/video-synthesize.ts';
import { NEUTRAL_MOOD, toneStyle } from '../../pipeline/tones.ts';
import { transitionFor } from '../../pipeline/transitions.ts';
import { frameOf, productSeedKey } from '../storyboard/common.ts';
import { outputSnapshot } from './output-input.ts';
import { makeGraphAsset } from './record.ts';
import type { SceneClip } from './scene-clip.ts';

/**
 * `product.stitch`: the scene clips joined in storyboard order with the flow's transition (`params.transition`,
 * as `video.synthesize` takes it: the fast-paced flow cuts, the script flow crossfades, UGC cuts), a generated
 * music bed in the output's tone mixed under the narration, ducked where the voice speaks, the whole brought to
 * −14 LUFS (`mixFinal`). H.264 + AAC, fast start. The video is an asset of the graph made from the scene clips.
 */

export interface StitchOutput {
  video: { path: string; hash: string; duration_s: number; width: number; height: number };
  scenes: number;
  transition: { kind: string; duration_s: number };
}

/** Under a silent video the bed is all there is: it goes in at full level (the mix is brought to −14 LUFS either way). */
const SILENT_MUSIC_VOLUME = 1;

export function makeStitch(deps: PipelineDeps) {
  return async function stitch(ctx: HandlerContext): Promise<StitchOutput> {
    const snapshot = outputSnapshot(ctx);
    const { width, height } = frameOf(snapshot);
    const scenes = scenesOf(ctx);
    const clips = [...scenes].sort((a, b) => a.index - b.index).map((s) => clipOf(s.outputs));
    const narrated = clips.some((c) => c.narration);
    const transition = transitionFor(ctx.params, {});
    const { runner } = deps.media;
    const signal = ctx.signal;
    const joined = await deps.assets.scratch('.mp4');
    const music = await deps.assets.scratch('.wav');
    try {
      await joinSegments(deps.media, { segments: clips.map((c) => c.clip.path), joins: clips.slice(1).map(() => transition ?? CUT), out: joined, signal });
      const mood = toneStyle(snapshot.options.tone)?.music ?? NEUTRAL_MOOD;
      await synthesizeMusic(runner, { durationSec: MUSIC_BED_SEC, seed: seedOf(`${productSeedKey(snapshot)}|${snapshot.mode}`), mood, out: music, signal });
      const video = await makeGraphAsset(ctx, deps.assets, { kind: 'video', provider: 'ffmpeg', ext: '.mp4', inputs: clips.map((c) => `sha256:${c.clip.hash}`) }, (out) =>
        mixFinal(runner, { video: joined, music, musicVolume: narrated ? MUSIC_VOLUME : SILENT_MUSIC_VOLUME, fadeSec: MUSIC_FADE_SEC, out, signal }));
      const probed = await probe(runner, video.path, { signal });
      return {
        video: { ...video, duration_s: probed.durationSec, width, height },
        scenes: clips.length,
        transition: { kind: transition.kind, duration_s: transition.durationSec },
      };
    } finally {
      await Promise.all([rm(joined, { force: true }), rm(music, { force: true })]);
    }
  };
}

type FanOutScenes = Array<{ index: number; outputs: Record<string, unknown> }>;

/**
 * The scene children's outputs: the dependency that answered `{ scenes: [{ index, outputs }] }` (the fan-out). Read
 * from the dependencies rather than a role: the shared handler catalog flows are compiled with does not know the
 * product handlers.
 */
function scenesOf(ctx: HandlerContext): FanOutScenes {
  for (const output of Object.values(ctx.deps)) {
    const scenes = (output as { scenes?: unknown } | null)?.scenes;
    if (Array.isArray(scenes) && scenes.every((s) => s && typeof s === 'object' && 'outputs' in s)) return scenes as FanOutScenes;
  }
  throw new RangeError(`${ctx.component} has no scenes: no dependency answered the fan-out's { scenes }`);
}

/** A scene child's clip: the output of its component that answered `{ clip }`. */
function clipOf(outputs: Record<string, unknown>): SceneClip {
  const found = Object.values(outputs).find((o) => o && typeof o === 'object' && 'clip' in o);
  if (!found) throw new RangeError('a scene child finished without a clip');
  return found as SceneClip;
}

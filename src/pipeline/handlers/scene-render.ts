import { rm } from 'node:fs/promises';
import { renderScene } from '../../adapters/ffmpeg/index.ts';
import { silenceWav } from '../../providers/speech/wav.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import type { ClippedScene } from './material-clip.ts';
import type { Widget } from '../outputs.ts';
import { makeAsset, optionalParentInput, parentInput, type SceneInput } from './shared.ts';
import type { Subtitles } from './subtitle-build.ts';

/** SceneRender (in each scene child task): the scene's visual, voice, burned-in cues and watermark as one segment. */

export const SCENE_FADE_SEC = 0.3;
const SILENCE = { audioFormat: 1, sampleRate: 48000, channels: 1, bitsPerSample: 16 } as const;

export function makeSceneRender(deps: PipelineDeps) {
  return async function sceneRender(ctx: HandlerContext): Promise<{ index: number; segment: string; duration_sec: number }> {
    const { item } = ctx.input as SceneInput;
    const scene = item as ClippedScene;
    const widget = parentInput<Widget>(ctx, 'widget');
    const subtitles = parentInput<Subtitles>(ctx, 'subtitles');
    const watermark = optionalParentInput<{ text: string | null }>(ctx, 'watermark')?.text;
    const cues = subtitles.scenes.find((s) => s.index === scene.index)?.cues ?? [];
    // A scene without narration (the fast cut) gets silence; the music carries it.
    let audio = scene.audio;
    let silence: string | undefined;
    if (!audio) {
      silence = await deps.assets.scratch('.wav');
      await silenceWav(scene.duration_sec, SILENCE, silence);
      audio = silence;
    }
    try {
      return await render();
    } finally {
      if (silence) await rm(silence, { force: true });
    }

    async function render() {
    const segment = await makeAsset(ctx, deps.assets, { kind: 'scene', provider: 'ffmpeg', ext: '.mp4', scene: scene.index }, (out) =>
      renderScene(deps.media, {
        width: widget.width,
        height: widget.height,
        durationSec: scene.duration_sec,
        // Generated backgrounds are soft gradients: their motion needs no oversampling.
        visual: { path: scene.visual.path, kind: scene.visual.kind, smooth: scene.visual.provider === 'generated' },
        audio,
        cues,
        ...(watermark ? { watermark: { text: watermark } } : {}),
        fadeSec: SCENE_FADE_SEC,
        out,
        signal: ctx.signal,
      }));
    return { index: scene.index, segment, duration_sec: scene.duration_sec };
    }
  };
}

import { rm } from 'node:fs/promises';
import { concatSegments, mixFinal, probe } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Widget } from '../outputs.ts';
import { input, makeAsset, optionalInput } from './shared.ts';
import type { Subtitles } from './subtitle-build.ts';

/**
 * VideoSynthesis: the title card and the scenes joined without re-encoding
 * (every segment has the same stream parameters), then the music mixed in,
 * ducked under the voice, with fast start. The SRT sidecar travels along.
 */

export const MUSIC_VOLUME = 0.35;
export const MUSIC_FADE_SEC = 1.5;

interface SceneOutputs {
  index: number;
  outputs: Record<string, { segment: string; duration_sec: number }>;
}

export function makeVideoSynthesize(deps: PipelineDeps) {
  return async function videoSynthesize(ctx: HandlerContext) {
    const widget = input<Widget>(ctx, 'widget');
    const title = input<{ segment: string }>(ctx, 'title');
    const { scenes } = input<{ scenes: SceneOutputs[] }>(ctx, 'scenes');
    const music = optionalInput<{ music: string | null }>(ctx, 'music')?.music ?? null;
    const subtitles = optionalInput<Subtitles>(ctx, 'subtitles');
    const segments = [...scenes].sort((a, b) => a.index - b.index).map((s) => Object.values(s.outputs)[0]!.segment);
    const joined = await deps.assets.scratch('.mp4');
    try {
      const { runner } = deps.media;
      const signal = ctx.signal;
      await concatSegments(runner, [title.segment, ...segments], joined, { signal });
      const video = await makeAsset(ctx, deps.assets, { kind: 'video', provider: 'ffmpeg', ext: '.mp4' }, (out) =>
        mixFinal(runner, { video: joined, ...(music ? { music } : {}), musicVolume: MUSIC_VOLUME, fadeSec: MUSIC_FADE_SEC, out, signal }));
      const probed = await probe(runner, video, { signal });
      return { video, srt: subtitles?.srt ?? null, duration_sec: probed.durationSec, width: widget.width, height: widget.height, scenes: segments.length };
    } finally {
      await rm(joined, { force: true });
    }
  };
}

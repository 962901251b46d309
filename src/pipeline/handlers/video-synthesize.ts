import { rm, writeFile } from 'node:fs/promises';
import { CUT, type Cue, grabFrame, joinSegments, mixFinal, probe } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Widget } from '../outputs.ts';
import { transitionFor } from '../transitions.ts';
import { input, makeAsset, optionalInput, optionsOf } from './shared.ts';
import { type Subtitles, toSrt } from './subtitle-build.ts';

/**
 * VideoSynthesis: the title card and the scenes joined (every segment has the
 * same stream parameters, so only the transitions' short windows are encoded
 * again; a cut copies), then the music mixed in, ducked under the voice, with
 * fast start. The transition comes from the flow's `params`, else the tone
 * (`../transitions.ts`); it keeps the timeline, so the SRT sidecar is the
 * same as with cuts.
 */

export const MUSIC_VOLUME = 0.35;
export const MUSIC_FADE_SEC = 1.5;

interface SceneOutputs {
  index: number;
  outputs: Record<string, { segment: string; duration_sec: number; cues?: Cue[] }>;
}

export function makeVideoSynthesize(deps: PipelineDeps) {
  return async function videoSynthesize(ctx: HandlerContext) {
    const widget = input<Widget>(ctx, 'widget');
    const title = input<{ segment: string; duration_sec?: number }>(ctx, 'title');
    const { scenes } = input<{ scenes: SceneOutputs[] }>(ctx, 'scenes');
    const music = optionalInput<{ music: string | null }>(ctx, 'music')?.music ?? null;
    const subtitles = optionalInput<Subtitles>(ctx, 'subtitles');
    const rendered = [...scenes].sort((a, b) => a.index - b.index).map((s) => Object.values(s.outputs)[0]!);
    const segments = rendered.map((s) => s.segment);
    const joined = await deps.assets.scratch('.mp4');
    try {
      const { runner } = deps.media;
      const signal = ctx.signal;
      const transition = transitionFor(ctx.params, optionsOf(ctx));
      // The title card fades through black by itself: it cuts to the first scene.
      const joins = segments.map((_, i) => (i === 0 ? CUT : transition));
      await joinSegments(deps.media, { segments: [title.segment, ...segments], joins, out: joined, signal });
      const video = await makeAsset(ctx, deps.assets, { kind: 'video', provider: 'ffmpeg', ext: '.mp4' }, (out) =>
        mixFinal(runner, { video: joined, ...(music ? { music } : {}), musicVolume: MUSIC_VOLUME, fadeSec: MUSIC_FADE_SEC, out, signal }));
      const probed = await probe(runner, video, { signal });
      // The cover: the title card, half-way through it.
      const cover = await makeAsset(ctx, deps.assets, { kind: 'cover', provider: 'ffmpeg', ext: '.jpg' }, (out) =>
        grabFrame(runner, video, Math.min(title.duration_sec ?? 1, probed.durationSec) / 2, out, { signal }));
      const srt = subtitles ? await videoSubtitles(ctx, deps, subtitles, rendered) : null;
      return {
        video, srt, cover, duration_sec: probed.durationSec, width: widget.width, height: widget.height, scenes: segments.length,
        transition: { kind: transition.kind, duration_sec: transition.durationSec },
      };
    } finally {
      await rm(joined, { force: true });
    }
  };
}

/**
 * The subtitle file on the video's timeline. Scenes that carry their own cues (a regenerated take may have new
 * narration and another length) are laid end to end after the title card; otherwise SubtitleBuilder's file stands.
 */
async function videoSubtitles(
  ctx: HandlerContext,
  deps: PipelineDeps,
  subtitles: Subtitles,
  rendered: ReadonlyArray<{ duration_sec: number; cues?: Cue[] }>,
): Promise<string> {
  if (!rendered.every((s) => s.cues)) return subtitles.srt;
  const all: Cue[] = [];
  let offset = subtitles.title_sec;
  for (const scene of rendered) {
    for (const c of scene.cues!) all.push({ text: c.text, startSec: c.startSec + offset, endSec: c.endSec + offset });
    offset += scene.duration_sec;
  }
  return makeAsset(ctx, deps.assets, { kind: 'subtitles', provider: 'slotflow', ext: '.srt' }, (out) => writeFile(out, toSrt(all)));
}

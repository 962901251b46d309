import { rm, writeFile } from 'node:fs/promises';
import { type CaptionOptions, CUT, type Cue, grabFrame, type JoinedSound, joinSegments, mixSound, muxFinal, probe, renderCover } from '../../adapters/ffmpeg/index.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { coverScene } from '../cover-scene.ts';
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
 * same as with cuts. The sound (the music ducked, the loudness brought to
 * −14 LUFS) is mixed from the segments' sound while the transitions are
 * encoded, then muxed with the joined picture, both copied. The cover: the still of the scene `coverScene` picks (of
 * the chosen takes), with the title over it in the video's caption style.
 */

export const MUSIC_VOLUME = 0.35;
export const MUSIC_FADE_SEC = 1.5;

interface SceneOutput {
  segment: string;
  duration_sec: number;
  cues?: Cue[];
  /** Made by scene.render since cache version 9; older takes have none and give a frame of their segment. */
  still?: string;
  visual?: { source: string };
}

interface SceneOutputs {
  index: number;
  outputs: Record<string, SceneOutput>;
}

export function makeVideoSynthesize(deps: PipelineDeps) {
  return async function videoSynthesize(ctx: HandlerContext) {
    const widget = input<Widget>(ctx, 'widget');
    const title = input<{ segment: string; duration_sec: number; title?: string }>(ctx, 'title');
    const { scenes } = input<{ scenes: SceneOutputs[] }>(ctx, 'scenes');
    const music = optionalInput<{ music: string | null }>(ctx, 'music')?.music ?? null;
    const subtitles = optionalInput<Subtitles>(ctx, 'subtitles');
    const ordered = [...scenes].sort((a, b) => a.index - b.index).map((s) => ({ index: s.index, ...Object.values(s.outputs)[0]! }));
    const rendered: SceneOutput[] = ordered;
    const segments = rendered.map((s) => s.segment);
    const joined = await deps.assets.scratch('.mp4');
    const mixed = await deps.assets.scratch('.m4a');
    try {
      const { runner } = deps.media;
      const signal = ctx.signal;
      const transition = transitionFor(ctx.params, optionsOf(ctx));
      // The title card fades through black by itself: it cuts to the first scene.
      const joins = segments.map((_, i) => (i === 0 ? CUT : transition));
      // The sound is mixed (its loudness passes, its AAC) while the picture's transitions are encoded.
      let sound: JoinedSound | undefined;
      await joinSegments(deps.media, {
        segments: [title.segment, ...segments], joins, out: joined, signal,
        alongside: async (joinedSound) => {
          await mixSound(runner, { sound: joinedSound, ...(music ? { music } : {}), musicVolume: MUSIC_VOLUME, fadeSec: MUSIC_FADE_SEC, out: mixed, signal });
          sound = joinedSound;
        },
      });
      const { durationSec } = sound!;
      const video = await makeAsset(ctx, deps.assets, { kind: 'video', provider: 'ffmpeg', ext: '.mp4' }, (out) =>
        muxFinal(runner, { video: joined, sound: mixed, durationSec, out, signal }));
      const probed = await probe(runner, video, { signal });
      const cover = await makeAsset(ctx, deps.assets, { kind: 'cover', provider: 'ffmpeg', ext: '.jpg' }, (out) =>
        makeCover(deps, coverScene(ordered), { width: widget.width, height: widget.height, title: title.title ?? '', captions: subtitles?.captions, out, signal }));
      const srt = subtitles ? await videoSubtitles(ctx, deps, subtitles, title.duration_sec, ordered) : null;
      return {
        video, srt, cover, duration_sec: probed.durationSec, width: widget.width, height: widget.height, scenes: segments.length,
        transition: { kind: transition.kind, duration_sec: transition.durationSec },
      };
    } finally {
      await Promise.all([rm(joined, { force: true }), rm(mixed, { force: true })]);
    }
  };
}

/** The cover of the scene picked for it: its still, or (a take from before stills) a frame of its segment. */
async function makeCover(
  deps: PipelineDeps,
  scene: SceneOutput | undefined,
  options: { width: number; height: number; title: string; captions: CaptionOptions | undefined; out: string; signal: AbortSignal | undefined },
): Promise<void> {
  const { runner } = deps.media;
  const { out, signal, captions, ...rest } = options;
  const frame = scene && !scene.still ? await deps.assets.scratch('.png') : undefined;
  try {
    if (frame) await grabFrame(runner, scene!.segment, scene!.duration_sec / 2, frame, { signal });
    const picture = frame ?? scene?.still;
    if (!picture) throw new RangeError('a video without scenes has no cover');
    await renderCover(runner, { ...rest, picture, ...(captions ? { captions } : {}), out, ...(signal ? { signal } : {}) });
  } finally {
    if (frame) await rm(frame, { force: true });
  }
}

/**
 * The subtitle file on the video's timeline: each scene's cues (its own where it carries them, as a regenerated
 * take with new narration and another length does; else SubtitleBuilder's for its index) laid end to end after
 * the title card.
 */
async function videoSubtitles(
  ctx: HandlerContext,
  deps: PipelineDeps,
  subtitles: Subtitles,
  titleSec: number,
  rendered: ReadonlyArray<{ index: number; duration_sec: number; cues?: Cue[] }>,
): Promise<string> {
  const all: Cue[] = [];
  let offset = titleSec;
  for (const scene of rendered) {
    const cues = scene.cues ?? subtitles.scenes.find((s) => s.index === scene.index)?.cues ?? [];
    for (const c of cues) all.push({ text: c.text, startSec: c.startSec + offset, endSec: c.endSec + offset });
    offset += scene.duration_sec;
  }
  return makeAsset(ctx, deps.assets, { kind: 'subtitles', provider: 'slotflow', ext: '.srt' }, (out) => writeFile(out, toSrt(all)));
}

import { synthesizeMusic } from '../../adapters/ffmpeg/index.ts';
import { seedOf } from '../../core/random.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import type { Understanding, Widget } from '../outputs.ts';
import { input, makeAsset, optionalInput, optionsOf } from './shared.ts';
import { NEUTRAL_MOOD, toneStyle } from '../tones.ts';

/** MusicSelector: a generated ambient bed (looped under the video and ducked under the voice), or none when the request says so. */

export const MUSIC_BED_SEC = 32;

export function makeMusicSelect(deps: PipelineDeps) {
  return async function musicSelect(ctx: HandlerContext): Promise<{ music: string | null; provider: string | null }> {
    const widget = input<Widget>(ctx, 'widget');
    // The task's options first: a resume with --music keeps WidgetInit but changes the input.
    const asked = optionsOf(ctx).music;
    if (!(typeof asked === 'boolean' ? asked : widget.music)) return { music: null, provider: null };
    const u = optionalInput<Understanding>(ctx, 'understanding');
    const seed = seedOf(`${u?.tone ?? ''}|${u?.title ?? ''}`);
    // The tone asked for sets the bed's tempo, key and brightness; with none, the bed is as it always was.
    const mood = toneStyle(optionsOf(ctx).tone)?.music ?? NEUTRAL_MOOD;
    // PCM, not AAC: encoding the bed costs more CPU than making it, and the final mix decodes it again anyway.
    const music = await makeAsset(ctx, deps.assets, { kind: 'music', provider: 'generated', ext: '.wav' }, (out) =>
      synthesizeMusic(deps.media.runner, { durationSec: MUSIC_BED_SEC, seed, mood, out, signal: ctx.signal }));
    return { music, provider: 'generated' };
  };
}

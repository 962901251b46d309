import type { PipelineDeps } from '../../pipeline/deps.ts';
import { speakerFor } from '../../pipeline/handlers/speech-synthesize.ts';
import type { SpeechRate } from '../../pipeline/planning/scene-plan.ts';
import { rateOf } from '../../pipeline/planning/speech-rates.ts';
import { toneStyle } from '../../pipeline/tones.ts';
import type { OutputSnapshot } from '../types.ts';

/**
 * How fast the narration of an output will be spoken: the measured rate of the voice that will speak it (the one
 * asked for, else the best here for English), at the tone's speed. What the narrated storyboards size scenes by.
 */
export async function narrationPace(snapshot: OutputSnapshot, deps: Pick<PipelineDeps, 'speech'>): Promise<SpeechRate> {
  const { provider } = await speakerFor('en', snapshot.options.voice, deps.speech);
  const rate = rateOf(provider.name);
  const speed = toneStyle(snapshot.options.tone)?.speech.rate ?? 1;
  return { wordsPerSec: rate.wordsPerSec * speed, charsPerSec: rate.charsPerSec * speed };
}

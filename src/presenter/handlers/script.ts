import type { HandlerContext } from '../../handlers/registry.ts';
import { paceOf } from '../../pipeline/speech-pace.ts';
import { type PresenterScript, splitScript } from '../routes/script.ts';
import { outputSnapshotOf } from '../routes/snapshot.ts';

/**
 * `presenter.script`: the output's script cut into scenes (`routes/script.ts`), each timed at the presenter's voice
 * pace: the measured pace of the voice's provider (`provider:voice`) at the profile's rate.
 */
export async function presenterScript(ctx: HandlerContext): Promise<PresenterScript> {
  const snapshot = outputSnapshotOf(ctx.input);
  const profile = snapshot.identity.voice.profile;
  const provider = profile.provider ?? profile.voice.split(':')[0]!;
  return Promise.resolve(splitScript(snapshot.script, paceOf(provider, profile.rate)));
}

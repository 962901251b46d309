import { fanOutOutputType, type HandlerSignature, type RoleSpec } from '../../core/flow/inputs.ts';

/** What the stages produce, for the flows' role bindings. */
export const PresenterOutput = {
  speech: 'presenter-speech',
  background: 'presenter-background',
  backgrounds: 'presenter-backgrounds',
  sceneVideo: 'presenter-scene-video',
  video: 'presenter-video',
  enhanced: 'presenter-enhanced-video',
} as const;

const needs = (accepts: string): RoleSpec => ({ accepts });
const mayUse = (accepts: string): RoleSpec => ({ accepts, optional: true });

export const PRESENTER_RENDER_SIGNATURES: Readonly<Record<string, HandlerSignature>> = {
  'presenter.scene-speech': { produces: PresenterOutput.speech },
  'presenter.backgrounds': { produces: PresenterOutput.backgrounds, consumes: { storyboard: needs('presenter-storyboard') } },
  'presenter.scene-background': { produces: PresenterOutput.background },
  'presenter.scene-render': { produces: PresenterOutput.sceneVideo, consumes: { speech: needs(PresenterOutput.speech), background: mayUse(PresenterOutput.background) } },
  'presenter.broll': { produces: PresenterOutput.sceneVideo, consumes: { speech: needs(PresenterOutput.speech) } },
  'presenter.lipsync': {
    produces: PresenterOutput.sceneVideo,
    consumes: { speech: needs(PresenterOutput.speech), presenter: mayUse(PresenterOutput.sceneVideo), broll: mayUse(PresenterOutput.sceneVideo) },
  },
  'presenter.stitch': { produces: PresenterOutput.video, consumes: { scenes: needs(fanOutOutputType('presenter-scene')) }, params: { transition_ms: 'non-negative-integer' } },
  'presenter.enhance': { produces: PresenterOutput.enhanced, consumes: { video: needs(PresenterOutput.video) } },
};

import type { HandlerSignature, RoleSpec } from '../core/flow/inputs.ts';
import { fanOutOutputType } from '../core/flow/inputs.ts';
import { OutputType } from './outputs.ts';
import { TRANSITION_PARAMS } from './transitions.ts';

/**
 * What each pipeline handler produces and the roles it reads, by handler
 * name. Flows are checked against this table when they load, and the
 * registry carries the same entries. A role is named for what the handler
 * does with it; most take the output type's own name.
 */

const needs = (accepts: string): RoleSpec => ({ accepts });
const mayUse = (accepts: string): RoleSpec => ({ accepts, optional: true });

/** The output of the `scene` flow's fan-out: one segment per scene. */
export const SCENES = fanOutOutputType('scene');

export const PIPELINE_SIGNATURES: Readonly<Record<string, HandlerSignature>> = {
  'text.understand': { produces: OutputType.understanding },
  'widget.init': { produces: OutputType.widget },
  'text.process': { produces: OutputType.script, consumes: { understanding: needs(OutputType.understanding) } },
  'script.load': { produces: OutputType.script },
  'prompt.plan': { produces: OutputType.script },
  'captions.write': { produces: OutputType.script, consumes: { understanding: needs(OutputType.understanding) } },
  'material.generate': {
    produces: OutputType.backgrounds,
    consumes: { widget: needs(OutputType.widget), understanding: mayUse(OutputType.understanding) },
  },
  'material.search': {
    produces: OutputType.material,
    consumes: { widget: needs(OutputType.widget), understanding: mayUse(OutputType.understanding) },
  },
  'speech.synthesize': {
    produces: OutputType.speech,
    consumes: { script: needs(OutputType.script), widget: mayUse(OutputType.widget) },
  },
  'material.clip': {
    produces: OutputType.clips,
    consumes: {
      script: needs(OutputType.script), speech: needs(OutputType.speech),
      backgrounds: needs(OutputType.backgrounds), material: needs(OutputType.material),
    },
  },
  // material.clip's roles and the frame it composes illustrations for.
  'visual.choose': {
    produces: OutputType.clips,
    consumes: {
      script: needs(OutputType.script), speech: needs(OutputType.speech), widget: needs(OutputType.widget),
      backgrounds: needs(OutputType.backgrounds), material: needs(OutputType.material),
    },
  },
  'beats.cut': {
    produces: OutputType.clips,
    consumes: { script: needs(OutputType.script), backgrounds: needs(OutputType.backgrounds), material: needs(OutputType.material) },
  },
  'subtitle.build': {
    produces: OutputType.subtitles,
    consumes: { clips: needs(OutputType.clips), speech: mayUse(OutputType.speech) },
  },
  'title.card': {
    produces: OutputType.titleCard,
    consumes: { widget: needs(OutputType.widget), backgrounds: needs(OutputType.backgrounds), script: needs(OutputType.script) },
  },
  'music.select': {
    produces: OutputType.music,
    consumes: { widget: needs(OutputType.widget), understanding: mayUse(OutputType.understanding) },
  },
  'watermark.prepare': { produces: OutputType.watermark, consumes: { widget: needs(OutputType.widget) } },
  // Reads the roles its fan-out parent hands on (widget, subtitles, watermark), not dependencies of its own.
  'scene.render': { produces: OutputType.scene },
  'video.synthesize': {
    produces: OutputType.video,
    consumes: {
      widget: needs(OutputType.widget), title: needs(OutputType.titleCard), scenes: needs(SCENES),
      music: mayUse(OutputType.music), subtitles: mayUse(OutputType.subtitles),
    },
    params: TRANSITION_PARAMS,
  },
  'images.compose': {
    produces: OutputType.images,
    consumes: {
      script: needs(OutputType.script), widget: needs(OutputType.widget),
      backgrounds: needs(OutputType.backgrounds), material: needs(OutputType.material),
    },
  },
  'images.bundle': { produces: OutputType.bundle, consumes: { images: needs(OutputType.images), script: needs(OutputType.script) } },
};

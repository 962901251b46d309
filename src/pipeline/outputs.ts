import type { Script } from './text/script.ts';

/**
 * The output types the pipeline's handlers produce, by name, and the shapes
 * that more than one handler reads. A flow binds a handler's roles to the
 * components whose handlers produce these types (see `signatures.ts`). This
 * file imports nothing from the handlers, so any handler may import it.
 */

export const OutputType = {
  understanding: 'understanding',
  widget: 'widget',
  script: 'script',
  backgrounds: 'backgrounds',
  material: 'material',
  speech: 'speech',
  clips: 'clips',
  subtitles: 'subtitles',
  titleCard: 'title-card',
  music: 'music',
  watermark: 'watermark',
  scene: 'scene',
  video: 'video',
  images: 'images',
  bundle: 'bundle',
} as const;
export type OutputType = (typeof OutputType)[keyof typeof OutputType];

/** TextUnderstanding: the article parsed, its language, sentences, key phrases and tone. */
export interface Understanding {
  title: string;
  language: string;
  body: string;
  sentences: string[];
  key_phrases: string[];
  tone: string;
}

/** WidgetInit: the frame, rate and decorations the request asks for. */
export interface Widget {
  format: string;
  width: number;
  height: number;
  orientation: 'landscape' | 'portrait' | 'square';
  fps: number;
  voice: string | null;
  music: boolean;
  watermark: string | null;
}

/** A script, whichever handler made it (from the article, the user's scenes, or captions). */
export interface ScriptOutput extends Script {
  rewritten_by: string | null;
  /** The narration length asked for (`options.duration_s`); null or absent when none was. */
  target_sec?: number | null;
  /** Whether sentences were left out to fit the target. */
  condensed?: boolean;
  /** The narration length estimated for the scenes kept, when there was a target. */
  estimated_sec?: number | null;
  /** How many sentences the source had, kept or not. */
  source_sentence_count?: number;
}

import type { Cue } from '../../adapters/ffmpeg/index.ts';
import type { SpokenSentence } from '../../pipeline/handlers/speech-synthesize.ts';

/**
 * The shapes the presenter render stages read and write. The portrait and the voice are declared here as narrowly
 * as the stages need them (the identity's `NeutralPortrait` and `VoiceProfile` carry more and fit these).
 */

/** A box in pixels, from the top left. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The presenter's neutral portrait: the picture and where the face is in it. */
export interface PortraitInput {
  path: string;
  width: number;
  height: number;
  face: Box;
  hash?: string;
}

/** How the presenter speaks: a voice (`provider:voice`, a voice, or a provider), a rate (1 = normal) and a pitch shift. */
export interface VoiceInput {
  voice: string;
  rate: number;
  pitch_semitones: number;
}

export const POSES = ['close', 'medium', 'wide', 'side'] as const;
export type Pose = (typeof POSES)[number];
export const SCENE_KINDS = ['presenter', 'broll'] as const;
export type SceneKind = (typeof SCENE_KINDS)[number];

/** One storyboard scene, numbered from 1. */
export interface PresenterSceneItem {
  scene: number;
  kind: SceneKind;
  pose?: Pose;
  narration: string;
  /** Captions on (default) or off. */
  captions?: boolean;
  /** A background picture for the scene (an asset path), when one was chosen or approved. */
  background?: string;
}

/** What `presenter.scene-speech` gives: the scene's narration spoken, with every sentence's and word's times. */
export interface SceneSpeech {
  scene: number;
  audio: string;
  duration_sec: number;
  language: string;
  provider: string;
  voice: string;
  sentences: SpokenSentence[];
}

/** A scene as a segment (`presenter.scene-render`, `presenter.broll`, then `presenter.lipsync`, which burns the captions). */
export interface SceneVideo {
  scene: number;
  kind: SceneKind;
  segment: string;
  duration_sec: number;
  width: number;
  height: number;
  /** The scene's captions, timed from its start. */
  cues: Cue[];
  /**
   * Whether `cues` are burned into `segment`. A presenter scene is rendered without them (false) and they are burned
   * after lip sync (`presenter.lipsync`); b-roll comes with them. Absent: burned.
   */
  captioned?: boolean;
  metadata: {
    lip_sync: boolean;
    pose?: Pose;
    /** Where the face was placed in the frame (presenter scenes). */
    face?: Box;
    /** The b-roll's visual: what matched and by which word. */
    visual?: { source: string; term: string | null; kind: 'image' | 'video' };
    /** Set when a lip-sync model made the scene. */
    prediction?: { provider: string; id: string; request_id: string | null };
  };
}

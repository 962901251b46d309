import type { Box } from '../render/types.ts';
import { PresenterRouteError } from './errors.ts';

/**
 * A presenter output as stored: the `presenter-output/1` request with the presenter identity's references copied in
 * (`identity`), the input of the route's task. No stage rebuilds the identity: the script and the scenes read it
 * from here. Declared as narrowly as the routes need (the identity's `PresenterIdentityRef` fits it).
 */

export const PRESENTER_ROUTES = ['single', 'multi', 'broll', 'pose', 'approval'] as const;
export type PresenterRoute = (typeof PRESENTER_ROUTES)[number];

export interface PresenterOutputOptions {
  format?: '16:9' | '9:16' | '1:1';
  /** `WIDTHxHEIGHT`, for previews and tests. */
  size?: string;
  captions?: 'sentence' | 'karaoke' | 'pop';
  /** Set by a storyboard rejection: where the output resumed and why (`service.ts`). */
  retry?: { from: string; reason: string; revision: number };
}

export interface RoutesIdentity {
  presenter: string;
  name: string;
  portrait: { id: number; kind: string; path: string; hash: string; width: number; height: number; face: Box };
  voice: { id: number; kind: string; path: string; hash: string; profile: { voice: string; rate: number; pitch_semitones: number; provider?: string } };
}

export interface PresenterOutputSnapshot {
  contract: 'presenter-output/1';
  presenter: string;
  route: PresenterRoute;
  script: string;
  options: PresenterOutputOptions;
  identity: RoutesIdentity;
}

/** The route's task input, checked where a stage needs it. */
export function outputSnapshotOf(input: unknown): PresenterOutputSnapshot {
  const s = input as Partial<PresenterOutputSnapshot> | null;
  if (!s || s.contract !== 'presenter-output/1') throw new PresenterRouteError('invalid-presenter-output', 'the task input is not a presenter-output/1 snapshot', 'contract');
  const voice = s.identity?.voice?.profile;
  if (!voice || typeof voice.voice !== 'string') throw new PresenterRouteError('invalid-presenter-output', 'the presenter output carries no voice profile', 'identity.voice');
  if (typeof s.script !== 'string') throw new PresenterRouteError('invalid-presenter-output', 'the presenter output carries no script', 'script');
  return s as PresenterOutputSnapshot;
}

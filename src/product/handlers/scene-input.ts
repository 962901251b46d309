import type { HandlerContext } from '../../handlers/registry.ts';
import type { VideoScene } from '../storyboard/common.ts';
import type { OutputSnapshot } from '../types.ts';
import { sceneChild } from './output-input.ts';

/** In a scene child task: the storyboard scene it was made from and the output's snapshot (the fan-out parent's input), checked. */
export function sceneOf(ctx: HandlerContext): { scene: VideoScene; snapshot: OutputSnapshot } {
  const { item, parent } = sceneChild(ctx);
  const scene = item as VideoScene;
  return { scene: { ...scene, band: scene.band ?? 'bottom', motion: scene.motion ?? 'push' }, snapshot: parent.input };
}

/** A stored file's hash: stored assets are named by it (`<sha256>.<ext>`). */
export function hashOfStored(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base.slice(0, base.indexOf('.') < 0 ? base.length : base.indexOf('.'));
}

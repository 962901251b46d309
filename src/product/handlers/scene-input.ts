import type { HandlerContext } from '../../handlers/registry.ts';
import type { VideoScene } from '../storyboard/common.ts';
import type { OutputSnapshot } from '../types.ts';

/** In a scene child task: the storyboard scene it was made from and the output's snapshot (the fan-out parent's input). */
export function sceneOf(ctx: HandlerContext): { scene: VideoScene; snapshot: OutputSnapshot } {
  const input = ctx.input as { item: VideoScene; parent: { input: OutputSnapshot } };
  return { scene: input.item, snapshot: input.parent.input };
}

/** A stored file's hash: stored assets are named by it (`<sha256>.<ext>`). */
export function hashOfStored(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base.slice(0, base.indexOf('.') < 0 ? base.length : base.indexOf('.'));
}

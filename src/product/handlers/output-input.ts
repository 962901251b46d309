import { SlotflowError } from '../../core/errors.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { OutputSnapshot, ProductScene } from '../types.ts';

/** What the product-creative handlers share: reading the output snapshot, in a task or in a scene child of one. */

export class OutputSnapshotError extends SlotflowError {
  override name = 'OutputSnapshotError';
  constructor(readonly component: string, message: string) {
    super(message, { code: 'invalid-output-snapshot' });
  }
}

function checked(value: unknown, component: string): OutputSnapshot {
  const s = value as Partial<OutputSnapshot> | undefined;
  if (!s || s.contract !== 'output-generation/1') throw new OutputSnapshotError(component, `${component} runs on an output-generation/1 snapshot`);
  if (!s.identity?.neutral?.path || !Array.isArray(s.identity.metadata?.palette) || s.identity.metadata.palette.length === 0) {
    throw new OutputSnapshotError(component, `${component}: the snapshot's identity has no neutral image or no palette`);
  }
  return s as OutputSnapshot;
}

export function outputSnapshot(ctx: HandlerContext): OutputSnapshot {
  return checked(ctx.input, ctx.component);
}

/** A fan-out child's input: one scene of the storyboard and the parent output's snapshot. */
export interface SceneChildInput {
  item: ProductScene;
  index: number;
  count: number;
  /** Which take of the scene this child is (1 for the first; a regeneration adds one). */
  take: number;
  parent: { input: OutputSnapshot };
}

export function sceneChild(ctx: HandlerContext): SceneChildInput {
  const input = ctx.input as Partial<SceneChildInput> | undefined;
  const item = input?.item;
  if (!item || typeof item.scene !== 'number' || typeof item.layout !== 'string') throw new OutputSnapshotError(ctx.component, `${ctx.component} runs in a scene child task with a storyboard scene as its item`);
  const take = typeof input.take === 'number' && Number.isInteger(input.take) && input.take >= 1 ? input.take : 1;
  return { item, index: input.index ?? item.scene - 1, count: input.count ?? 1, take, parent: { input: checked(input.parent?.input, ctx.component) } };
}

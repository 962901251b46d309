import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import { requireInput } from '../../handlers/inputs.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { ScriptOutput } from '../outputs.ts';

/** Helpers every pipeline handler uses: reading the task input and the inputs by role, storing assets. */

export interface TaskOptions {
  format?: string;
  voice?: string;
  size?: string;
  music?: boolean;
  watermark?: string | false;
  style?: string;
  output?: string;
  [key: string]: unknown;
}

export interface TaskInput {
  article?: { title?: string; body: string } | string;
  script?: { title?: string; language?: string; scenes: Array<{ text: string; keywords?: string[] }> };
  options?: TaskOptions;
}

/** An editor's changes to a scene for a new take (`task regenerate`). */
export interface TakeEdits {
  narration?: string;
  terms?: string[];
  /** `asset:NAME` (an upload) or `candidate:N` (one of the scene's candidates, from 1). */
  visual?: string;
}

/** A fan-out child's input: the item and the parent's input and its inputs by role; a later take adds its number and the edits. */
export interface SceneInput {
  item: unknown;
  index: number;
  count: number;
  parent: { component: string; input: TaskInput; inputs: Record<string, unknown> };
  take?: number;
  edits?: TakeEdits;
}

export function taskInput(ctx: HandlerContext): TaskInput {
  return (ctx.input ?? {}) as TaskInput;
}

export function optionsOf(ctx: HandlerContext): TaskOptions {
  return taskInput(ctx).options ?? {};
}

/** The output bound to one of the handler's roles; throws when the flow gave it none. */
export function input<T>(ctx: HandlerContext, role: string): T {
  return requireInput<T>(ctx.inputs, role, ctx.component);
}

export function optionalInput<T>(ctx: HandlerContext, role: string): T | undefined {
  return (ctx.inputs[role] ?? undefined) as T | undefined;
}

/** In a fan-out child: one of the roles the parent's fan-out component handed on. */
export function parentInput<T>(ctx: HandlerContext, role: string): T {
  return requireInput<T>((ctx.input as SceneInput).parent.inputs, role, ctx.component);
}

export function optionalParentInput<T>(ctx: HandlerContext, role: string): T | undefined {
  return ((ctx.input as SceneInput).parent.inputs[role] ?? undefined) as T | undefined;
}

/** Makes a file with `make(out)` in scratch space, moves it into the asset store and records it. */
export async function makeAsset(
  ctx: HandlerContext,
  assets: AssetStore,
  spec: { kind: string; provider: string; ext: string; scene?: number },
  make: (out: string) => Promise<void>,
): Promise<string> {
  const started = performance.now();
  const out = await assets.scratch(spec.ext);
  await make(out);
  return storeAsset(ctx, assets, spec, out, started);
}

/** Moves a finished scratch file into the asset store and records it: for a second file one run made beside its main one. */
export async function storeAsset(
  ctx: HandlerContext,
  assets: AssetStore,
  spec: { kind: string; provider: string; scene?: number },
  file: string,
  started: number,
): Promise<string> {
  const stored = await assets.put(file);
  ctx.recordAsset({
    kind: spec.kind, provider: spec.provider, path: stored.path, hash: stored.hash, bytes: stored.bytes,
    latencyMs: performance.now() - started, ...(spec.scene !== undefined ? { scene: spec.scene } : {}),
  });
  return stored.path;
}

/** The script the flow made, whichever handler made it: the `script` role. */
export function scriptOf(ctx: HandlerContext): ScriptOutput {
  return input<ScriptOutput>(ctx, 'script');
}

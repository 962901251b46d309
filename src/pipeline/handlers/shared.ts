import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import { MissingInputError } from '../../handlers/errors.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import type { ScriptOutput } from './text-process.ts';

/** Helpers every pipeline handler uses: reading the task input and dependency outputs, storing assets. */

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

/** A fan-out child's input: the item and the parent's input and dependency outputs. */
export interface SceneInput {
  item: unknown;
  index: number;
  count: number;
  parent: { component: string; input: TaskInput; deps: Record<string, unknown> };
}

export function taskInput(ctx: HandlerContext): TaskInput {
  return (ctx.input ?? {}) as TaskInput;
}

export function optionsOf(ctx: HandlerContext): TaskOptions {
  return taskInput(ctx).options ?? {};
}

export function dep<T>(ctx: HandlerContext, name: string): T {
  const value = ctx.deps[name];
  if (value === undefined) throw new MissingInputError(ctx.component, [name]);
  return value as T;
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
  const stored = await assets.put(out);
  ctx.recordAsset({
    kind: spec.kind, provider: spec.provider, path: stored.path, hash: stored.hash, bytes: stored.bytes,
    latencyMs: performance.now() - started, ...(spec.scene !== undefined ? { scene: spec.scene } : {}),
  });
  return stored.path;
}

/** A stable number from a string, for seeds. */
export function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The script a flow made: TextProcessor's, ScriptLoader's or CaptionWriter's, whichever the flow has. */
export function scriptOf(ctx: HandlerContext): ScriptOutput {
  const sources = ['TextProcessor', 'ScriptLoader', 'CaptionWriter'];
  for (const name of sources) {
    const value = ctx.deps[name];
    if (value !== undefined) return value as ScriptOutput;
  }
  throw new MissingInputError(ctx.component, sources);
}

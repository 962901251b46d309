import { performance } from 'node:perf_hooks';
import type { AssetStore } from '../../adapters/asset-store.ts';
import { NonRetryableError } from '../../handlers/errors.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { ArticleError } from '../text/errors.ts';
import { BadOptionError } from '../formats.ts';
import type { ScriptOutput } from './text-process.ts';

/** Helpers every pipeline handler uses: reading the task input, storing assets, classifying errors. */

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
  if (value === undefined) throw new NonRetryableError(`${ctx.component} needs the output of ${name}`, { code: 'EMISSINGDEP' });
  return value as T;
}

/** Runs `fn` and turns errors that retrying cannot fix (bad article, bad option) into non-retryable ones. */
export async function classify<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ArticleError || e instanceof BadOptionError) {
      throw new NonRetryableError(e.message, { cause: e, code: e.code });
    }
    throw e;
  }
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

/** The script a flow made: TextProcessor's, ScriptLoader's or CaptionWriter's, whichever the flow has. */
export function scriptOf(ctx: HandlerContext): ScriptOutput {
  for (const name of ['TextProcessor', 'ScriptLoader', 'CaptionWriter']) {
    const value = ctx.deps[name];
    if (value !== undefined) return value as ScriptOutput;
  }
  throw new NonRetryableError(`${ctx.component} needs a script (TextProcessor, ScriptLoader or CaptionWriter)`, { code: 'EMISSINGDEP' });
}

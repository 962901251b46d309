import path from 'node:path';
import { copyFile } from 'node:fs/promises';
import type { CompiledFlow } from '../core/flow/compile.ts';
import { SlotflowError } from '../core/errors.ts';
import { isTerminal, TaskPhase } from '../core/engine/task.ts';
import { registerBuiltins } from '../handlers/builtin.ts';
import { HandlerRegistry } from '../handlers/registry.ts';
import { AssetStore } from '../adapters/asset-store.ts';
import { startEmbedded } from '../runtime/embedded.ts';
import type { RunRecord, TaskReadModel } from '../core/ports/read-model.ts';
import type { TaskSubmission } from '../runtime/engine.ts';
import type { Settings } from '../settings.ts';
import type { PipelineDeps } from './deps.ts';
import { providersFromSettings } from './providers.ts';
import type { SpeechProvider } from '../providers/types.ts';
import { registerPipeline } from './register.ts';
import { taskTitle } from './title.ts';

/**
 * One render in this process on the embedded back end: submit, wait, copy the
 * result out. `slotflow render` and the pipeline tests both use it.
 */

/**
 * Handlers at once. Enough that text, speech and asset steps do not queue
 * behind an encode; the encodes themselves run one per core (the ffmpeg
 * module holds the rest back), so more handlers add no memory there.
 */
export const RENDER_CONCURRENCY = 4;
/** Between reads of the task: a read of the in-memory store is a map lookup, and a cached repeat is done in about 0.1 s. */
const POLL_MS = 10;

/** What a render is handed by the composition root: the engine to submit, the read model to follow and collect the task. */
interface RenderRuntime {
  engine: TaskSubmission;
  reads: Pick<TaskReadModel, 'readTask' | 'getTask' | 'listRuns'>;
  close(): Promise<void>;
}

/** The render's task ended without a video: `code` is the failed component's own code when it had one. */
export class RenderFailedError extends SlotflowError {
  override name = 'RenderFailedError';
  constructor(
    readonly taskId: string,
    readonly phase: string,
    readonly component: string | undefined,
    message: string,
    code = 'render-failed',
  ) {
    super(message, { code });
  }
}

/** The caller's signal stopped the render before it finished. */
export class RenderInterruptedError extends SlotflowError {
  override name = 'RenderInterruptedError';
  constructor(
    readonly taskId: string,
    options: { cause?: unknown } = {},
  ) {
    super(`render ${taskId} interrupted`, { code: 'render-interrupted', cause: options.cause });
  }
}

export interface RenderJob {
  flow: CompiledFlow;
  input: unknown;
  settings: Settings;
  /** Where the video (or bundle) is copied; its `.srt` sidecar goes beside it. */
  output: string;
  deps?: PipelineDeps;
  /** Speech providers to build the default `deps` with (the caller's, already probing); default, made from the settings. */
  speech?: SpeechProvider[];
  onProgress?: (line: string) => void;
  /** Aborting it stops the render: running handlers are aborted and their children killed before `renderJob` rejects. */
  signal?: AbortSignal;
}

export interface RenderResult {
  taskId: string;
  output: string;
  subtitles: string | null;
  /** The cover image beside the output (`OUT.jpg`), when the flow makes one. */
  cover: string | null;
  final: Record<string, unknown>;
  runs: RunRecord[];
  outputs: (component: string) => Record<string, unknown> | undefined;
  wallSec: number;
  /** The earlier task whose video answered the render; embedded mode has no near-duplicate reuse, so null. */
  reusedFrom: string | null;
  /** The ffmpeg build the render ran with. */
  ffmpeg: { path: string; source: string; version: string; release: string };
}

export async function renderJob(job: RenderJob): Promise<RenderResult> {
  const started = performance.now();
  const deps = job.deps ?? providersFromSettings(new AssetStore(job.settings.dataDir), job.settings, job.speech);
  const registry = registerPipeline(registerBuiltins(new HandlerRegistry()), deps);
  const rt: RenderRuntime = await startEmbedded({ registry, concurrency: RENDER_CONCURRENCY, settings: job.settings });
  try {
    const { id } = await rt.engine.submit({ flow: job.flow, input: job.input, title: taskTitle(job.input) });
    let last = '';
    for (;;) {
      const snap = (await rt.reads.readTask(id))!;
      const line = `${snap.status} 0x${snap.word.toString(16)}`;
      if (line !== last) job.onProgress?.(line);
      last = line;
      if (isTerminal(snap.phase)) break;
      if (job.signal?.aborted) throw new RenderInterruptedError(id, { cause: job.signal.reason });
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const task = (await rt.reads.getTask(id))!;
    if (task.phase !== TaskPhase.completed) {
      const err = task.error;
      throw new RenderFailedError(id, task.phase, err?.component, `render ${task.phase}${err ? `: ${err.component}: ${err.message}` : ''}`, err?.code);
    }
    const runs = await rt.reads.listRuns(id);
    const outputs = (name: string) =>
      runs.findLast((r) => r.component === name && r.status === 'succeeded')?.output as Record<string, unknown> | undefined;
    const final = outputs(job.flow.order[job.flow.order.length - 1]!) ?? {};
    const produced = (final.video ?? final.bundle) as string | undefined;
    if (!produced) throw new RenderFailedError(id, task.phase, undefined, `flow ${job.flow.name} produced no video or bundle`, 'no-video');
    await copyFile(produced, job.output);
    let subtitles: string | null = null;
    if (typeof final.srt === 'string') {
      subtitles = job.output.replace(/\.[^./]+$/, '') + '.srt';
      await copyFile(final.srt, subtitles);
    }
    let cover: string | null = null;
    if (typeof final.cover === 'string') {
      cover = job.output.replace(/\.[^./]+$/, '') + path.extname(final.cover);
      await copyFile(final.cover, cover);
    }
    const { binaries } = deps.media.runner;
    const ffmpeg = { path: binaries.ffmpeg, source: binaries.source, version: binaries.capabilities.version, release: binaries.capabilities.release };
    return { taskId: id, output: job.output, subtitles, cover, final, runs, outputs, reusedFrom: task.reusedFrom, wallSec: (performance.now() - started) / 1000, ffmpeg };
  } finally {
    // Closing aborts what still runs (the other scenes of a failed render, everything on an interrupt);
    // waiting for the runner's children means none outlives this call, nor the process.
    await rt.close();
    await deps.media.runner.settled();
  }
}

import type { CompiledFlow } from '../core/flow/compile.ts';
import { toHex } from '../core/slot.ts';
import { componentState, ModuleState, moduleStates, unknownBits } from '../core/word.ts';
import { TaskPhase } from '../core/engine/task.ts';
import type { AssetReads } from '../core/ports/assets.ts';
import type { FlowLookup } from '../core/ports/flow-versions.ts';
import type { DescribedOutputs, OutputDescriber } from '../core/ports/outputs.ts';
import type { TaskReadModel, TaskRecord } from '../core/ports/read-model.ts';
import { type SceneView, sceneViews } from './scene-view.ts';

/**
 * A module that was running when its task ended will not go on: it reads as the way the task ended
 * (`failed`, `cancelled`), not `running`. The word alone cannot tell (a cancel is a fact of the task row).
 */
export function endedState(state: ModuleState, phase: string): ModuleState | 'cancelled' {
  if (state !== ModuleState.running) return state;
  if (phase === TaskPhase.cancelled) return TaskPhase.cancelled;
  if (phase === TaskPhase.failed) return ModuleState.failed;
  return state;
}

/** What a view is made from: the read model and the flows tasks pinned. */
export interface TaskViewSource {
  reads: TaskReadModel & AssetReads;
  flows: FlowLookup;
  /** What the task's flow made, in the flow's terms. */
  outputs: OutputDescriber;
}

/** The task as `slotflow task show --json` and `GET /v1/tasks/:id` print it (docs/task-json.md). */
export interface TaskView {
  id: string;
  /** What lists show the task by (docs/task-json.md); null for a fan-out child. */
  title: string | null;
  flow: string;
  version: number;
  status: string;
  phase: string;
  slot_word: string;
  hex: string;
  unknown_bits: string;
  parent_id: string | null;
  /** The earlier task whose video answered this one (near-duplicate reuse); null when it ran. */
  reused_from: string | null;
  created_at: string;
  updated_at: string;
  error: TaskRecord['error'];
  components: Array<{
    module: string;
    component: string;
    slot: number;
    kind: string;
    state: string;
    in_flight: boolean;
    attempts: number;
    executions: number;
    cached: boolean;
    started_at: string | null;
    finished_at: string | null;
    duration_ms: number | null;
    error: unknown;
  }>;
  /** `state`: the module's state in the word, except that one still running when its task failed or was cancelled says so. */
  modules: Array<{ module: string; status: string; state: ModuleState | 'cancelled' }>;
  scenes: SceneView[];
  assets: Array<{ id: number; kind: string; component: string; scene: number | null; provider: string; bytes: number; latency_ms: number; cost_usd: number | null; reused: boolean; url: string }>;
}

/** The view with the fields the flow's output describer adds (null while nothing is made). */
export type TaskViewWithOutputs = TaskView & Readonly<Record<string, unknown>>;

/** The task's download URL, as the HTTP API serves it. */
export function downloadUrl(id: string): string {
  return `/v1/tasks/${id}/video`;
}

/** What a task made, as its flow's describer tells; nothing while the task has not completed. */
export async function describedOutputs(src: TaskViewSource, id: string, read?: TaskRecord): Promise<DescribedOutputs | undefined> {
  // A view passes the task it read, so everything it shows comes from one read.
  const task = read ?? (await src.reads.getTask(id));
  if (!task) return undefined;
  const url = downloadUrl(id);
  if (task.phase !== 'completed') return src.outputs.describe(undefined, url);
  const flow = await src.flows.byHashOrThrow(task.flowHash);
  const sources = src.outputs.sources(flow);
  const outputs = await src.reads.outputsOf(id, sources);
  return src.outputs.describe(sources.some((c) => c in outputs) ? outputs : undefined, url);
}

export async function taskView(src: TaskViewSource, id: string): Promise<TaskViewWithOutputs | undefined> {
  const task = await src.reads.getTask(id);
  if (!task) return undefined;
  const flow: CompiledFlow = await src.flows.byHashOrThrow(task.flowHash);
  const early = src.outputs.early;
  const [runs, scenes, assets, final, earlyOutputs] = await Promise.all([
    src.reads.listRuns(id), sceneViews(src.reads, src.flows, task), src.reads.listAssets(id), describedOutputs(src, id, task),
    early ? src.reads.outputsOf(id, early.sources(flow)) : undefined,
  ]);
  const states = moduleStates(flow, task.word, task.inFlight).map((s) => endedState(s, task.phase));
  return {
    id: task.id,
    title: task.title,
    flow: flow.name,
    version: flow.version,
    status: task.status,
    phase: task.phase,
    slot_word: task.word.toString(),
    hex: toHex(task.word),
    unknown_bits: toHex(unknownBits(flow, task.word)),
    parent_id: task.parentId,
    reused_from: task.reusedFrom,
    created_at: task.createdAt.toISOString(),
    updated_at: task.updatedAt.toISOString(),
    error: task.error,
    components: flow.components.map((c) => {
      const mine = runs.filter((r) => r.component === c.name);
      const last = mine[mine.length - 1];
      return {
        module: c.module,
        component: c.name,
        slot: c.slot,
        kind: c.kind,
        state: componentState(task.word, c),
        in_flight: (task.inFlight & c.successBit) !== 0n,
        attempts: task.attempts[c.name] ?? 0,
        executions: mine.reduce((n, r) => n + r.executions, 0),
        cached: last?.cached ?? false,
        started_at: last?.startedAt?.toISOString() ?? null,
        finished_at: last?.finishedAt?.toISOString() ?? null,
        duration_ms: last?.startedAt && last.finishedAt ? last.finishedAt.getTime() - last.startedAt.getTime() : null,
        error: last?.error ?? null,
      };
    }),
    modules: flow.modules.map((m, i) => ({ module: m.name, status: m.status, state: states[i]! })),
    // The scenes of the current fan-out attempt (older attempts' children stay in the database).
    scenes,
    assets: assets.map((a) => ({
      id: a.id, kind: a.kind, component: a.component, scene: a.scene, provider: a.provider, bytes: a.bytes, latency_ms: a.latencyMs, cost_usd: a.costUsd ?? null,
      reused: a.reused, url: `/v1/assets/${a.id}`,
    })),
    ...final?.viewFields,
    ...(early && earlyOutputs ? early.fields(earlyOutputs) : {}),
  };
}

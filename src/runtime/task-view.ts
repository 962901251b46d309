import type { CompiledFlow } from '../core/flow/compile.ts';
import { toHex } from '../core/slot.ts';
import { componentState, moduleStates, unknownBits } from '../core/word.ts';
import type { AssetReads } from '../core/ports/assets.ts';
import type { FlowLookup } from '../core/ports/flow-versions.ts';
import type { DescribedOutputs, OutputDescriber } from '../core/ports/outputs.ts';
import type { TaskReadModel, TaskRecord } from '../core/ports/read-model.ts';
import { type SceneView, sceneViews } from './scene-view.ts';

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
  flow: string;
  version: number;
  status: string;
  phase: string;
  slot_word: string;
  hex: string;
  unknown_bits: string;
  parent_id: string | null;
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
  modules: Array<{ module: string; status: string; state: string }>;
  scenes: SceneView[];
  assets: Array<{ id: number; kind: string; component: string; scene: number | null; provider: string; bytes: number; reused: boolean; url: string }>;
}

/** The view with the fields the flow's output describer adds (null while nothing is made). */
export type TaskViewWithOutputs = TaskView & Readonly<Record<string, unknown>>;

/** The task's download URL, as the HTTP API serves it. */
export function downloadUrl(id: string): string {
  return `/v1/tasks/${id}/video`;
}

/** What a task made, as its flow's describer tells; nothing while the task has not completed. */
export async function describedOutputs(src: TaskViewSource, id: string): Promise<DescribedOutputs | undefined> {
  const task = await src.reads.getTask(id);
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
  const [runs, scenes, assets, final] = await Promise.all([
    src.reads.listRuns(id), sceneViews(src.reads, src.flows, task), src.reads.listAssets(id), describedOutputs(src, id),
  ]);
  const states = moduleStates(flow, task.word, task.inFlight);
  return {
    id: task.id,
    flow: flow.name,
    version: flow.version,
    status: task.status,
    phase: task.phase,
    slot_word: task.word.toString(),
    hex: toHex(task.word),
    unknown_bits: toHex(unknownBits(flow, task.word)),
    parent_id: task.parentId,
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
      id: a.id, kind: a.kind, component: a.component, scene: a.scene, provider: a.provider, bytes: a.bytes, reused: a.reused, url: `/v1/assets/${a.id}`,
    })),
    ...final?.viewFields,
  };
}

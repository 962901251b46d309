import type { CompiledFlow } from '../core/flow/compile.ts';
import { toHex } from '../core/slot.ts';
import { componentState, moduleStates } from '../core/word.ts';
import type { Engine } from './engine.ts';
import type { TaskRecord } from './ports.ts';

/** The task as `slotflow task show --json` and `GET /v1/tasks/:id` print it (SPEC §2). */
export interface TaskView {
  id: string;
  flow: string;
  version: number;
  status: string;
  phase: string;
  slot_word: string;
  hex: string;
  parent_id: string | null;
  created_at: string;
  updated_at: string;
  error: TaskRecord['error'];
  components: Array<{
    module: string;
    component: string;
    slot: number;
    state: string;
    in_flight: boolean;
    attempts: number;
    executions: number;
    started_at: string | null;
    finished_at: string | null;
    duration_ms: number | null;
    error: unknown;
  }>;
  modules: Array<{ module: string; status: string; state: string }>;
  scenes: unknown[];
  assets: unknown[];
  video: string | null;
}

export async function taskView(engine: Engine, id: string): Promise<TaskView | undefined> {
  const task = await engine.store.getTask(id);
  if (!task) return undefined;
  const flow: CompiledFlow = await engine.flows.byHashOrThrow(task.flowHash);
  const runs = await engine.store.listRuns(id);
  const states = moduleStates(flow, task.word, task.inFlight);
  return {
    id: task.id,
    flow: flow.name,
    version: flow.version,
    status: task.status,
    phase: task.phase,
    slot_word: task.word.toString(),
    hex: toHex(task.word),
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
        state: componentState(task.word, c),
        in_flight: (task.inFlight & c.successBit) !== 0n,
        attempts: task.attempts[c.name] ?? 0,
        executions: mine.reduce((n, r) => n + r.executions, 0),
        started_at: last?.startedAt?.toISOString() ?? null,
        finished_at: last?.finishedAt?.toISOString() ?? null,
        duration_ms: last?.startedAt && last.finishedAt ? last.finishedAt.getTime() - last.startedAt.getTime() : null,
        error: last?.error ?? null,
      };
    }),
    modules: flow.modules.map((m, i) => ({ module: m.name, status: m.status, state: states[i]! })),
    scenes: [],
    assets: [],
    video: null,
  };
}

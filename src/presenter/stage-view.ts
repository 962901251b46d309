import type { CompiledComponent, CompiledFlow } from '../core/flow/compile.ts';
import { SlotState } from '../core/slot.ts';
import { componentState } from '../core/word.ts';
import type { TaskError } from '../core/engine/task.ts';
import type { RunRecord } from '../core/ports/read-model.ts';
import { stageName } from '../product/service.ts';

/**
 * A presenter output's stages as the editors' page shows them, pure: each component of the route's flow, then each
 * scene's components of the scene flow, with its state in the slot word, whether it runs now, its attempts and its
 * last run's error and times; and the stage the output is at, in words.
 *
 * The words are the flows' own module statuses ("writing script", "waiting for storyboard approval", "generating
 * audio", "stitching"): the status of the module of the earliest component not finished, and inside the scenes
 * that of the scenes' earliest. An output that completed is `done`; one that failed or was cancelled says so and
 * where (`failed while stitching`).
 */

/** What a stage view is read from: one task (the output, or one scene's chosen take) with its runs. */
export interface StagedTask {
  word: bigint;
  inFlight: bigint;
  attempts: Readonly<Record<string, number>>;
  runs: readonly RunRecord[];
}

export interface StageState {
  /** The kebab-case stage name the retry route takes (`script`, `scene-speech`). */
  stage: string;
  component: string;
  /** `job`, `approval`, `fanout`, … */
  kind: string;
  /** The scene (from 1) for a scene flow's stage, else null. */
  scene: number | null;
  /** What the stage does, in words: its module's status in the flow. */
  label: string;
  state: SlotState;
  in_flight: boolean;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  error: TaskError | null;
}

const finished = (word: bigint, c: CompiledComponent) => {
  const s = componentState(word, c);
  return s === SlotState.succeeded || s === SlotState.skipped;
};

/** The module status of a component: what the flow says happens while it runs. */
function labelOf(flow: CompiledFlow, c: CompiledComponent): string {
  return flow.modules[c.moduleIndex]?.status ?? stageName(c.name);
}

function stateOf(flow: CompiledFlow, c: CompiledComponent, task: StagedTask, scene: number | null): StageState {
  const last = task.runs.filter((r) => r.component === c.name).at(-1);
  return {
    stage: stageName(c.name), component: c.name, kind: c.kind, scene, label: labelOf(flow, c),
    state: componentState(task.word, c), in_flight: (task.inFlight & c.successBit) !== 0n, attempts: task.attempts[c.name] ?? 0,
    started_at: last?.startedAt?.toISOString() ?? null, finished_at: last?.finishedAt?.toISOString() ?? null, error: last?.error ?? null,
  };
}

/** Every stage of the output, the scenes' after the fan-out that makes them, scene by scene. */
export function stageStates(flow: CompiledFlow, task: StagedTask, sceneFlow: CompiledFlow | null, scenes: ReadonlyArray<StagedTask & { scene: number }>): StageState[] {
  const out: StageState[] = [];
  for (const c of flow.components) {
    out.push(stateOf(flow, c, task, null));
    if (c.kind === 'fanout' && sceneFlow) for (const s of scenes) for (const cc of sceneFlow.components) out.push(stateOf(sceneFlow, cc, s, s.scene));
  }
  return out;
}

/** The stage the output is at, in words (see the header). */
export function stageLabel(flow: CompiledFlow, task: StagedTask & { phase: string }, sceneFlow: CompiledFlow | null, scenes: readonly StagedTask[]): string {
  if (task.phase === 'completed') return 'done';
  let at = 'queued';
  find: for (const c of flow.components) {
    if (finished(task.word, c)) continue;
    if (c.kind === 'fanout' && sceneFlow && scenes.length > 0) {
      for (const cc of sceneFlow.components) {
        if (scenes.some((s) => !finished(s.word, cc))) {
          at = labelOf(sceneFlow, cc);
          break find;
        }
      }
    }
    at = labelOf(flow, c);
    break;
  }
  return task.phase === 'failed' || task.phase === 'cancelled' ? `${task.phase} while ${at}` : at;
}

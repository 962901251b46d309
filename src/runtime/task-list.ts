import { TaskPhase } from '../core/engine/task.ts';
import { SlotflowError } from '../core/errors.ts';
import type { CompiledFlow } from '../core/flow/compile.ts';
import type { TaskFilter, TaskReadModel, TaskRecord } from '../core/ports/read-model.ts';

/**
 * `task list` and `GET /v1/tasks`: which tasks, and how each is shown. A `status` asked for is either a
 * phase (queued, running, completed, failed, cancelled: the same for every flow) or a module status of a
 * flow (`generating`, `done`, …); anything else is refused with the words that are known, so a typo never
 * reads as "no such tasks". The known statuses are those of the installed flows and those tasks in the
 * store have (tasks pin flows that may no longer be installed).
 */

export const PHASES: readonly string[] = Object.values(TaskPhase);

export class InvalidStatusError extends SlotflowError {
  override name = 'InvalidStatusError';
  constructor(readonly known: readonly string[]) {
    super(`no task can have that status; the statuses are: ${known.join(', ')}`, { code: 'invalid-option' });
  }
}

/** Every word `status` may take: the phases first, then the module statuses, sorted. */
export async function knownStatuses(installed: readonly CompiledFlow[], reads: Pick<TaskReadModel, 'countTasksByStatus'>): Promise<string[]> {
  const statuses = new Set<string>();
  for (const flow of installed) for (const m of flow.modules) statuses.add(m.status).add(m.nextStatus);
  for (const row of await reads.countTasksByStatus()) statuses.add(row.status);
  for (const phase of PHASES) statuses.delete(phase);
  return [...PHASES, ...[...statuses].sort()];
}

export interface ListRequest {
  status?: string | undefined;
  /** Fan-out children too; by default they are left out (their parent stands for them). */
  all?: boolean | undefined;
  limit: number;
}

/** The store's filter for a request, or InvalidStatusError for a status no task can have. */
export async function listFilter(req: ListRequest, known: () => Promise<readonly string[]>): Promise<TaskFilter> {
  const filter: TaskFilter = { limit: req.limit, ...(req.all ? {} : { topLevel: true }) };
  if (req.status === undefined || req.status === '') return filter;
  if (PHASES.includes(req.status)) return { ...filter, phase: req.status as TaskPhase };
  const words = await known();
  if (!words.includes(req.status)) throw new InvalidStatusError(words);
  return { ...filter, status: req.status };
}

/** One task as the lists show it, in the command line's `--json` and the API alike. */
export interface TaskListItem {
  id: string;
  title: string | null;
  flow: string;
  phase: string;
  status: string;
  slot_word: string;
  parent_id: string | null;
  created_at: string;
}

export function taskListItem(t: TaskRecord): TaskListItem {
  return {
    id: t.id, title: t.title, flow: t.flowName, phase: t.phase, status: t.status, slot_word: t.word.toString(), parent_id: t.parentId,
    created_at: t.createdAt.toISOString(),
  };
}

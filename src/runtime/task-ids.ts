import { SlotflowError } from '../core/errors.ts';
import type { TaskReadModel } from '../core/ports/read-model.ts';

/**
 * A task named by its id or, as git does with commits, by a unique prefix of it. Every command and route
 * that takes a task id resolves it here, once, and works with the full id from then on; the answers always
 * carry the full id.
 */

/** The fewest characters of a prefix: short enough to type, long enough to stay unique for years of tasks. */
export const MIN_ID_PREFIX = 8;
/** How many of the tasks an ambiguous prefix names the refusal lists. */
export const AMBIGUOUS_SHOWN = 5;

export type TaskIdCode = 'id-too-short' | 'unknown-task' | 'ambiguous-id';

/** An id or prefix that names no single task; `candidates` are the first ids an ambiguous prefix begins. */
export class TaskIdError extends SlotflowError {
  override name = 'TaskIdError';
  constructor(
    readonly given: string,
    code: TaskIdCode,
    message: string,
    readonly candidates: readonly string[] = [],
  ) {
    super(message, { code });
  }
}

export async function resolveTaskId(reads: Pick<TaskReadModel, 'findTaskIds'>, idOrPrefix: string): Promise<string> {
  const prefix = idOrPrefix.trim().toLowerCase();
  // Ids are UUIDs: text that could not begin one names no task, however short (`..` in a URL is not a short id).
  const couldBeId = /^[0-9a-f-]{1,36}$/.test(prefix);
  if (!couldBeId) throw new TaskIdError(idOrPrefix, 'unknown-task', 'no such task');
  // The messages repeat the given text only when it is short and could be an id: it comes from URLs too.
  if (prefix.length < MIN_ID_PREFIX) {
    throw new TaskIdError(idOrPrefix, 'id-too-short', `a task id or prefix needs at least ${MIN_ID_PREFIX} characters`);
  }
  const ids = await reads.findTaskIds(prefix, AMBIGUOUS_SHOWN + 1);
  if (ids.length === 0) throw new TaskIdError(idOrPrefix, 'unknown-task', prefix.length <= 36 ? `no task ${prefix}` : 'no such task');
  if (ids.length > 1) {
    const shown = ids.slice(0, AMBIGUOUS_SHOWN);
    const count = ids.length > AMBIGUOUS_SHOWN ? `more than ${AMBIGUOUS_SHOWN}` : String(ids.length);
    throw new TaskIdError(idOrPrefix, 'ambiguous-id', `${prefix} begins ${count} task ids: ${shown.join(', ')}; give more of it`, shown);
  }
  return ids[0]!;
}

import type { Answer, Rejection, TaskWrite } from '../core/engine/transitions.ts';
import { log } from '../log.ts';

/**
 * One log line per failed attempt the engine took, whoever answered it (a worker, a callback service, a
 * deadline, a fan-out): which task, component and attempt, the error's code, and whether another attempt
 * follows. A refused answer (stale, duplicate) changed nothing and is counted in the metrics instead.
 */
export function logFailedAttempt(answer: Answer, result: TaskWrite | Rejection): void {
  if (answer.ok || 'rejected' in result) return;
  const retrying = result.starts.some((s) => s.component === answer.component);
  log.warn('component failed', {
    task: answer.taskId,
    component: answer.component,
    attempt: answer.attempt,
    code: answer.error.code ?? 'internal',
    error: `${answer.error.name}: ${answer.error.message}`,
    retrying,
  });
}

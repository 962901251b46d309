import { hostname } from 'node:os';
import type { Answer, AnswerError } from '../core/engine/transitions.ts';
import type { ComponentJob } from '../core/engine/task.ts';
import { AttemptTimeoutError, NonRetryableError } from '../handlers/errors.ts';
import type { HandlerRegistry } from '../handlers/registry.ts';
import type { Engine } from './engine.ts';

/**
 * Runs one component job: opens the attempt (a job whose attempt is no longer
 * open is dropped unrun), runs the handler with the input snapshot, params and
 * dependency outputs under the attempt's timeout, and hands the outcome to the
 * engine's completion path. Handler errors become failure answers; only
 * infrastructure errors (the database unreachable) escape, so the queue runs
 * the job again.
 */

export const DEFAULT_WORKER_ID = `${hostname()}:${process.pid}`;

export interface RunnerOptions {
  engine: Engine;
  registry: HandlerRegistry;
  workerId?: string;
  /** Aborts running handlers when the worker shuts down. */
  shutdown?: AbortSignal;
}

export type RunOutcome = 'answered' | 'dropped';

export async function runComponentJob(job: ComponentJob, opts: RunnerOptions): Promise<RunOutcome> {
  const { engine, registry } = opts;
  const opened = await engine.store.startRun(job.taskId, job.component, job.attempt, opts.workerId ?? DEFAULT_WORKER_ID);
  if (!opened) return 'dropped';
  const flow = await engine.flows.byHashOrThrow(job.flowHash);
  const component = flow.byName.get(job.component);
  const task = await engine.store.getTask(job.taskId);
  if (!component || !task) return 'dropped';

  const base = { taskId: job.taskId, component: job.component, attempt: job.attempt };
  let answer: Answer;
  const timeout = new AbortController();
  const signal = opts.shutdown ? AbortSignal.any([timeout.signal, opts.shutdown]) : timeout.signal;
  let timer: NodeJS.Timeout | undefined;
  try {
    const handler = registry.get(component.handler);
    const deps = await engine.store.outputsOf(job.taskId, component.depends);
    const work = handler({ ...base, input: task.input, params: component.params, deps, signal });
    const limit = component.timeoutMs;
    const output =
      limit === undefined
        ? await work
        : await Promise.race([
            work,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                const err = new AttemptTimeoutError(job.component, job.attempt, limit);
                timeout.abort(err);
                reject(err);
              }, limit);
            }),
          ]);
    answer = { ...base, ok: true, output: output ?? null };
  } catch (e) {
    if (opts.shutdown?.aborted) throw e; // handed back to the queue: the job runs again elsewhere
    answer = { ...base, ok: false, error: toAnswerError(e) };
  } finally {
    if (timer) clearTimeout(timer);
  }
  await engine.answer(answer);
  return 'answered';
}

export function toAnswerError(e: unknown): AnswerError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return {
      name: e.name,
      message: e.message,
      ...(typeof code === 'string' ? { code } : {}),
      retryable: !(e instanceof NonRetryableError),
    };
  }
  return { name: 'Error', message: String(e), retryable: true };
}

import { TaskPhase } from '../core/engine/task.ts';
import { type FinishedPhase, type HistoryCounts, NO_HISTORY, type TaskHistory } from '../core/ports/task-history.ts';
import { Periodic } from './periodic.ts';

/**
 * Retention of finished work. A top-level task that completed, failed or was
 * cancelled more than `retainDays` ago loses its history: events, component
 * runs, webhook attempts, answer rejections and its request vector, and so do
 * its fan-out children (and theirs). The task rows stay, so `task show` and
 * `task list` still answer (with no runs or events), idempotency keys still
 * deduplicate and `reused_from` still names a task; the asset ledger is left to
 * `collectGarbage`. Without its request vector a purged task is never offered
 * for reuse, which matters because a reused task copies the runs it has.
 *
 * Work goes page by page (`pageSize` top-level tasks) and each DELETE removes at
 * most `batch` rows, so the hot tables are never locked for long.
 */

export interface RetentionOptions {
  retainDays: number;
  dryRun: boolean;
  /** Top-level tasks per page. */
  pageSize: number;
  /** Rows per DELETE statement. */
  batch: number;
}

export const DEFAULT_RETENTION: RetentionOptions = { retainDays: 30, dryRun: false, pageSize: 500, batch: 1000 };

const DAY_MS = 24 * 3600 * 1000;
/** Often enough that a day's finished work never piles up; rare enough to cost nothing. */
export const RETENTION_INTERVAL_MS = 3600 * 1000;

const FINISHED_PHASES: readonly FinishedPhase[] = [TaskPhase.completed, TaskPhase.failed, TaskPhase.cancelled];

export interface RetentionReport {
  /** Top-level tasks whose history went (or would go, in a dry run). */
  tasks: number;
  /** Their fan-out descendants. */
  children: number;
  rows: HistoryCounts;
}

export async function purgeFinishedHistory(store: TaskHistory, opts: RetentionOptions = DEFAULT_RETENTION, now = new Date()): Promise<RetentionReport> {
  const finishedBefore = new Date(now.getTime() - opts.retainDays * DAY_MS);
  const report: RetentionReport = { tasks: 0, children: 0, rows: { ...NO_HISTORY } };
  for (const phase of FINISHED_PHASES) {
    let cursor;
    for (;;) {
      const page = await store.finishedTasks(phase, finishedBefore, cursor, opts.pageSize);
      if (page.length === 0) break;
      const top = page.map((t) => t.id);
      const children = await descendants(store, top);
      report.tasks += top.length;
      report.children += children.length;
      // Children first: the parent's events are the mark that its purge is not done yet.
      for (const ids of [...chunks(children, opts.batch), top]) {
        add(report.rows, opts.dryRun ? await store.countHistory(ids) : await store.purgeHistory(ids, opts.batch));
      }
      if (page.length < opts.pageSize) break;
      cursor = page[page.length - 1];
    }
  }
  return report;
}

async function descendants(store: TaskHistory, parents: readonly string[]): Promise<string[]> {
  const all: string[] = [];
  let level = await store.childTaskIds(parents);
  while (level.length > 0) {
    all.push(...level);
    level = await store.childTaskIds(level);
  }
  return all;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function add(into: HistoryCounts, more: HistoryCounts): void {
  for (const key of Object.keys(into) as Array<keyof HistoryCounts>) into[key] += more[key];
}

/** The scheduler's hourly purge. */
export class RetentionSweeper extends Periodic {
  constructor(store: TaskHistory, retainDays: number, onError?: (e: unknown) => void) {
    super(() => purgeFinishedHistory(store, { ...DEFAULT_RETENTION, retainDays }), RETENTION_INTERVAL_MS, onError);
  }
}

/**
 * What `GET /v1/stats` and `slotflow stats` report: the work of a window of
 * time (the last 24 hours), counted over the tasks submitted in it.
 * Percentiles are nearest-rank (the smallest value with at least q of the
 * values at or below it), the same in MySQL and in memory.
 */

export interface ProviderActivity {
  provider: string;
  /** Files the provider made (reused ones are not its work). */
  assets: number;
  p50Ms: number;
  p95Ms: number;
  /** What the files cost in all, US dollars, over those the provider reported a cost for; null when it reported none. */
  costUsd: number | null;
}

export interface ActivityStats {
  since: Date;
  /** Top-level tasks (no fan-out children) by how they stand now. */
  tasks: { submitted: number; completed: number; failed: number; cancelled: number; unfinished: number };
  /** Submit to the last write, of the completed top-level tasks; null when none completed. */
  durationMs: { p50: number | null; p95: number | null };
  /** Component runs of every task of the window (children's included). */
  runs: { executions: number; cached: number };
  providers: ProviderActivity[];
}

export interface ActivityReads {
  activitySince(since: Date): Promise<ActivityStats>;
}

/** Nearest-rank percentile of ascending `sorted`; undefined when empty. */
export function nearestRank(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

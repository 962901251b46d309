/**
 * Wraps a SELECT of `k` (a group) and `v` (a value) into one
 * that gives, per group, its size `n` and the nearest-rank `p50` and `p95`
 * (see core/ports/activity.ts), for the steps that report percentiles.
 */
export function nearestRankSql(select: string): string {
  return `SELECT k, n,
      MIN(CASE WHEN rn = GREATEST(1, CEIL(0.5 * n)) THEN v END) AS p50,
      MIN(CASE WHEN rn = GREATEST(1, CEIL(0.95 * n)) THEN v END) AS p95
    FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY k) AS n
          FROM (${select}) AS samples) AS ranked
    GROUP BY k, n`;
}

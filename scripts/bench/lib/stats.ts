/** Small statistics helpers: nearest-rank percentiles, rounding, concurrency limits. */

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values.length === 0 ? null : Math.max(...values),
    mean: values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0) / values.length, 2),
  };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : round((sorted[mid - 1]! + sorted[mid]!) / 2, 2);
}

/** Runs `fn` over `items` with at most `limit` at once, in order of start. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/**
 * Open-loop arrivals: calls `fn(i)` at `start + i / ratePerSec` without
 * waiting for earlier calls, and resolves when all have settled. Returns how
 * late (ms) the last arrival was started, to tell when the submitter itself
 * could not keep up.
 */
export async function openLoop(count: number, ratePerSec: number, fn: (i: number) => Promise<void>): Promise<{ maxLagMs: number }> {
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  let maxLag = 0;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    maxLag = Math.max(maxLag, performance.now() - due);
    pending.push(fn(i));
  }
  await Promise.all(pending);
  return { maxLagMs: round(maxLag, 1) };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

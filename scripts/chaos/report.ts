/**
 * What a chaos scenario reports: the tasks it submitted and what became of
 * them, every execution beyond the first of a component attempt (and every
 * retry) with its cause, and the invariants it checked. `npm run chaos`
 * prints one `summaryLine` per scenario; the tests in `test/chaos/` assert
 * on the same report, so the short and the long run judge alike.
 */

export interface Check {
  what: string;
  ok: boolean;
  /** Figures or the first offenders, for the failure message. */
  detail?: string;
}

export interface ScenarioReport {
  scenario: string;
  scale: Scale;
  submitted: number;
  completed: number;
  /** Submitted tasks that did not complete: must be 0. */
  lost: number;
  /** Executions beyond one per component attempt, plus attempts beyond the first. */
  duplicates: number;
  /** Why each duplicate happened; `unexplained` must stay 0. */
  causes: Record<string, number>;
  /** Scenario-specific figures (kills, outage length, rejections, mutations...). */
  figures: Record<string, number | string>;
  checks: Check[];
  durationMs: number;
}

export type Scale = 'short' | 'long';

export const UNEXPLAINED = 'unexplained';

/** Accumulates checks as a scenario runs. */
export class Checks {
  readonly list: Check[] = [];

  expect(what: string, ok: boolean, detail?: string): boolean {
    this.list.push({ what, ok, ...(detail !== undefined ? { detail } : {}) });
    return ok;
  }

  equal(what: string, actual: unknown, expected: unknown): boolean {
    const ok = Object.is(actual, expected) || JSON.stringify(actual) === JSON.stringify(expected);
    return this.expect(what, ok, ok ? String(actual) : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }

  get failed(): Check[] {
    return this.list.filter((c) => !c.ok);
  }
}

export function passed(report: ScenarioReport): boolean {
  return report.lost === 0 && (report.causes[UNEXPLAINED] ?? 0) === 0 && report.checks.every((c) => c.ok);
}

function causesText(causes: Record<string, number>): string {
  const parts = Object.entries(causes).filter(([, n]) => n > 0).map(([cause, n]) => `${n} ${cause}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** One line: tasks submitted, completed, lost, duplicate executions and their causes, the scenario's own figures, the verdict. */
export function summaryLine(r: ScenarioReport): string {
  const figures = Object.entries(r.figures).map(([k, v]) => `${k}=${v}`).join(' ');
  const failed = r.checks.filter((c) => !c.ok).length;
  const verdict = passed(r) ? 'PASS' : `FAIL (${failed} check(s) failed)`;
  return `${r.scenario.padEnd(18)} submitted=${r.submitted} completed=${r.completed} lost=${r.lost} ` +
    `duplicates=${r.duplicates}${causesText(r.causes)}${figures ? ` ${figures}` : ''} ${(r.durationMs / 1000).toFixed(1)}s ${verdict}`;
}

/** The failed checks, one per line, for a test's failure message or the CLI. */
export function failureText(r: ScenarioReport): string {
  return r.checks.filter((c) => !c.ok).map((c) => `  ✗ ${c.what}${c.detail ? `: ${c.detail}` : ''}`).join('\n');
}

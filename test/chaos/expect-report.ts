import { expect } from 'chai';
import { failureText, type ScenarioReport, summaryLine, UNEXPLAINED } from '../../scripts/chaos/report.ts';
import { openRuntimes } from '../../src/runtime/composition.ts';

/**
 * The tests in this folder run the short version of each chaos scenario
 * (scripts/chaos/scenarios/) and hold it to the same verdict as
 * `npm run chaos`: every check passed, no task lost, no duplicate execution
 * without a cause. The summary line is the failure message's headline.
 */
export function expectPassed(r: ScenarioReport): void {
  const headline = summaryLine(r);
  if (r.checks.some((c) => !c.ok)) expect.fail(`${headline}\n${failureText(r)}`);
  expect(r.lost, `${headline}: tasks lost`).to.equal(0);
  expect(r.completed, headline).to.equal(r.submitted);
  expect(r.causes[UNEXPLAINED] ?? 0, `${headline}: unexplained duplicates`).to.equal(0);
  expect(openRuntimes.size, 'runtimes (MySQL pools, Redis connections, workers) left open').to.equal(0);
}

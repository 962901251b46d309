import { expect } from 'chai';
import { crashes } from '../../scripts/chaos/scenarios/crashes.ts';
import { expectPassed } from './expect-report.ts';

describe('chaos: crashes (short; `npm run chaos` runs 200 tasks)', function () {
  this.timeout(120000);

  it('20 article-shaped tasks through a kill -9 of a busy worker: every task completes and each extra execution is the kill', async () => {
    const r = await crashes('short');
    expectPassed(r);
    expect(r.submitted).to.equal(20);
    expect(r.figures.worker_kills, 'the one kill took a worker').to.equal(1);
    // The victim was running jobs, so something ran twice, and every extra execution is one of its runs.
    expect(r.duplicates, 'executions beyond one per component').to.be.greaterThan(0);
    expect(r.causes).to.deep.equal({ 'worker kill -9': r.duplicates });
    expect(r.figures.interrupted_runs).to.equal(r.duplicates);
  });
});

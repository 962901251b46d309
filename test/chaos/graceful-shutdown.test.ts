import { expect } from 'chai';
import { gracefulShutdown } from '../../scripts/chaos/scenarios/graceful-shutdown.ts';
import { expectPassed } from './expect-report.ts';

describe('chaos: graceful shutdown (short)', function () {
  this.timeout(120000);

  it('SIGTERM: a busy worker finishes its jobs and exits 0, a job cut short by SIGKILL after the grace runs elsewhere, the scheduler exits at once; nothing stays in flight', async () => {
    const r = await gracefulShutdown('short');
    expectPassed(r);
    expect(r.figures.finished_in_place).to.be.greaterThan(0);
    expect(r.causes).to.deep.equal({ 'SIGKILL after the SIGTERM grace (job handed back)': 1 });
  });
});

import { expect } from 'chai';
import { hostileInput } from '../../scripts/chaos/scenarios/hostile-input.ts';
import { expectPassed } from './expect-report.ts';

describe('chaos: hostile input (short: 10,000 flow mutations, three hostile renders)', function () {
  this.timeout(240000);

  it('flow mutations give only validation errors; hostile articles give a clear 4xx or a clean render; no token is 401; traversal is 404', async () => {
    const r = await hostileInput('short');
    expectPassed(r);
    expect(r.figures.mutations).to.equal(10000);
    expect(Number(r.figures.mutations_compiled), 'some mutations still compile').to.be.greaterThan(0);
    expect(Number(r.figures.articles_rendered)).to.be.at.least(2);
  });
});
